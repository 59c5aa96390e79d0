//! Unit tests of the check-in side's pure parts: the commands queued after enrollment validate
//! against Apple's schema, forwarded certificates decode, plists become JSON.
#![allow(clippy::unwrap_used)]

use cultivar_mdm_proto::{validate_command, Command};
use plist::{Dictionary, Value};

use super::inventory::{inventory_update, plist_to_json};
use super::{forwarded_certificate, MdmError, DEVICE_QUERIES, USER_ENROLLMENT_QUERIES};

#[test]
fn initial_commands_validate_against_apples_schema() {
    for queries in [DEVICE_QUERIES, USER_ENROLLMENT_QUERIES] {
        let cmd = Command::device_information(queries);
        assert_eq!(validate_command(&cmd), Ok(()), "{queries:?}");
    }
    assert_eq!(validate_command(&Command::device_configured()), Ok(()));
}

#[test]
fn user_enrollment_queries_ask_for_no_hardware_identifier() {
    for forbidden in [
        "UDID",
        "SerialNumber",
        "IMEI",
        "MEID",
        "WiFiMAC",
        "BluetoothMAC",
    ] {
        assert!(!USER_ENROLLMENT_QUERIES.contains(&forbidden), "{forbidden}");
        assert!(DEVICE_QUERIES.contains(&forbidden), "{forbidden}");
    }
}

const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIB+w==\n-----END CERTIFICATE-----\n";

#[test]
fn forwarded_certificates_decode_both_proxy_formats() {
    let rfc9440 = forwarded_certificate(":AQIDBA==:").unwrap();
    assert_eq!(rfc9440, vec![1, 2, 3, 4]);
    let escaped = PEM
        .replace('\n', "%0A")
        .replace(' ', "%20")
        .replace('+', "%2B")
        .replace('=', "%3D");
    assert_eq!(forwarded_certificate(&escaped).unwrap(), PEM.as_bytes());
    // A literal `+` (left unescaped by some proxies) stays a `+`.
    let plus = PEM.replace('\n', "%0A");
    assert_eq!(forwarded_certificate(&plus).unwrap(), PEM.as_bytes());
}

#[test]
fn malformed_forwarded_certificates_are_bad_requests() {
    for bad in [":not base64!:", "%zz", "hello", "%0"] {
        let err = forwarded_certificate(bad).unwrap_err();
        assert!(
            matches!(&err, MdmError::BadRequest(m) if m.starts_with("client certificate header:")),
            "{bad}: {err:?}"
        );
    }
}

#[test]
fn plist_values_become_json() {
    let mut d = Dictionary::new();
    d.insert("Name".into(), Value::String("Lab".into()));
    d.insert("Level".into(), Value::Real(0.5));
    d.insert("Count".into(), Value::Integer(3.into()));
    d.insert("Flag".into(), Value::Boolean(true));
    d.insert("Blob".into(), Value::Data(vec![1, 2]));
    d.insert("List".into(), Value::Array(vec![Value::String("a".into())]));
    let json = plist_to_json(&Value::Dictionary(d));
    assert_eq!(
        json,
        serde_json::json!({"Name": "Lab", "Level": 0.5, "Count": 3, "Flag": true,
            "Blob": "AQI=", "List": ["a"]})
    );
}

#[test]
fn inventory_takes_device_facts_from_query_responses() {
    let mut responses = Dictionary::new();
    responses.insert("DeviceName".into(), Value::String("Fruit".into()));
    responses.insert("OSVersion".into(), Value::String("17.1".into()));
    responses.insert("BatteryLevel".into(), Value::Real(1.0));
    let mut report = Dictionary::new();
    report.insert("QueryResponses".into(), Value::Dictionary(responses));
    let at = time::OffsetDateTime::UNIX_EPOCH;
    let update = inventory_update("UDID-1", &report, at).unwrap();
    assert_eq!(update.device_name.as_deref(), Some("Fruit"));
    assert_eq!(update.os_version.as_deref(), Some("17.1"));
    assert_eq!(update.model, None);
    assert_eq!(update.inventory["BatteryLevel"], 1.0);
    assert!(inventory_update("UDID-1", &Dictionary::new(), at).is_none());
}

#[test]
fn bodies_keep_dates_and_data_and_must_be_dictionaries() {
    let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>When</key><date>2024-05-01T10:00:00Z</date>
<key>Blob</key><data>AQI=</data>
</dict></plist>"#;
    let d = super::checkin::parse_body(xml).unwrap();
    assert!(d["When"].as_date().is_some());
    assert_eq!(d["Blob"].as_data(), Some(&[1u8, 2][..]));
    assert_eq!(plist_to_json(&d["When"]), "2024-05-01T10:00:00Z");
    let array = br#"<plist version="1.0"><array/></plist>"#;
    assert!(matches!(
        super::checkin::parse_body(array),
        Err(MdmError::BadRequest(_))
    ));
    assert!(matches!(
        super::checkin::parse_body(b"{}"),
        Err(MdmError::BadRequest(_))
    ));
}
