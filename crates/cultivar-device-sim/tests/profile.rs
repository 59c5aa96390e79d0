//! Enrollment-profile reading: plain and CMS-signed, the MDM and SCEP payloads, and clear
//! errors naming the key for broken profiles.
#![allow(clippy::unwrap_used)]

mod common;

use common::ENROLL;
use cultivar_device_sim::{EnrollmentProfile, Profile};

fn check(profile: &EnrollmentProfile) {
    assert_eq!(profile.profile.identifier, "com.example.enroll");
    assert_eq!(profile.profile.payloads.len(), 2);
    let mdm = &profile.mdm;
    assert_eq!(mdm.server_url, "https://mdm.example.com/mdm");
    assert_eq!(mdm.check_in_url(), "https://mdm.example.com/checkin");
    assert_eq!(mdm.topic, "com.apple.mgmt.External.1234");
    assert!(mdm.sign_message && mdm.check_out_when_removed);
    assert_eq!(mdm.identity_certificate_uuid, "SCEP-UUID-1");
    assert_eq!(mdm.access_rights, Some(8191));
    assert_eq!(
        mdm.server_capabilities,
        ["com.apple.mdm.per-user-connections"]
    );
    let scep = profile.scep.as_ref().unwrap();
    assert_eq!(scep.url, "https://mdm.example.com/scep");
    assert_eq!(scep.name.as_deref(), Some("cultivar"));
    assert_eq!(scep.challenge.as_deref(), Some("one-time-secret"));
    assert_eq!(scep.keysize, 2048);
    let subject: Vec<(&str, &str)> = scep
        .subject
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(subject, [("O", "Cultivar"), ("CN", "Device Identity")]);
}

#[test]
fn plain_enrollment_profile() {
    let profile = EnrollmentProfile::parse(ENROLL.as_bytes()).unwrap();
    check(&profile);
    assert!(profile.profile.signer_certificate_der.is_none());
    assert!(profile.profile.is_mdm_profile());
}

#[test]
fn signed_enrollment_profile() {
    let ca = common::ca();
    let signer = common::identity(&ca, "Cultivar Profile Signing");
    let signed =
        cultivar_crypto::sign_profile(ENROLL.as_bytes(), &signer.key_pem, &signer.cert_pem, &[])
            .unwrap();
    let profile = EnrollmentProfile::parse(&signed).unwrap();
    check(&profile);
    assert!(profile.profile.signer_certificate_der.is_some());

    // A changed byte breaks the signature: the device refuses the profile.
    let mut tampered = signed.clone();
    let at = tampered.windows(8).position(|w| w == b"cultivar").unwrap();
    tampered[at] = b'C';
    let err = EnrollmentProfile::parse(&tampered).unwrap_err().to_string();
    assert!(err.contains("signature does not verify"), "{err}");
}

#[test]
fn defaults_and_a_profile_without_scep() {
    let no_keysize = ENROLL
        .replace("<key>Keysize</key><integer>2048</integer>", "")
        .replace(
            "<key>CheckInURL</key><string>https://mdm.example.com/checkin</string>",
            "",
        );
    let profile = EnrollmentProfile::parse(no_keysize.as_bytes()).unwrap();
    assert_eq!(profile.scep.unwrap().keysize, 1024, "Apple's default");
    assert_eq!(profile.mdm.check_in_url(), "https://mdm.example.com/mdm");

    let other_identity = ENROLL.replace(
        "<key>IdentityCertificateUUID</key><string>SCEP-UUID-1</string>",
        "<key>IdentityCertificateUUID</key><string>P12-UUID</string>",
    );
    let profile = EnrollmentProfile::parse(other_identity.as_bytes()).unwrap();
    assert!(profile.scep.is_none());
}

#[test]
fn broken_profiles_name_the_key() {
    let cases = [
        (
            ENROLL.replace("<key>Topic</key>", "<key>NoTopic</key>"),
            "com.apple.mdm.Topic: required",
        ),
        (
            ENROLL.replace("<string>Configuration</string>", "<string>Other</string>"),
            "PayloadType: \"Other\" is not \"Configuration\"",
        ),
        (
            ENROLL.replace(
                "<string>com.apple.mdm</string>",
                "<string>com.apple.dock</string>",
            ),
            "no com.apple.mdm payload",
        ),
        (
            ENROLL.replace("<integer>2048</integer>", "<string>2048</string>"),
            "Keysize: must be an integer",
        ),
        (
            ENROLL.replace(
                "<array><array><string>O</string><string>Cultivar</string></array></array>",
                "<string>O=Cultivar</string>",
            ),
            "Subject: must be an array",
        ),
        (
            "<plist><array/></plist>".to_string(),
            "not a plist dictionary",
        ),
    ];
    for (text, expected) in cases {
        let err = EnrollmentProfile::parse(text.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{err} should contain {expected}");
    }
    assert!(Profile::parse(b"").is_err());
    assert!(
        Profile::parse(b"\x30\x03\x02\x01\x01").is_err(),
        "DER that is no CMS"
    );
}
