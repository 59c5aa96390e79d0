//! Validation: each Apple code, cultivar's own rules, and skip-key warnings per OS.

use serde_json::{json, Value};

use super::*;

fn input(os: &str, extra: Value) -> AdeProfileInput {
    let mut doc = json!({
        "os": os,
        "profile_name": "Lab",
        "org_magic": "1",
        "is_mdm_removable": true,
    });
    if let (Some(map), Value::Object(more)) = (doc.as_object_mut(), extra) {
        map.extend(more);
    }
    match AdeProfileInput::from_json(&doc.to_string()) {
        Ok(i) => i,
        Err(e) => panic!("test input must parse: {e}"),
    }
}

fn codes(os: &str, extra: Value) -> Vec<(String, ProfileCode)> {
    match validate_profile(input(os, extra)) {
        Ok(v) => panic!("expected errors, got {v:?}"),
        Err(e) => e.errors.into_iter().map(|e| (e.field, e.code)).collect(),
    }
}

fn valid(os: &str, extra: Value) -> ValidatedProfile {
    match validate_profile(input(os, extra)) {
        Ok(v) => v,
        Err(e) => panic!("expected a valid profile: {e}"),
    }
}

fn one(field: &str, code: ProfileCode) -> Vec<(String, ProfileCode)> {
    vec![(field.to_owned(), code)]
}

/// The test certificate of the ABM token fixture, as base64 DER (the PEM body).
fn cert_base64() -> String {
    let pem = include_str!("../../../../fixtures/abm-token/apple-mdm-client-tests-1.crt");
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

#[test]
fn a_full_profile_is_valid_and_keeps_unknown_keys_in_its_body() {
    let v = valid(
        "macOS",
        json!({
            "department": "IT", "support_phone_number": "+1 877 527 7454",
            "support_email_address": "help@example.com", "language": "en", "region": "US",
            "is_supervised": true, "auto_advance_setup": true, "await_device_configured": true,
            "anchor_certs": [cert_base64()], "skip_setup_items": ["FileVault", "AppleID"],
            "is_return_to_service": true, "future_key": {"a": 1}
        }),
    );
    assert_eq!(v.os, AdeOs::MacOs);
    assert!(v.warnings.is_empty(), "{:?}", v.warnings);
    let body: Value = serde_json::from_str(&v.body().expect("body")).expect("json");
    assert_eq!(body["future_key"], json!({"a": 1}), "unknown keys are kept");
    assert_eq!(body["is_return_to_service"], json!(true));
    assert_eq!(body.get("os"), None, "os has its own column");
    assert_eq!(body["skip_setup_items"], json!(["FileVault", "AppleID"]));
}

#[test]
fn profile_name_is_required_and_limited_to_125_characters() {
    let none = codes("iOS", json!({"profile_name": "  "}));
    assert_eq!(none, one("profile_name", ProfileCode::ConfigNameRequired));
    let long = codes("iOS", json!({"profile_name": "é".repeat(126)}));
    assert_eq!(long, one("profile_name", ProfileCode::ConfigNameInvalid));
    // 125 multi-byte characters are fine: the limit counts characters, not bytes.
    valid("iOS", json!({"profile_name": "é".repeat(125)}));
}

#[test]
fn text_limits_follow_apples_codes() {
    let cases = [
        ("department", 125, ProfileCode::DepartmentInvalid),
        ("org_magic", 256, ProfileCode::MagicInvalid),
        ("support_phone_number", 50, ProfileCode::SupportPhoneInvalid),
    ];
    for (field, max, code) in cases {
        valid("iOS", json!({ field: "x".repeat(max) }));
        assert_eq!(
            codes("iOS", json!({ field: "x".repeat(max + 1) })),
            one(field, code)
        );
    }
    let long_email = format!("{}@example.com", "a".repeat(240));
    let got = codes("iOS", json!({"support_email_address": long_email}));
    assert_eq!(
        got,
        one("support_email_address", ProfileCode::SupportEmailInvalid)
    );
}

#[test]
fn support_email_must_look_like_an_address() {
    for bad in [
        "help",
        "help@",
        "@example.com",
        "help@example",
        "he lp@example.com",
        "a@b@c.d",
    ] {
        let got = codes("iOS", json!({"support_email_address": bad}));
        assert_eq!(
            got,
            one("support_email_address", ProfileCode::SupportEmailInvalid),
            "{bad}"
        );
    }
    valid(
        "iOS",
        json!({"support_email_address": "it.help+ade@corp.example.com"}),
    );
}

#[test]
fn not_removable_requires_supervision() {
    let got = codes("iOS", json!({"is_mdm_removable": false}));
    assert_eq!(got, one("is_mdm_removable", ProfileCode::FlagsInvalid));
    let got = codes(
        "iOS",
        json!({"is_mdm_removable": false, "is_supervised": false}),
    );
    assert_eq!(got, one("is_mdm_removable", ProfileCode::FlagsInvalid));
    valid(
        "iOS",
        json!({"is_mdm_removable": false, "is_supervised": true}),
    );
    let Err(e) = validate_profile(input("iOS", json!({"is_mdm_removable": false}))) else {
        panic!("must fail");
    };
    assert_eq!(
        e.to_string(),
        "invalid ADE profile: is_mdm_removable: false requires is_supervised = true (FLAGS_INVALID)"
    );
}

#[test]
fn language_and_region_must_be_iso_codes() {
    valid("tvOS", json!({"language": "en", "region": "US"}));
    valid("tvOS", json!({"language": "haw"}));
    for (field, bad) in [
        ("language", "EN"),
        ("language", "english"),
        ("region", "us"),
        ("region", "ZZ"),
        ("language", "xx"),
        ("region", "USA"),
    ] {
        assert_eq!(
            codes("tvOS", json!({ field: bad })),
            one(field, ProfileCode::LocaleInvalid)
        );
    }
}

#[test]
fn multi_user_is_ipados_only_and_auto_advance_tvos_and_macos_only() {
    valid("iPadOS", json!({"is_multi_user": true}));
    let got = codes("iOS", json!({"is_multi_user": true}));
    assert_eq!(got, one("is_multi_user", ProfileCode::NotForOs));
    valid("iOS", json!({"is_multi_user": false}));
    valid("tvOS", json!({"auto_advance_setup": true}));
    valid("macOS", json!({"auto_advance_setup": true}));
    let got = codes("iPadOS", json!({"auto_advance_setup": true}));
    assert_eq!(got, one("auto_advance_setup", ProfileCode::NotForOs));
}

#[test]
fn certificates_must_be_base64_der() {
    valid("iOS", json!({"supervising_host_certs": [cert_base64()]}));
    let got = codes(
        "iOS",
        json!({"anchor_certs": [cert_base64(), "not base64!"]}),
    );
    assert_eq!(got, one("anchor_certs[1]", ProfileCode::CertificateInvalid));
    let got = codes("iOS", json!({"supervising_host_certs": ["aGVsbG8="]}));
    assert_eq!(
        got,
        one("supervising_host_certs[0]", ProfileCode::CertificateInvalid)
    );
}

#[test]
fn urls_and_devices_are_rejected_because_cultivar_sets_them() {
    let got = codes(
        "iOS",
        json!({"url": "https://x/enroll", "configuration_web_url": "https://x/web", "devices": ["C02X"]}),
    );
    assert_eq!(
        got,
        vec![
            ("url".to_owned(), ProfileCode::UrlManagedByCultivar),
            (
                "configuration_web_url".to_owned(),
                ProfileCode::UrlManagedByCultivar
            ),
            ("devices".to_owned(), ProfileCode::DevicesManagedByCultivar),
        ]
    );
}

#[test]
fn every_error_is_reported_at_once() {
    let got = codes(
        "iOS",
        json!({"profile_name": "", "region": "us", "is_mdm_removable": false}),
    );
    let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(fields, ["profile_name", "is_mdm_removable", "region"]);
}

#[test]
fn malformed_json_and_a_missing_or_unknown_os_are_refused() {
    for text in [
        "{",
        r#"{"profile_name":"x"}"#,
        r#"{"os":"watchOS","profile_name":"x"}"#,
    ] {
        let Err(e) = AdeProfileInput::from_json(text) else {
            panic!("{text} must be refused");
        };
        assert_eq!(e.codes(), vec![ProfileCode::MalformedRequestBody], "{text}");
    }
}

#[test]
fn skip_items_warn_for_unknown_keys_and_keys_of_other_oses() {
    let v = valid(
        "iOS",
        json!({"skip_setup_items": ["Android", "FileVault", "BrandNewPane"]}),
    );
    let w: Vec<String> = v.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w[0].starts_with("skip_setup_items[1]: \"FileVault\" applies to macOS, not iOS"),
        "{w:?}"
    );
    assert!(
        w[1].starts_with("skip_setup_items[2]: \"BrandNewPane\" is not in Apple's"),
        "{w:?}"
    );
    assert_eq!(v.profile.skip_setup_items.len(), 3, "every key is kept");

    let ipad = valid(
        "iPadOS",
        json!({"skip_setup_items": ["ActionButton", "TVRoom"]}),
    );
    let w: Vec<String> = ipad.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(w.len(), 1, "iOS keys apply to iPadOS: {w:?}");
    assert!(
        w[0].contains("\"TVRoom\" applies to tvOS, not iPadOS"),
        "{w:?}"
    );

    let tv = valid(
        "tvOS",
        json!({"skip_setup_items": ["TVRoom", "ScreenSaver", "Android"]}),
    );
    let w: Vec<String> = tv.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("\"Android\" applies to iOS, iPadOS, not tvOS"),
        "{w:?}"
    );
}
