//! The command envelope: Apple's shape on the wire, decoding, and the constructors.
#![allow(clippy::unwrap_used)]

use cultivar_mdm_proto::{
    Command, DeviceLockOptions, EraseDeviceOptions, ObliterationBehavior, ProtoError,
};
use plist::{Dictionary, Value};

#[test]
fn renders_apples_envelope_exactly() {
    let command = Command::device_information(&["OSVersion", "SerialNumber"])
        .with_uuid("0B7E6F2A-3C1D-4E5F-8A9B-0C1D2E3F4A5B");
    let xml = String::from_utf8(command.to_plist_xml().unwrap()).unwrap();
    let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>CommandUUID</key>
	<string>0B7E6F2A-3C1D-4E5F-8A9B-0C1D2E3F4A5B</string>
	<key>Command</key>
	<dict>
		<key>RequestType</key>
		<string>DeviceInformation</string>
		<key>Queries</key>
		<array>
			<string>OSVersion</string>
			<string>SerialNumber</string>
		</array>
	</dict>
</dict>
</plist>"#;
    assert_eq!(xml.trim_end(), expected);
}

#[test]
fn data_payloads_are_plist_data() {
    let command = Command::install_profile(b"<mobileconfig/>".to_vec());
    let dict = command.to_dictionary();
    let inner = dict.get("Command").unwrap().as_dictionary().unwrap();
    assert_eq!(
        inner.get("Payload"),
        Some(&Value::Data(b"<mobileconfig/>".to_vec()))
    );
    assert_eq!(
        inner.get("RequestType"),
        Some(&Value::String("InstallProfile".into()))
    );
}

#[test]
fn request_type_comes_from_the_field_not_the_payload() {
    let mut payload = Dictionary::new();
    payload.insert("RequestType".into(), Value::String("EraseDevice".into()));
    let command = Command::new("DeviceLock", payload);
    let dict = command.to_dictionary();
    let inner = dict.get("Command").unwrap().as_dictionary().unwrap();
    assert_eq!(
        inner.get("RequestType"),
        Some(&Value::String("DeviceLock".into()))
    );
    assert_eq!(inner.len(), 1);
}

#[test]
fn fresh_commands_get_distinct_uuids() {
    let a = Command::device_configured();
    let b = Command::device_configured();
    assert_ne!(a.command_uuid, b.command_uuid);
    assert!(uuid::Uuid::parse_str(&a.command_uuid).is_ok());
}

#[test]
fn decodes_what_it_renders() {
    let command = Command::erase_device(&EraseDeviceOptions {
        pin: Some("123456".into()),
        obliteration_behavior: Some(ObliterationBehavior::DoNotObliterate),
        ..EraseDeviceOptions::default()
    });
    let again = Command::from_plist(&command.to_plist_xml().unwrap()).unwrap();
    assert_eq!(again, command);
    assert!(!again.payload.contains_key("RequestType"));
}

#[test]
fn decoding_requires_uuid_and_request_type() {
    let body = |inner: &str| {
        format!(r#"<?xml version="1.0"?><plist version="1.0"><dict>{inner}</dict></plist>"#)
    };
    let err = Command::from_plist(body("<key>Command</key><dict/>").as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "command: CommandUUID: required key missing"
    );

    let no_type = body("<key>CommandUUID</key><string>X</string><key>Command</key><dict/>");
    let err = Command::from_plist(no_type.as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "command: Command.RequestType: required key missing"
    );

    let not_dict = body("<key>CommandUUID</key><string>X</string><key>Command</key><string/>");
    let err = Command::from_plist(not_dict.as_bytes()).unwrap_err();
    assert!(matches!(
        err,
        ProtoError::WrongType {
            expected: "dictionary",
            ..
        }
    ));
}

#[test]
fn device_lock_sets_only_given_options() {
    let command = Command::device_lock(&DeviceLockOptions {
        message: Some("Return to IT".into()),
        pin: Some("654321".into()),
        ..DeviceLockOptions::default()
    });
    assert_eq!(command.request_type, "DeviceLock");
    let mut keys: Vec<&str> = command.payload.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["Message", "PIN"]);
}
