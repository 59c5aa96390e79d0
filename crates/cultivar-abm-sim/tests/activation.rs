//! The simulator as Apple's activation service: an assigned device with a profile gets the
//! profile and an identity from the simulated device CA; other serials get Apple's refusal.

mod common;

use common::*;
use cultivar_abm_sim::activation::{Activation, RefusalCode};
use cultivar_abm_sim::admin_types::DeviceQuery;
use cultivar_abm_sim::SimOptions;
use serde_json::json;

const UDID: &str = "00008130-0011223344556677";

/// A server with three macOS devices: the first has an await-configured profile, the second is
/// assigned without one, the third belongs to no server.
async fn setup(h: &Harness) -> Vec<String> {
    let m = register(h, "A").await;
    h.admin
        .set_default_server(Some(&m.server_uuid))
        .await
        .expect("default");
    let mut serials = h
        .admin
        .add_devices(2, Some("macOS"))
        .await
        .expect("add")
        .serials;
    h.admin.set_default_server(None).await.expect("no default");
    serials.extend(
        h.admin
            .add_devices(1, Some("macOS"))
            .await
            .expect("add")
            .serials,
    );
    let s = session(h, &m.token).await;
    let profile = json!({
        "profile_name": "Macs",
        "url": "https://mdm.example.com/mdm/ade/enroll",
        "is_mdm_removable": false,
        "is_supervised": true,
        "is_mandatory": true,
        "await_device_configured": true,
        "skip_setup_items": ["Siri", "Privacy"],
        "anchor_certs": ["MIIB"],
        "org_magic": "1",
        "devices": [serials[0]]
    });
    let r = post(h, "/profile", &s, profile).await;
    assert_eq!(r.status, 200, "{}", r.body);
    serials
}

async fn activated(h: &Harness, serial: &str) -> Activation {
    h.admin
        .activate(serial, UDID)
        .await
        .expect("call")
        .expect("activated")
}

#[tokio::test]
async fn an_assigned_device_gets_its_profile_and_an_identity_from_the_device_ca() {
    let h = Harness::start(options()).await;
    let serials = setup(&h).await;
    let a = activated(&h, &serials[0]).await;
    let p = &a.profile;
    assert_eq!(p.url, "https://mdm.example.com/mdm/ade/enroll");
    assert!(p.await_device_configured && p.is_supervised && p.is_mandatory);
    assert!(!p.is_mdm_removable);
    assert_eq!(p.skip_setup_items, ["Siri", "Privacy"]);
    assert_eq!(p.anchor_certs, ["MIIB"]);
    let ca_pem = h.admin.device_ca_pem().await.expect("ca");
    assert_eq!(a.identity.ca_certificate_pem, ca_pem);
    let cert = a.identity.certificate_pem.as_bytes();
    cultivar_crypto::verify_issued_by(cert, ca_pem.as_bytes()).expect("chains to the device CA");
    let info = cultivar_crypto::certificate_info(cert).expect("info");
    assert_eq!(info.subject_common_name.as_deref(), Some(UDID));
    // The identity signs MachineInfo that verifies against the published CA only.
    let key = a.identity.key_pem.as_bytes();
    let signed = cultivar_crypto::sign_machine_info(b"<plist/>", key, cert, &[]).expect("sign");
    let plist = cultivar_crypto::verify_signed_machine_info(&signed, &[ca_pem.as_bytes()]);
    assert_eq!(plist.expect("verified"), b"<plist/>");
    let other = cultivar_crypto::CertificateAuthority::generate("Other CA", 1).expect("ca");
    let other_pem = other.certificate_pem().expect("pem");
    assert!(cultivar_crypto::verify_signed_machine_info(&signed, &[other_pem.as_bytes()]).is_err());
    // Apple reports the profile as pushed once the device fetched it.
    let list = h
        .admin
        .devices(&DeviceQuery::default())
        .await
        .expect("list");
    let dev = list.devices.iter().find(|d| d.serial_number == serials[0]);
    assert_eq!(dev.expect("listed").profile_status, "pushed");
    h.stop().await;
}

#[tokio::test]
async fn unknown_unassigned_and_profileless_serials_are_refused() {
    let h = Harness::start(options()).await;
    let serials = setup(&h).await;
    let cases = [
        ("NOSUCHSERIAL", RefusalCode::DeviceNotFound),
        (serials[1].as_str(), RefusalCode::ProfileNotAssigned),
        (serials[2].as_str(), RefusalCode::DeviceNotAssigned),
    ];
    for (serial, code) in cases {
        let refusal = h
            .admin
            .activate(serial, UDID)
            .await
            .expect("call")
            .expect_err("refused");
        assert_eq!(refusal.code, code, "{serial}");
        assert!(refusal.error.contains(serial), "{}", refusal.error);
    }
    h.admin
        .unassign_profiles(&[serials[0].clone()])
        .await
        .expect("unassign");
    let refusal = h.admin.activate(&serials[0], UDID).await.expect("call");
    assert_eq!(
        refusal.expect_err("refused").code,
        RefusalCode::ProfileNotAssigned
    );
    let bad = h.admin.activate(&serials[0], "not a udid").await;
    let message = bad.expect_err("400").to_string();
    assert!(message.contains("udid"), "{message}");
    h.stop().await;
}

#[tokio::test]
async fn the_device_ca_is_kept_in_the_state_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("abm-sim.json");
    let opts = || SimOptions {
        state_file: Some(file.clone()),
        ..options()
    };
    let h = Harness::start(opts()).await;
    let first = h.admin.device_ca_pem().await.expect("ca");
    assert!(first.starts_with("-----BEGIN CERTIFICATE-----"), "{first}");
    h.stop().await;
    let h = Harness::start(opts()).await;
    assert_eq!(h.admin.device_ca_pem().await.expect("ca"), first);
    h.stop().await;
}
