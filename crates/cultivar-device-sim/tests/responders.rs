//! Every responder: its status, its response keys, and that the report validates against the
//! `responsekeys` of Apple's schema for the request type.
#![allow(clippy::unwrap_used)]

mod common;

use cultivar_device_sim::{validate_response, Family, SimDevice};
use cultivar_mdm_proto::{Command, CommandResult, EnrollmentKind, Status};
use plist::{Dictionary, Value};

fn run(device: &mut SimDevice, command: Command) -> CommandResult {
    let report = device.respond(&command);
    validate_response(&command.request_type, &report)
        .unwrap_or_else(|p| panic!("{}: {p:?}", command.request_type));
    // What goes on the wire decodes with the server's parser.
    let parsed = CommandResult::from_plist(&report.to_plist_xml().unwrap()).unwrap();
    assert_eq!(
        parsed.command_uuid.as_deref(),
        Some(command.command_uuid.as_str())
    );
    report
}

fn payload(pairs: &[(&str, Value)]) -> Dictionary {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn strings(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|s| Value::String(s.to_string())).collect())
}

fn error_code(report: &CommandResult) -> (String, i64) {
    let item = report.error_chain.first().expect("an ErrorChain entry");
    (item.error_domain.clone().unwrap(), item.error_code.unwrap())
}

#[test]
fn device_information_answers_known_queries_and_omits_the_rest() {
    let mut phone = SimDevice::new(Family::IPhone, "seed", 0, EnrollmentKind::Ade);
    phone.awaiting_configuration = true;
    let queries = [
        "UDID",
        "SerialNumber",
        "OSVersion",
        "BuildVersion",
        "ProductName",
        "ModelName",
        "DeviceCapacity",
        "IsSupervised",
        "AwaitingConfiguration",
        "IsAppleSilicon",
        "NoSuchKey",
        "BatteryLevel",
    ];
    let report = run(&mut phone, Command::device_information(&queries));
    assert_eq!(report.status, Status::Acknowledged);
    let answers = report.raw["QueryResponses"].as_dictionary().unwrap();
    assert_eq!(answers["UDID"].as_string(), Some(phone.udid.as_str()));
    assert_eq!(
        answers["SerialNumber"].as_string(),
        Some(phone.serial_number.as_str())
    );
    assert_eq!(
        answers["OSVersion"].as_string(),
        Some(phone.model.os_version)
    );
    assert_eq!(answers["IsSupervised"].as_boolean(), Some(true));
    assert_eq!(answers["AwaitingConfiguration"].as_boolean(), Some(true));
    assert!(answers.contains_key("BatteryLevel"));
    assert!(!answers.contains_key("NoSuchKey"));
    assert!(!answers.contains_key("IsAppleSilicon"), "macOS-only key");

    let mut mac = SimDevice::new(Family::Mac, "seed", 0, EnrollmentKind::Device);
    let report = run(
        &mut mac,
        Command::device_information(&["IsAppleSilicon", "BatteryLevel"]),
    );
    let answers = report.raw["QueryResponses"].as_dictionary().unwrap();
    assert_eq!(answers["IsAppleSilicon"].as_boolean(), Some(true));
    assert!(!answers.contains_key("BatteryLevel"), "iOS-only key");

    let mut byod = SimDevice::new(Family::IPhone, "seed", 0, EnrollmentKind::UserEnrollment);
    let report = run(
        &mut byod,
        Command::device_information(&["UDID", "SerialNumber", "OSVersion"]),
    );
    let answers = report.raw["QueryResponses"].as_dictionary().unwrap();
    assert_eq!(answers.keys().collect::<Vec<_>>(), ["OSVersion"]);
}

#[test]
fn profiles_install_list_and_remove() {
    let mut ipad = SimDevice::new(Family::IPad, "seed", 1, EnrollmentKind::Device);
    let plain = common::mobileconfig("com.example.wifi", "com.apple.wifi.managed");
    let report = run(&mut ipad, Command::install_profile(plain));
    assert_eq!(report.status, Status::Acknowledged);

    // A signed profile installs too, and ProfileList shows its signer.
    let ca = common::ca();
    let signer = common::identity(&ca, "Profile Signer");
    let xml = common::mobileconfig("com.example.restrictions", "com.apple.applicationaccess");
    let signed = cultivar_crypto::sign_profile(&xml, &signer.key_pem, &signer.cert_pem, &[]);
    let report = run(&mut ipad, Command::install_profile(signed.unwrap()));
    assert_eq!(report.status, Status::Acknowledged);

    let report = run(&mut ipad, Command::new("ProfileList", Dictionary::new()));
    let list = report.raw["ProfileList"].as_array().unwrap();
    let ids: Vec<&str> = list
        .iter()
        .map(|p| {
            p.as_dictionary().unwrap()["PayloadIdentifier"]
                .as_string()
                .unwrap()
        })
        .collect();
    assert_eq!(ids, ["com.example.restrictions", "com.example.wifi"]);
    let signed_item = list[0].as_dictionary().unwrap();
    assert_eq!(
        signed_item["SignerCertificates"].as_array().unwrap().len(),
        1
    );
    let content = signed_item["PayloadContent"].as_array().unwrap();
    let first = content[0].as_dictionary().unwrap();
    assert_eq!(
        first["PayloadType"].as_string(),
        Some("com.apple.applicationaccess")
    );

    let remove = |id: &str| {
        Command::new(
            "RemoveProfile",
            payload(&[("Identifier", Value::String(id.into()))]),
        )
    };
    let report = run(&mut ipad, remove("com.example.wifi"));
    assert_eq!(report.status, Status::Acknowledged);
    assert!(!ipad.profiles.contains_key("com.example.wifi"));
    let report = run(&mut ipad, remove("com.example.wifi"));
    assert_eq!(report.status, Status::Error);
    assert_eq!(error_code(&report), ("MCMDMErrorDomain".into(), 12075));

    let report = run(
        &mut ipad,
        Command::install_profile(b"not a profile".to_vec()),
    );
    assert_eq!(report.status, Status::Error);
    assert_eq!(error_code(&report), ("MCProfileErrorDomain".into(), 1000));
}

#[test]
fn removing_the_mdm_profile_unenrolls() {
    let mut phone = SimDevice::new(Family::IPhone, "seed", 2, EnrollmentKind::Device);
    run(
        &mut phone,
        Command::install_profile(common::mobileconfig("com.example.mdm", "com.apple.mdm")),
    );
    let remove = payload(&[("Identifier", Value::String("com.example.mdm".into()))]);
    let report = run(&mut phone, Command::new("RemoveProfile", remove));
    assert_eq!(report.status, Status::Acknowledged);
    assert!(!phone.enrolled);
}

#[test]
fn applications_install_list_and_remove() {
    let mut phone = SimDevice::new(Family::IPhone, "seed", 3, EnrollmentKind::Ade);
    let install = Command::new(
        "InstallApplication",
        payload(&[("iTunesStoreID", Value::Integer(361309726.into()))]),
    );
    let report = run(&mut phone, install.clone());
    assert_eq!(report.status, Status::Acknowledged);
    assert_eq!(
        report.raw["Identifier"].as_string(),
        Some("app.store.361309726")
    );
    assert_eq!(report.raw["State"].as_string(), Some("Queued"));

    let again = run(&mut phone, install.with_uuid("second"));
    assert_eq!(again.status, Status::Error);
    assert_eq!(
        again.rejection_reason.as_deref(),
        Some("AppAlreadyInstalled")
    );
    assert_eq!(error_code(&again), ("MCMDMErrorDomain".into(), 12025));

    let report = run(
        &mut phone,
        Command::new("InstalledApplicationList", Dictionary::new()),
    );
    let apps = report.raw["InstalledApplicationList"].as_array().unwrap();
    assert_eq!(apps.len(), 1);
    let app = apps[0].as_dictionary().unwrap();
    assert_eq!(app["Identifier"].as_string(), Some("app.store.361309726"));
    let filtered = payload(&[("Identifiers", strings(&["com.other"]))]);
    let report = run(
        &mut phone,
        Command::new("InstalledApplicationList", filtered),
    );
    assert!(report.raw["InstalledApplicationList"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn managed_applications_list_and_remove() {
    let mut phone = SimDevice::new(Family::IPhone, "seed", 3, EnrollmentKind::Ade);
    let id = Value::String("com.example.notes".into());
    let install = Command::new("InstallApplication", payload(&[("Identifier", id)]));
    assert_eq!(run(&mut phone, install).status, Status::Acknowledged);
    let report = run(
        &mut phone,
        Command::new("ManagedApplicationList", Dictionary::new()),
    );
    let managed = report.raw["ManagedApplicationList"]
        .as_dictionary()
        .unwrap();
    let entry = managed["com.example.notes"].as_dictionary().unwrap();
    assert_eq!(entry["Status"].as_string(), Some("Managed"));

    let remove = |id: &str| {
        Command::new(
            "RemoveApplication",
            payload(&[("Identifier", Value::String(id.into()))]),
        )
    };
    assert_eq!(
        run(&mut phone, remove("com.example.notes")).status,
        Status::Acknowledged
    );
    let gone = run(&mut phone, remove("com.example.notes"));
    assert_eq!(gone.status, Status::Error);
    assert_eq!(error_code(&gone), ("MCMDMErrorDomain".into(), 12029));
}

#[test]
fn lock_erase_and_device_configured() {
    let mut mac = SimDevice::new(Family::Mac, "seed", 4, EnrollmentKind::Ade);
    mac.awaiting_configuration = true;
    let report = run(&mut mac, Command::device_configured());
    assert_eq!(report.status, Status::Acknowledged);
    assert!(!mac.awaiting_configuration);

    let options = cultivar_mdm_proto::DeviceLockOptions {
        message: Some("Return to IT".into()),
        pin: Some("123456".into()),
        ..Default::default()
    };
    let report = run(&mut mac, Command::device_lock(&options));
    assert_eq!(report.status, Status::Acknowledged);
    assert_eq!(mac.lock_message.as_deref(), Some("Return to IT"));

    run(
        &mut mac,
        Command::install_profile(common::mobileconfig("com.example.a", "com.apple.dock")),
    );
    let erase = cultivar_mdm_proto::EraseDeviceOptions {
        pin: Some("123456".into()),
        ..Default::default()
    };
    let report = run(&mut mac, Command::erase_device(&erase));
    assert_eq!(report.status, Status::Acknowledged);
    assert!(mac.erased && !mac.enrolled && mac.profiles.is_empty());
}

#[test]
fn settings_answers_per_item() {
    let mut ipad = SimDevice::new(Family::IPad, "seed", 5, EnrollmentKind::Ade);
    let item = |pairs: &[(&str, Value)]| Value::Dictionary(payload(pairs));
    let settings = Value::Array(vec![
        item(&[
            ("Item", "DeviceName".into()),
            ("DeviceName", "Cart 12".into()),
        ]),
        item(&[
            ("Item", "Bluetooth".into()),
            ("Enabled", Value::Boolean(false)),
        ]),
        item(&[
            ("Item", "Wallpaper".into()),
            ("Where", Value::Integer(1.into())),
        ]),
    ]);
    let report = run(
        &mut ipad,
        Command::new("Settings", payload(&[("Settings", settings)])),
    );
    assert_eq!(report.status, Status::Acknowledged);
    let results = report.raw["Settings"].as_array().unwrap();
    let status = |i: usize| {
        results[i].as_dictionary().unwrap()["Status"]
            .as_string()
            .unwrap()
    };
    assert_eq!(
        (status(0), status(1), status(2)),
        ("Acknowledged", "Acknowledged", "Error")
    );
    let chain = results[2].as_dictionary().unwrap()["ErrorChain"]
        .as_array()
        .unwrap();
    let code = chain[0].as_dictionary().unwrap()["ErrorCode"].as_signed_integer();
    assert_eq!(code, Some(28000));
    assert_eq!(ipad.device_name, "Cart 12");
    assert!(!ipad.bluetooth_enabled);
}

#[test]
fn unknown_and_unsupported_commands_get_the_device_error() {
    let mut phone = SimDevice::new(Family::IPhone, "seed", 6, EnrollmentKind::Device);
    let report = phone.respond(&Command::new("MakeCoffee", Dictionary::new()));
    assert_eq!(report.status, Status::Error);
    assert_eq!(error_code(&report), ("MCMDMErrorDomain".into(), 12021));
    let text = report.error_chain[0]
        .us_english_description
        .clone()
        .unwrap();
    assert!(text.contains("MakeCoffee"), "{text}");

    // DeviceConfigured needs ADE; a profile-enrolled phone refuses it like a device does.
    let report = run(&mut phone, Command::device_configured());
    assert_eq!(report.status, Status::Error);
    assert_eq!(error_code(&report), ("MCMDMErrorDomain".into(), 12021));

    // EraseDevice is forbidden in User Enrollment.
    let mut byod = SimDevice::new(Family::IPhone, "seed", 6, EnrollmentKind::UserEnrollment);
    let report = run(&mut byod, Command::erase_device(&Default::default()));
    assert_eq!(report.status, Status::Error);
    assert!(byod.enrolled);

    // ClearPasscode is not a tvOS command, though the Apple TV answers others.
    let mut tv = SimDevice::new(Family::AppleTv, "seed", 6, EnrollmentKind::Ade);
    let clear = payload(&[("UnlockToken", Value::Data(vec![1, 2, 3]))]);
    let report = run(&mut tv, Command::new("ClearPasscode", clear));
    assert_eq!(error_code(&report), ("MCMDMErrorDomain".into(), 12021));
    let report = run(&mut tv, Command::device_information(&["ProductName"]));
    assert_eq!(report.status, Status::Acknowledged);
}

#[test]
fn injected_not_now_then_error() {
    let mut phone = SimDevice::new(Family::IPhone, "seed", 7, EnrollmentKind::Ade);
    phone.inject_not_now("ProfileList", 2);
    let list = || Command::new("ProfileList", Dictionary::new());
    assert_eq!(run(&mut phone, list()).status, Status::NotNow);
    assert_eq!(run(&mut phone, list()).status, Status::NotNow);
    assert_eq!(run(&mut phone, list()).status, Status::Acknowledged);
    phone.inject_error("DeviceLock");
    let report = run(&mut phone, Command::device_lock(&Default::default()));
    assert_eq!(report.status, Status::Error);
    assert_eq!(report.error_chain.len(), 1);
    assert!(
        phone.lock_message.is_none(),
        "an injected error changes nothing"
    );
}

#[test]
fn validation_refuses_keys_apple_does_not_list() {
    let phone = SimDevice::new(Family::IPhone, "seed", 8, EnrollmentKind::Device);
    let mut report = CommandResult::new(phone.ids(), Status::Acknowledged, Some("u".into()));
    report.raw.insert("Invented".into(), Value::Boolean(true));
    let problems = validate_response("ProfileList", &report).unwrap_err();
    assert_eq!(problems, ["Invented: not a response key in Apple's schema"]);
    let mut report = CommandResult::new(phone.ids(), Status::Acknowledged, Some("u".into()));
    report
        .raw
        .insert("ProfileList".into(), Value::String("x".into()));
    let problems = validate_response("ProfileList", &report).unwrap_err();
    assert_eq!(problems, ["ProfileList: expected array, found string"]);
    assert!(validate_response("MakeCoffee", &report).is_err());
}
