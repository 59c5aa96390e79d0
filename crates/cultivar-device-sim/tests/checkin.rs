//! Device models, deterministic identifiers, and check-in messages: built with the simulator,
//! parsed back with cultivar-mdm-proto, signatures verified with cultivar-crypto.
#![allow(clippy::unwrap_used)]

mod common;

use cultivar_device_sim::model::{serial_number, CATALOG};
use cultivar_device_sim::{Family, SimDevice};
use cultivar_mdm_proto::{CheckinMessage, EnrollmentKind, Platform};

const TOPIC: &str = "com.apple.mgmt.External.e0bd1eac-1f17-4c8e-8a63-dd17d3dd35d9";

#[test]
fn every_family_has_models_and_identifiers_are_deterministic() {
    for family in Family::ALL {
        assert!(CATALOG.iter().any(|m| m.family == family), "{family}");
        let a = SimDevice::new(family, "seed-1", 3, EnrollmentKind::Device);
        let b = SimDevice::new(family, "seed-1", 3, EnrollmentKind::Device);
        let c = SimDevice::new(family, "seed-1", 4, EnrollmentKind::Device);
        let d = SimDevice::new(family, "seed-2", 3, EnrollmentKind::Device);
        assert_eq!((&a.serial_number, &a.udid), (&b.serial_number, &b.udid));
        assert_ne!(a.serial_number, c.serial_number);
        assert_ne!(a.udid, d.udid);
        assert_eq!(a.push_magic, b.push_magic);
        assert_eq!(a.serial_number.len(), 12);
        assert!(a
            .serial_number
            .chars()
            .all(|ch| ch.is_ascii_digit() || ch.is_ascii_uppercase()));
        assert_eq!(a.model.family, family);
        assert_eq!(family.to_string().parse::<Family>().unwrap(), family);
    }
    assert!("toaster".parse::<Family>().is_err());
    let mac = SimDevice::new(Family::Mac, "s", 0, EnrollmentKind::Device);
    assert_eq!(mac.udid.len(), 36, "Macs use a UUID: {}", mac.udid);
    let phone = SimDevice::new(Family::IPhone, "s", 0, EnrollmentKind::Device);
    assert!(
        phone.udid.starts_with("0000") && phone.udid.len() == 25,
        "{}",
        phone.udid
    );
    assert_eq!(serial_number("s", 0), phone.serial_number);
    let fleet = SimDevice::fleet("s", 8, EnrollmentKind::Ade);
    let families: Vec<Family> = fleet.iter().map(SimDevice::family).collect();
    assert_eq!(families[..4], Family::ALL);
    assert_eq!(families[4..], Family::ALL);
    let serials: std::collections::HashSet<&str> =
        fleet.iter().map(|d| d.serial_number.as_str()).collect();
    assert_eq!(serials.len(), 8);
    assert_eq!(fleet[0].udid, phone.udid);
}

#[test]
fn authenticate_parses_back_with_platform_specific_keys() {
    let mac = SimDevice::new(Family::Mac, "seed", 1, EnrollmentKind::Device);
    let body = mac.authenticate(TOPIC).to_plist_xml().unwrap();
    let CheckinMessage::Authenticate(auth) = CheckinMessage::from_plist(&body).unwrap() else {
        panic!("not Authenticate");
    };
    assert_eq!(auth.topic, TOPIC);
    assert_eq!(auth.ids.udid.as_deref(), Some(mac.udid.as_str()));
    assert_eq!(
        auth.serial_number.as_deref(),
        Some(mac.serial_number.as_str())
    );
    assert_eq!(auth.product_name.as_deref(), Some(mac.model.product_name));
    assert_eq!(auth.os_version.as_deref(), Some(mac.model.os_version));
    assert_eq!(auth.build_version.as_deref(), Some(mac.model.build_version));
    assert_eq!(auth.model_name.as_deref(), Some(mac.model.model_name));
    assert!(auth.device_name.is_some());

    let phone = SimDevice::new(Family::IPhone, "seed", 1, EnrollmentKind::Device);
    let msg = CheckinMessage::from_plist(&phone.authenticate(TOPIC).to_plist_xml().unwrap());
    let CheckinMessage::Authenticate(auth) = msg.unwrap() else {
        panic!("not Authenticate");
    };
    assert_eq!(auth.model, None, "Model is a macOS-only Authenticate key");
    assert_eq!(auth.device_name, None);

    let byod = SimDevice::new(Family::IPhone, "seed", 1, EnrollmentKind::UserEnrollment);
    let msg = CheckinMessage::from_plist(&byod.authenticate(TOPIC).to_plist_xml().unwrap());
    let CheckinMessage::Authenticate(auth) = msg.unwrap() else {
        panic!("not Authenticate");
    };
    assert_eq!(auth.ids.udid, None);
    assert!(auth.ids.enrollment_id.is_some());
    assert_eq!(auth.serial_number, None);
}

#[test]
fn token_update_carries_unlock_token_on_ios_and_awaiting_configuration_for_ade() {
    let mut ade = SimDevice::new(Family::IPad, "seed", 2, EnrollmentKind::Ade);
    ade.awaiting_configuration = true;
    let body = ade.token_update(TOPIC).to_plist_xml().unwrap();
    let CheckinMessage::TokenUpdate(tu) = CheckinMessage::from_plist(&body).unwrap() else {
        panic!("not TokenUpdate");
    };
    assert_eq!(tu.push_magic, ade.push_magic);
    assert_eq!(tu.token, ade.push_token);
    assert!(tu.unlock_token.is_some());
    assert_eq!(tu.awaiting_configuration, Some(true));

    let mac = SimDevice::new(Family::Mac, "seed", 2, EnrollmentKind::Device);
    assert_eq!(mac.family().platform(), Platform::MacOs);
    let body = mac.token_update(TOPIC).to_plist_xml().unwrap();
    let CheckinMessage::TokenUpdate(tu) = CheckinMessage::from_plist(&body).unwrap() else {
        panic!("not TokenUpdate");
    };
    assert_eq!(tu.unlock_token, None, "UnlockToken is iOS only");
    assert_eq!(tu.awaiting_configuration, None, "only ADE devices send it");
}

#[test]
fn checkout_and_bootstrap_messages_parse_back() {
    let mac = SimDevice::new(Family::Mac, "seed", 5, EnrollmentKind::Ade);
    let out = CheckinMessage::from_plist(&mac.check_out(TOPIC).to_plist_xml().unwrap()).unwrap();
    assert_eq!(out.message_type(), "CheckOut");
    let set = mac.set_bootstrap_token(Some(b"bootstrap".to_vec()));
    let CheckinMessage::SetBootstrapToken(set) =
        CheckinMessage::from_plist(&set.to_plist_xml().unwrap()).unwrap()
    else {
        panic!("not SetBootstrapToken");
    };
    assert_eq!(set.bootstrap_token.as_deref(), Some(&b"bootstrap"[..]));
    let get = mac.get_bootstrap_token().to_plist_xml().unwrap();
    let parsed = CheckinMessage::from_plist(&get).unwrap();
    assert_eq!(parsed.message_type(), "GetBootstrapToken");
    assert_eq!(parsed.identity().unwrap().id, mac.udid);
}

#[test]
fn mdm_signature_verifies_over_the_exact_body() {
    let ca = common::ca();
    let identity = common::identity(&ca, "sim-device");
    let device = SimDevice::new(Family::IPhone, "seed", 9, EnrollmentKind::Device);
    let body = device.authenticate(TOPIC).to_plist_xml().unwrap();
    let header = identity.sign(&body).unwrap();
    let signer = cultivar_crypto::verify_mdm_signature(&header, &body).unwrap();
    assert_eq!(signer.subject_cn.as_deref(), Some("sim-device"));
    cultivar_crypto::verify_issued_by(
        &signer.certificate_der,
        ca.certificate_pem().unwrap().as_bytes(),
    )
    .unwrap();
    let mut changed = body.clone();
    changed.push(b'\n');
    assert!(cultivar_crypto::verify_mdm_signature(&header, &changed).is_err());
}
