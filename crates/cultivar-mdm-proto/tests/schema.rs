//! Apple's command schema data (generated from the vendored YAML), payload validation, and the
//! platform / enrollment checks. Expectations quote what the vendored YAML says.
#![allow(clippy::unwrap_used)]

use cultivar_mdm_proto::schema::{
    self, Availability, Channel, OsVersion, Presence, Problem, Reason, ValueType,
};
use cultivar_mdm_proto::{
    command_allowed, command_allowed_for, validate_command, Command, DeviceLockOptions,
    EnrollmentKind, EraseDeviceOptions, ObliterationBehavior, Platform, SchemaIssue, Target,
};
use plist::{Dictionary, Value};

fn vendored(sub: &str) -> String {
    format!(
        "{}/../../vendor/apple-device-management/{sub}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Request types read from the YAML files with an independent parser.
fn yaml_request_types() -> Vec<String> {
    let mut types: Vec<String> = std::fs::read_dir(vendored("mdm/commands"))
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
    types.sort();
    types
}

#[test]
fn one_schema_per_command_file() {
    let files = yaml_request_types();
    assert_eq!(files.len(), 66, "the iOS 18.1 release has 66 command files");
    let loaded: Vec<String> = schema::commands()
        .iter()
        .map(|c| c.request_type.to_string())
        .collect();
    assert_eq!(loaded, files);
    let version = std::fs::read_to_string(vendored("VERSION")).unwrap();
    assert_eq!(schema::SCHEMA_VERSION, version.trim());
}

#[test]
fn generated_data_matches_the_yaml() {
    let erase = schema::command("EraseDevice").unwrap();
    assert_eq!(erase.file, "device.erase.yaml");
    let behavior = erase
        .payload_keys
        .iter()
        .find(|k| k.key == "ObliterationBehavior")
        .unwrap();
    assert_eq!(behavior.value_type, ValueType::String);
    assert_eq!(behavior.presence, Presence::Optional);
    assert_eq!(behavior.range_list.len(), 4);
    let rts = erase
        .payload_keys
        .iter()
        .find(|k| k.key == "ReturnToService")
        .unwrap();
    let enabled = rts.subkeys.iter().find(|k| k.key == "Enabled").unwrap();
    assert_eq!(enabled.presence, Presence::Required);
    let ios = erase.os(Platform::IOs).unwrap();
    assert_eq!(
        ios.introduced,
        Some(Availability::Since(OsVersion::new(4, 0, 0)))
    );
    assert_eq!(ios.access_rights, Some("AllowDeviceErase"));

    let info = schema::command("DeviceInformation").unwrap();
    let queries = &info.payload_keys[0];
    assert_eq!(
        (queries.key, queries.presence),
        ("Queries", Presence::Required)
    );
    assert!(queries.subkeys[0]
        .subkeys
        .iter()
        .any(|q| q.key == "OSVersion"));
    assert_eq!(
        schema::command("Settings").unwrap().payload_keys[0]
            .subkeys
            .len(),
        19
    );
    assert!(schema::command("NoSuchCommand").is_none());
}

fn issues(command: &Command) -> Vec<SchemaIssue> {
    validate_command(command).unwrap_err()
}

#[test]
fn the_commands_cultivar_builds_validate() {
    let commands = [
        Command::device_information(&["OSVersion", "SerialNumber", "UDID", "DeviceName"]),
        Command::install_profile(b"<plist/>".to_vec()),
        Command::device_lock(&DeviceLockOptions {
            message: Some("Lost".into()),
            phone_number: Some("+1 555 0100".into()),
            pin: Some("123456".into()),
        }),
        Command::device_lock(&DeviceLockOptions::default()),
        Command::erase_device(&EraseDeviceOptions {
            pin: Some("123456".into()),
            preserve_data_plan: Some(true),
            disallow_proximity_setup: Some(false),
            obliteration_behavior: Some(ObliterationBehavior::ObliterateWithWarning),
        }),
        Command::device_configured(),
    ];
    for command in &commands {
        assert_eq!(
            validate_command(command),
            Ok(()),
            "{}",
            command.request_type
        );
    }
}

#[test]
fn wrong_type_and_missing_required_keys_are_reported_with_paths() {
    let mut payload = Dictionary::new();
    payload.insert("Payload".into(), Value::String("not data".into()));
    let found = issues(&Command::new("InstallProfile", payload));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path, "Command.Payload");
    assert_eq!(
        found[0].to_string(),
        "Command.Payload: wrong type: expected data, found string"
    );

    let found = issues(&Command::new("InstallProfile", Dictionary::new()));
    assert_eq!(found[0].problem, Problem::MissingRequired);
    assert_eq!(
        found[0].to_string(),
        "Command.Payload: required key missing"
    );

    // Nested: ReturnToService.Enabled is required and boolean.
    let mut rts = Dictionary::new();
    rts.insert("WiFiProfileData".into(), Value::Boolean(true));
    let mut payload = Dictionary::new();
    payload.insert("ReturnToService".into(), Value::Dictionary(rts));
    let paths: Vec<String> = issues(&Command::new("EraseDevice", payload))
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        paths,
        [
            "Command.ReturnToService.Enabled: required key missing",
            "Command.ReturnToService.WiFiProfileData: wrong type: expected data, found boolean",
        ]
    );
}

#[test]
fn unknown_keys_values_and_request_types_are_reported() {
    let mut command = Command::device_lock(&DeviceLockOptions::default());
    command
        .payload
        .insert("Colour".into(), Value::String("red".into()));
    assert_eq!(
        issues(&command)[0].to_string(),
        "Command.Colour: unknown key (not in Apple's schema for this command)"
    );

    let mut command = Command::device_configured();
    command
        .payload
        .insert("RequestType".into(), Value::String("X".into()));
    assert_eq!(issues(&command)[0].problem, Problem::UnknownKey);

    let mut payload = Dictionary::new();
    payload.insert(
        "ObliterationBehavior".into(),
        Value::String("Sometimes".into()),
    );
    let found = issues(&Command::new("EraseDevice", payload));
    assert!(found[0].to_string().starts_with(
        "Command.ObliterationBehavior: value \"Sometimes\" not allowed (Apple lists: \"Default\""
    ));

    let found = issues(&Command::device_information(&[
        "OSVersion",
        "FavouriteColour",
    ]));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path, "Command.Queries[1]");

    let found = issues(&Command::new("Frobnicate", Dictionary::new()));
    assert_eq!(found[0].path, "Command.RequestType");
    assert_eq!(
        found[0].problem,
        Problem::UnknownRequestType("Frobnicate".into())
    );
}

fn setting(entries: &[(&str, Value)]) -> Value {
    Value::Dictionary(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

#[test]
fn settings_items_are_checked_against_their_own_kind() {
    let items = vec![
        setting(&[
            ("Item", Value::String("DataRoaming".into())),
            ("Enabled", Value::Boolean(false)),
        ]),
        setting(&[
            ("Item", Value::String("DeviceName".into())),
            ("DeviceName", Value::Integer(3.into())),
        ]),
        setting(&[("Item", Value::String("Teleport".into()))]),
        setting(&[
            ("Item", Value::String("ApplicationConfiguration".into())),
            ("Identifier", Value::String("com.example.app".into())),
            ("Configuration", setting(&[("anything", Value::Real(1.5))])),
        ]),
    ];
    let mut payload = Dictionary::new();
    payload.insert("Settings".into(), Value::Array(items));
    let found = issues(&Command::new("Settings", payload));
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(
        found[0].to_string(),
        "Command.Settings[1].DeviceName: wrong type: expected string, found integer"
    );
    assert_eq!(found[1].path, "Command.Settings[2]");
    assert!(matches!(
        found[1].problem,
        Problem::NoMatchingAlternative { .. }
    ));
}

#[test]
fn erase_device_follows_the_user_enrollment_rule() {
    // device.erase.yaml: iOS and macOS `userenrollment: forbidden`, iOS `supervised: false`.
    let err =
        command_allowed("EraseDevice", Platform::IOs, EnrollmentKind::UserEnrollment).unwrap_err();
    assert_eq!(err.reason, Reason::ForbiddenInUserEnrollment(Platform::IOs));
    assert_eq!(
        err.to_string(),
        "EraseDevice: forbidden in User Enrollment on iOS (userenrollment mode)"
    );
    assert!(command_allowed(
        "EraseDevice",
        Platform::MacOs,
        EnrollmentKind::UserEnrollment
    )
    .is_err());
    assert_eq!(
        command_allowed(
            "EraseDevice",
            Platform::IOs,
            EnrollmentKind::SupervisedDevice
        ),
        Ok(())
    );
    assert_eq!(
        command_allowed("EraseDevice", Platform::IOs, EnrollmentKind::Ade),
        Ok(())
    );
    assert_eq!(
        command_allowed("EraseDevice", Platform::IOs, EnrollmentKind::Device),
        Ok(())
    );
    // DeviceLock: allowed in iOS User Enrollment, forbidden in macOS User Enrollment.
    assert_eq!(
        command_allowed("DeviceLock", Platform::IOs, EnrollmentKind::UserEnrollment),
        Ok(())
    );
    assert!(command_allowed(
        "DeviceLock",
        Platform::MacOs,
        EnrollmentKind::UserEnrollment
    )
    .is_err());
}

#[test]
fn supervision_ade_platform_and_unknown_types() {
    // device.configured.yaml iOS: supervised: true, requiresdep: true.
    let refuse = |rt, p, k| command_allowed(rt, p, k).unwrap_err().reason;
    assert_eq!(
        refuse("DeviceConfigured", Platform::IOs, EnrollmentKind::Device),
        Reason::RequiresSupervision(Platform::IOs)
    );
    assert_eq!(
        refuse(
            "DeviceConfigured",
            Platform::IOs,
            EnrollmentKind::SupervisedDevice
        ),
        Reason::RequiresAde(Platform::IOs)
    );
    assert_eq!(
        command_allowed("DeviceConfigured", Platform::IOs, EnrollmentKind::Ade),
        Ok(())
    );
    assert_eq!(
        refuse("DeviceConfigured", Platform::MacOs, EnrollmentKind::Device),
        Reason::RequiresAde(Platform::MacOs)
    );
    // ClearPasscode: iOS only (macOS introduced n/a).
    assert_eq!(
        refuse("ClearPasscode", Platform::MacOs, EnrollmentKind::Ade),
        Reason::NotOnPlatform(Platform::MacOs)
    );
    assert_eq!(
        refuse("Nope", Platform::IOs, EnrollmentKind::Ade),
        Reason::UnknownRequestType
    );
    // tvOS has no User Enrollment: no mode in the schema means not allowed.
    assert_eq!(
        refuse(
            "DeviceInformation",
            Platform::TvOs,
            EnrollmentKind::UserEnrollment
        ),
        Reason::ForbiddenInUserEnrollment(Platform::TvOs)
    );
}

#[test]
fn versions_channels_and_shared_ipad() {
    // declarativemanagement.yaml: iOS introduced 15.0.
    let mut target = Target::new(Platform::IOs, EnrollmentKind::Device);
    target.os_version = Some("14.8.1".parse().unwrap());
    let err = command_allowed_for("DeclarativeManagement", &target).unwrap_err();
    assert_eq!(
        err.to_string(),
        "DeclarativeManagement: needs iOS 15.0 or later; the device runs 14.8.1"
    );
    target.os_version = Some("15.0".parse().unwrap());
    assert_eq!(
        command_allowed_for("DeclarativeManagement", &target),
        Ok(())
    );

    // EraseDevice on macOS: devicechannel true, userchannel false.
    let mut mac_user = Target::new(Platform::MacOs, EnrollmentKind::Device);
    mac_user.channel = Channel::User;
    assert!(matches!(
        command_allowed_for("EraseDevice", &mac_user)
            .unwrap_err()
            .reason,
        Reason::NotOnChannel {
            channel: Channel::User,
            ..
        }
    ));
    assert_eq!(command_allowed_for("ProfileList", &mac_user), Ok(()));

    // user.list.yaml iOS: sharedipad mode required; passcode.clear.yaml: sharedipad forbidden.
    let phone = Target::new(Platform::IOs, EnrollmentKind::Ade);
    assert_eq!(
        command_allowed_for("UserList", &phone).unwrap_err().reason,
        Reason::RequiresSharedIpad
    );
    let ipad = Target {
        shared_ipad: true,
        ..phone
    };
    assert_eq!(command_allowed_for("UserList", &ipad), Ok(()));
    assert_eq!(
        command_allowed_for("ClearPasscode", &ipad)
            .unwrap_err()
            .reason,
        Reason::ForbiddenOnSharedIpad
    );
}

#[test]
fn os_versions_parse_like_devices_report_them() {
    assert_eq!(
        "9.3.5".parse::<OsVersion>().unwrap(),
        OsVersion::new(9, 3, 5)
    );
    assert_eq!("18".parse::<OsVersion>().unwrap(), OsVersion::new(18, 0, 0));
    assert!("18.x".parse::<OsVersion>().is_err());
    assert!("1.2.3.4".parse::<OsVersion>().is_err());
    assert_eq!("iPadOS".parse::<Platform>().unwrap(), Platform::IOs);
    assert!("Android".parse::<Platform>().is_err());
}
