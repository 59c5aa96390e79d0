//! Device reports: every Status, ErrorChain, the real DeviceInformation capture, and reports
//! that cannot be decoded (their bytes and CommandUUID are kept).
#![allow(clippy::unwrap_used)]

use cultivar_mdm_proto::{CommandResult, EnrollmentIds, ProtoError, Status};
use plist::{Dictionary, Value};

fn report(entries: &[(&str, Value)]) -> Vec<u8> {
    let dict: Dictionary = entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let mut out = Vec::new();
    Value::Dictionary(dict).to_writer_xml(&mut out).unwrap();
    out
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

#[test]
fn device_information_capture() {
    let path = format!(
        "{}/../../fixtures/mdm-checkin-plists/DeviceInformation.1.plist",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(path).unwrap();
    let result = CommandResult::from_plist(&bytes).unwrap();
    assert_eq!(result.status, Status::Acknowledged);
    assert_eq!(
        result.command_uuid.as_deref(),
        Some("76eda240-5488-4989-8339-f2ae160113c4")
    );
    assert_eq!(
        result.identity().unwrap().id,
        "66ADE930-5FDF-5EC4-8429-15640684C489"
    );
    let responses = result
        .raw
        .get("QueryResponses")
        .unwrap()
        .as_dictionary()
        .unwrap();
    assert_eq!(
        responses.get("HostName"),
        Some(&Value::String("fruit.example.com".into()))
    );
    let original = Value::from_reader(std::io::Cursor::new(&bytes))
        .unwrap()
        .into_dictionary()
        .unwrap();
    assert_eq!(result.to_dictionary(), original);
}

#[test]
fn idle_needs_no_command_uuid() {
    let body = report(&[("Status", s("Idle")), ("UDID", s("U1"))]);
    let result = CommandResult::from_plist(&body).unwrap();
    assert_eq!(result.status, Status::Idle);
    assert_eq!(result.command_uuid, None);
    assert!(!result.status.is_final());
}

#[test]
fn every_non_idle_status_parses_and_needs_a_uuid() {
    for status in [
        Status::Acknowledged,
        Status::Error,
        Status::CommandFormatError,
        Status::NotNow,
    ] {
        let body = report(&[
            ("Status", s(status.as_str())),
            ("UDID", s("U1")),
            ("CommandUUID", s("C-1")),
        ]);
        let result = CommandResult::from_plist(&body).unwrap();
        assert_eq!(result.status, status);
        assert_eq!(result.command_uuid.as_deref(), Some("C-1"));
        assert_eq!(result.status.is_final(), status != Status::NotNow);

        let body = report(&[("Status", s(status.as_str())), ("EnrollmentID", s("E1"))]);
        let err = CommandResult::from_plist(&body).unwrap_err();
        assert_eq!(
            err.to_string(),
            "command report: CommandUUID: required key missing"
        );
        assert_eq!(err.raw, body);
    }
}

#[test]
fn error_chain_and_rejection_reason() {
    let item = |code: i64, domain: &str, text: &str| {
        let mut d = Dictionary::new();
        d.insert("ErrorCode".into(), Value::Integer(code.into()));
        d.insert("ErrorDomain".into(), s(domain));
        d.insert("LocalizedDescription".into(), s(text));
        d.insert("USEnglishDescription".into(), s(text));
        Value::Dictionary(d)
    };
    let body = report(&[
        ("Status", s("Error")),
        ("UDID", s("U1")),
        ("CommandUUID", s("C-2")),
        ("RejectionReason", s("AppAlreadyInstalled")),
        (
            "ErrorChain",
            Value::Array(vec![
                item(12025, "MCMDMErrorDomain", "The app is already installed."),
                item(-1, "ASDErrorDomain", "inner"),
            ]),
        ),
    ]);
    let result = CommandResult::from_plist(&body).unwrap();
    assert_eq!(
        result.rejection_reason.as_deref(),
        Some("AppAlreadyInstalled")
    );
    assert_eq!(result.error_chain.len(), 2);
    let first = &result.error_chain[0];
    assert_eq!(first.error_code, Some(12025));
    assert_eq!(first.error_domain.as_deref(), Some("MCMDMErrorDomain"));
    assert_eq!(
        first.us_english_description.as_deref(),
        Some("The app is already installed.")
    );
    assert_eq!(result.error_chain[1].error_code, Some(-1));
    let again = CommandResult::from_plist(&result.to_plist_xml().unwrap()).unwrap();
    assert_eq!(again, result);
}

#[test]
fn bad_error_chain_names_the_item() {
    let mut bad = Dictionary::new();
    bad.insert("ErrorCode".into(), s("twelve"));
    let body = report(&[
        ("Status", s("Error")),
        ("UDID", s("U1")),
        ("CommandUUID", s("C-3")),
        ("ErrorChain", Value::Array(vec![Value::Dictionary(bad)])),
    ]);
    let err = CommandResult::from_plist(&body).unwrap_err();
    assert_eq!(
        err.to_string(),
        "command report: ErrorChain[0].ErrorCode: expected integer, found string"
    );
    assert_eq!(err.command_uuid.as_deref(), Some("C-3"));
}

#[test]
fn unparsable_reports_keep_their_bytes() {
    let garbage = b"\x00\x01 definitely not a plist".to_vec();
    let err = CommandResult::from_plist(&garbage).unwrap_err();
    assert_eq!(err.raw, garbage);
    assert_eq!(err.command_uuid, None);
    assert!(matches!(err.source, ProtoError::Plist { .. }));

    let body = report(&[
        ("Status", s("Maybe")),
        ("UDID", s("U1")),
        ("CommandUUID", s("C-4")),
    ]);
    let err = CommandResult::from_plist(&body).unwrap_err();
    assert_eq!(err.raw, body);
    assert_eq!(err.command_uuid.as_deref(), Some("C-4"));
    assert!(err.to_string().contains("Status: unknown value \"Maybe\""));
}

#[test]
fn reports_built_by_a_simulated_device_round_trip() {
    let mut result = CommandResult::new(
        EnrollmentIds::device("U9"),
        Status::NotNow,
        Some("C-5".into()),
    );
    result.raw.insert("Extra".into(), Value::Boolean(true));
    let again = CommandResult::from_plist(&result.to_plist_xml().unwrap()).unwrap();
    assert_eq!(again.status, Status::NotNow);
    assert_eq!(again.raw.get("Extra"), Some(&Value::Boolean(true)));
    assert_eq!(again.identity().unwrap().id, "U9");
}
