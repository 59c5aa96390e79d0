//! Check-in decoding against real device captures (fixtures/mdm-checkin-plists, MIT, from
//! NanoMDM's test data), Apple's check-in schema list, and the error cases.
#![allow(clippy::unwrap_used)]

use cultivar_mdm_proto::checkin::{CheckinMessage, TokenUpdate, MESSAGE_TYPES};
use cultivar_mdm_proto::{EnrollmentIds, EnrollmentType, IdentityError, ProtoError};
use plist::{Dictionary, Value};

const TOPIC: &str = "com.apple.mgmt.External.e0bd1eac-1f17-4c8e-8a63-dd17d3dd35d9";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../fixtures/mdm-checkin-plists/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The capture parsed by the plist crate alone, as the reference dictionary.
fn fixture_dict(name: &str) -> Dictionary {
    Value::from_reader(std::io::Cursor::new(fixture(name)))
        .unwrap()
        .into_dictionary()
        .unwrap()
}

/// Encoding the typed view gives back exactly the captured dictionary (via XML bytes).
fn assert_round_trip(name: &str, message: &CheckinMessage) {
    let xml = message.to_plist_xml().unwrap();
    let again = CheckinMessage::from_plist(&xml).unwrap();
    assert_eq!(again.to_dictionary(), fixture_dict(name), "{name}");
    assert_eq!(&again, message, "{name}");
}

#[test]
fn authenticate_ipad_capture() {
    let message = CheckinMessage::from_plist(&fixture("Authenticate.1.plist")).unwrap();
    let CheckinMessage::Authenticate(auth) = &message else {
        panic!("expected Authenticate, got {message:?}");
    };
    assert_eq!(auth.topic, TOPIC);
    assert_eq!(
        auth.ids.udid.as_deref(),
        Some("663b07bb783e9ade1dae4fbb92ea12afc0ce5b69")
    );
    assert_eq!(auth.serial_number.as_deref(), Some("F5JM992LF193"));
    assert_eq!(auth.product_name.as_deref(), Some("iPad2,5"));
    assert_eq!(auth.os_version.as_deref(), Some("9.3.5"));
    assert_eq!(auth.build_version.as_deref(), Some("13G36"));
    // macOS-only keys are absent on an iPad.
    assert_eq!(auth.device_name, None);
    assert_eq!(auth.model, None);
    let identity = message.identity().unwrap();
    assert_eq!(identity.kind, EnrollmentType::Device);
    assert_eq!(identity.id, "663b07bb783e9ade1dae4fbb92ea12afc0ce5b69");
    assert_round_trip("Authenticate.1.plist", &message);
}

#[test]
fn authenticate_mac_capture_keeps_keys_outside_the_schema() {
    let message = CheckinMessage::from_plist(&fixture("Authenticate.2.plist")).unwrap();
    let CheckinMessage::Authenticate(auth) = &message else {
        panic!("expected Authenticate, got {message:?}");
    };
    assert_eq!(auth.device_name.as_deref(), Some("Fruit"));
    assert_eq!(auth.model.as_deref(), Some("iMac14,2"));
    assert_eq!(auth.model_name.as_deref(), Some("iMac"));
    assert_eq!(auth.os_version.as_deref(), Some("10.12.6"));
    assert_eq!(auth.serial_number.as_deref(), Some("C02MT66KFLHH"));
    // `Challenge` is not in Apple's schema: only the raw dictionary has it, and it survives.
    assert_eq!(
        auth.raw.get("Challenge"),
        Some(&Value::Data(b"apple".to_vec()))
    );
    assert_eq!(
        message.identity().unwrap().id,
        "66ADE930-5FDF-5EC4-8429-15640684C489"
    );
    assert_round_trip("Authenticate.2.plist", &message);
}

#[test]
fn token_update_captures() {
    let message = CheckinMessage::from_plist(&fixture("TokenUpdate.1.plist")).unwrap();
    let CheckinMessage::TokenUpdate(update) = &message else {
        panic!("expected TokenUpdate, got {message:?}");
    };
    assert_eq!(update.topic, TOPIC);
    assert_eq!(update.push_magic, "CEFDF0BD-E342-4A27-8742-E930EA116B0A");
    assert_eq!(
        update.token_hex(),
        "47e8eec062c2f729ec1703c1b3e18f1971d85f00be76445d34080baa701b5f51"
    );
    assert_eq!(update.awaiting_configuration, Some(false));
    let unlock = update.unlock_token.as_deref().unwrap();
    assert_eq!((unlock.len(), &unlock[..4]), (1288, &b"DATA"[..]));
    assert_round_trip("TokenUpdate.1.plist", &message);

    let message = CheckinMessage::from_plist(&fixture("TokenUpdate.2.plist")).unwrap();
    let CheckinMessage::TokenUpdate(update) = &message else {
        panic!("expected TokenUpdate, got {message:?}");
    };
    assert_eq!(
        update.token_hex(),
        "1ba7c90066c50f77689a24f3a425caf68a300f729e88e460a9416022d5d642cc"
    );
    assert_eq!(update.push_magic, "888CEB39-BFFA-40F6-89FA-B60752EB63C2");
    assert_eq!(update.unlock_token, None);
    assert!(!update.is_awaiting_configuration());
    assert_round_trip("TokenUpdate.2.plist", &message);
}

#[test]
fn typed_fields_are_what_gets_encoded() {
    let message = CheckinMessage::from_plist(&fixture("TokenUpdate.2.plist")).unwrap();
    let CheckinMessage::TokenUpdate(mut update) = message else {
        panic!("expected TokenUpdate");
    };
    update.push_magic = "NEW-MAGIC".to_string();
    update.awaiting_configuration = None;
    let dict = CheckinMessage::TokenUpdate(update).to_dictionary();
    assert_eq!(
        dict.get("PushMagic"),
        Some(&Value::String("NEW-MAGIC".into()))
    );
    assert!(!dict.contains_key("AwaitingConfiguration"));
}

#[test]
fn a_message_built_from_scratch_encodes_only_its_fields() {
    let update = TokenUpdate {
        ids: EnrollmentIds::user_enrollment("ENR-1"),
        topic: TOPIC.to_string(),
        token: vec![1, 2, 3],
        push_magic: "magic".to_string(),
        awaiting_configuration: Some(true),
        ..TokenUpdate::default()
    };
    let xml = CheckinMessage::TokenUpdate(update).to_plist_xml().unwrap();
    let dict = Value::from_reader(std::io::Cursor::new(&xml))
        .unwrap()
        .into_dictionary()
        .unwrap();
    let mut keys: Vec<&str> = dict.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "AwaitingConfiguration",
            "EnrollmentID",
            "MessageType",
            "PushMagic",
            "Token",
            "Topic"
        ]
    );
    let decoded = CheckinMessage::from_plist(&xml).unwrap();
    assert_eq!(
        decoded.identity().unwrap().kind,
        EnrollmentType::UserEnrollmentDevice
    );
}

#[test]
fn command_report_capture_is_not_a_check_in() {
    let err = CheckinMessage::from_plist(&fixture("DeviceInformation.1.plist")).unwrap_err();
    assert!(
        matches!(&err, ProtoError::MissingKey { key, .. } if key == "MessageType"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "check-in: MessageType: required key missing"
    );
}

fn dict(entries: &[(&str, Value)]) -> Dictionary {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

#[test]
fn unknown_message_type_is_kept_whole() {
    let raw = dict(&[
        ("MessageType", s("FutureThing")),
        ("UDID", s("U1")),
        ("Extra", Value::Integer(7.into())),
    ]);
    let message = CheckinMessage::from_dictionary(raw.clone()).unwrap();
    assert_eq!(message.message_type(), "FutureThing");
    assert!(matches!(&message, CheckinMessage::Unknown { raw: r, .. } if *r == raw));
    assert_eq!(message.ids(), None);
    assert_eq!(message.identity().unwrap().id, "U1");
    assert_eq!(message.to_dictionary(), raw);
}

#[test]
fn malformed_bodies_give_clear_errors() {
    let err = CheckinMessage::from_plist(b"<plist><dict><key>MessageType</key>").unwrap_err();
    assert!(matches!(err, ProtoError::Plist { .. }), "{err:?}");
    assert!(err.to_string().starts_with("check-in: not a property list"));

    let array = br#"<?xml version="1.0"?><plist version="1.0"><array/></plist>"#;
    let err = CheckinMessage::from_plist(array).unwrap_err();
    assert_eq!(
        err.to_string(),
        "check-in: (top level): expected a dictionary"
    );

    let wrong = dict(&[
        ("MessageType", s("TokenUpdate")),
        ("UDID", s("U1")),
        ("Topic", s(TOPIC)),
        ("Token", s("not data")),
        ("PushMagic", s("m")),
    ]);
    let err = CheckinMessage::from_dictionary(wrong).unwrap_err();
    assert_eq!(
        err.to_string(),
        "TokenUpdate: Token: expected data, found string"
    );

    let missing = dict(&[("MessageType", s("Authenticate")), ("UDID", s("U1"))]);
    let err = CheckinMessage::from_dictionary(missing).unwrap_err();
    assert_eq!(err.to_string(), "Authenticate: Topic: required key missing");
}

#[test]
fn identity_is_required_and_unambiguous() {
    let none = dict(&[("MessageType", s("CheckOut")), ("Topic", s(TOPIC))]);
    let err = CheckinMessage::from_dictionary(none).unwrap_err();
    assert!(
        matches!(
            &err,
            ProtoError::Identity {
                source: IdentityError::Missing,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err
        .to_string()
        .starts_with("CheckOut: UDID/EnrollmentID: neither present"));

    let both = dict(&[
        ("MessageType", s("CheckOut")),
        ("Topic", s(TOPIC)),
        ("UDID", s("U1")),
        ("EnrollmentID", s("E1")),
    ]);
    let err = CheckinMessage::from_dictionary(both).unwrap_err();
    assert!(matches!(
        err,
        ProtoError::Identity {
            source: IdentityError::Both,
            ..
        }
    ));
}

#[test]
fn every_service_message_decodes() {
    let base = |t: &str| dict(&[("MessageType", s(t)), ("UDID", s("U1"))]);
    let mut ua = base("UserAuthenticate");
    ua.insert("UserID".into(), s("USER-GUID"));
    ua.insert("DigestResponse".into(), s("resp"));
    let mut set = base("SetBootstrapToken");
    set.insert("BootstrapToken".into(), Value::Data(vec![9; 4]));
    let get = base("GetBootstrapToken");
    let mut ddm = base("DeclarativeManagement");
    ddm.insert("Endpoint".into(), s("tokens"));
    let mut token = base("GetToken");
    token.insert("TokenServiceType".into(), s("com.apple.maid"));

    for (raw, want) in [
        (ua, "UserAuthenticate"),
        (set, "SetBootstrapToken"),
        (get, "GetBootstrapToken"),
        (ddm, "DeclarativeManagement"),
        (token, "GetToken"),
    ] {
        let message = CheckinMessage::from_dictionary(raw.clone()).unwrap();
        assert_eq!(message.message_type(), want);
        assert!(!matches!(message, CheckinMessage::Unknown { .. }));
        assert_eq!(message.to_dictionary(), raw, "{want}");
    }

    let err = CheckinMessage::from_dictionary(base("UserAuthenticate")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "UserAuthenticate: UserID: required key missing"
    );
    let err = CheckinMessage::from_dictionary(base("DeclarativeManagement")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "DeclarativeManagement: Endpoint: required key missing"
    );
}

/// The typed message types are exactly the request types of Apple's `mdm/checkin` schemas.
#[test]
fn message_types_match_apples_checkin_schemas() {
    let dir = format!(
        "{}/../../vendor/apple-device-management/mdm/checkin",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut from_yaml: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let docs = yaml_rust2::YamlLoader::load_from_str(&text).unwrap();
            docs[0]["payload"]["requesttype"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    from_yaml.sort();
    let mut ours: Vec<String> = MESSAGE_TYPES.iter().map(|s| s.to_string()).collect();
    ours.sort();
    assert_eq!(ours, from_yaml);
}
