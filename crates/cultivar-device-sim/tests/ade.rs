//! ADE enrollment: MachineInfo built per Apple's schema and signed with the activation identity;
//! the profile URL answered by a stand-in that verifies MachineInfo with cultivar-crypto (POST
//! and GET forms), then SCEP, check-in and Setup Assistant until DeviceConfigured; refusals
//! (untrusted identity, software update required, activation refused) as typed errors.
#![allow(clippy::unwrap_used)]

mod common;

use common::ade::AdeServer;
use common::server::{ScepMode, TestServer};
use cultivar_device_sim::activation::{Activation, AdeProfile};
use cultivar_device_sim::machine_info::{machine_info, signed_machine_info};
use cultivar_device_sim::{enroll_ade, enroll_ade_with, AdeMethod, Family, SimDevice, SimError};
use cultivar_mdm_proto::{Command, EnrollmentKind};

fn device(family: Family, index: u64) -> SimDevice {
    SimDevice::new(family, "ade", index, EnrollmentKind::Ade)
}

fn activation(
    device_ca: &cultivar_crypto::CertificateAuthority,
    d: &SimDevice,
    url: &str,
) -> Activation {
    Activation {
        profile: AdeProfile {
            profile_uuid: "P1".into(),
            profile_name: "Phones".into(),
            url: url.to_string(),
            configuration_web_url: None,
            anchor_certs: Vec::new(),
            await_device_configured: true,
            is_supervised: true,
            is_mandatory: true,
            is_mdm_removable: false,
            skip_setup_items: vec!["Siri".into()],
            language: None,
            organization_name: None,
        },
        identity: common::identity(device_ca, &d.udid),
        ca_certificate_pem: device_ca.certificate_pem().unwrap(),
    }
}

/// The signed enrollment profile pointing at `server`.
fn enrollment_profile(server: &TestServer) -> Vec<u8> {
    let signer = common::identity(&common::ca(), "Profile Signer");
    let xml = common::ENROLL
        .replace("https://mdm.example.com/scep", &server.url("/scep"))
        .replace("https://mdm.example.com/mdm", &server.url("/mdm"))
        .replace("https://mdm.example.com/checkin", &server.url("/checkin"));
    cultivar_crypto::sign_profile(xml.as_bytes(), &signer.key_pem, &signer.cert_pem, &[]).unwrap()
}

#[test]
fn machine_info_follows_the_schema_and_verifies_against_the_device_ca_only() {
    let schema = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../vendor/apple-device-management/other/machineinfo.yaml"
    ))
    .unwrap();
    let device_ca = common::ca();
    let d = device(Family::IPhone, 0);
    let info = machine_info(&d);
    for key in info.keys() {
        assert!(
            schema.contains(&format!("- key: {key}\n")),
            "{key} not in the schema"
        );
    }
    let text = |k: &str| info.get(k).and_then(|v| v.as_string()).unwrap().to_string();
    assert_eq!(text("UDID"), d.udid);
    assert_eq!(text("SERIAL"), d.serial_number);
    assert_eq!(text("PRODUCT"), d.model.product_name);
    assert_eq!(text("VERSION"), d.build_version);
    assert_eq!(text("OS_VERSION"), d.os_version);
    let identity = common::identity(&device_ca, &d.udid);
    let signed = signed_machine_info(&d, &identity).unwrap();
    let ca_pem = device_ca.certificate_pem().unwrap();
    let verified = cultivar_crypto::verify_signed_machine_info(&signed, &[ca_pem.as_bytes()]);
    let back: plist::Dictionary = plist::from_bytes(&verified.unwrap()).unwrap();
    assert_eq!(back, info);
    let other = common::ca().certificate_pem().unwrap();
    assert!(cultivar_crypto::verify_signed_machine_info(&signed, &[other.as_bytes()]).is_err());
    // tvOS has no MDM-requested software update.
    let tv = machine_info(&device(Family::AppleTv, 0));
    assert!(!tv.contains_key("MDM_CAN_REQUEST_SOFTWARE_UPDATE"));
}

#[tokio::test]
async fn ade_enrollment_by_post_and_get_ends_when_device_configured_arrives() {
    let server = TestServer::start(common::ca(), ScepMode::Post).await;
    let device_ca = common::ca();
    let ade = AdeServer::start(
        device_ca.certificate_pem().unwrap(),
        enrollment_profile(&server),
    )
    .await;
    let http = reqwest::Client::new();
    for (i, method) in [AdeMethod::Post, AdeMethod::Get].into_iter().enumerate() {
        let mut d = device(Family::IPhone, i as u64);
        server.enqueue(Command::device_information(&["SerialNumber"]));
        server.enqueue(Command::device_configured());
        let a = activation(&device_ca, &d, &ade.url);
        let done = enroll_ade_with(&http, &mut d, &a, method).await.unwrap();
        assert!(!d.awaiting_configuration && d.enrolled);
        assert_eq!(done.sessions.len(), 1);
        let types: Vec<&str> = done.sessions[0]
            .commands
            .iter()
            .map(|h| h.request_type.as_str())
            .collect();
        assert_eq!(types, ["DeviceInformation", "DeviceConfigured"]);
        let seen = ade.state.lock().unwrap().seen.last().cloned().unwrap();
        let want = if method == AdeMethod::Post {
            "POST"
        } else {
            "GET"
        };
        assert_eq!(seen.0, want);
        assert_eq!(
            seen.1.get("SERIAL").and_then(|v| v.as_string()),
            Some(d.serial_number.as_str())
        );
    }
    let checkins = server.state.lock().unwrap().checkins.clone();
    assert_eq!(
        checkins,
        ["Authenticate", "TokenUpdate", "Authenticate", "TokenUpdate"]
    );
}

#[tokio::test]
async fn untrusted_identity_and_software_update_are_refused_before_any_check_in() {
    let server = TestServer::start(common::ca(), ScepMode::Post).await;
    let device_ca = common::ca();
    let ade = AdeServer::start(
        device_ca.certificate_pem().unwrap(),
        enrollment_profile(&server),
    )
    .await;
    let http = reqwest::Client::new();
    let mut d = device(Family::IPhone, 0);
    let forged = activation(&common::ca(), &d, &ade.url);
    let err = enroll_ade_with(&http, &mut d, &forged, AdeMethod::Post)
        .await
        .unwrap_err();
    assert!(matches!(err, SimError::Status { status: 403, .. }), "{err}");
    ade.state.lock().unwrap().min_os_major = Some(99);
    let a = activation(&device_ca, &d, &ade.url);
    match enroll_ade_with(&http, &mut d, &a, AdeMethod::Post)
        .await
        .unwrap_err()
    {
        SimError::SoftwareUpdateRequired {
            os_version,
            build_version,
            message,
        } => {
            assert_eq!(os_version, "99.0");
            assert_eq!(build_version.as_deref(), Some("99A1"));
            assert_eq!(message.as_deref(), Some("Update to continue"));
        }
        other => panic!("expected SoftwareUpdateRequired, got {other}"),
    }
    assert_eq!(ade.state.lock().unwrap().refused.len(), 2);
    assert!(server.state.lock().unwrap().checkins.is_empty());
}

#[tokio::test]
async fn a_server_that_never_sends_device_configured_is_an_error() {
    let server = TestServer::start(common::ca(), ScepMode::Post).await;
    let device_ca = common::ca();
    let ade = AdeServer::start(
        device_ca.certificate_pem().unwrap(),
        enrollment_profile(&server),
    )
    .await;
    let mut d = device(Family::Mac, 0);
    let a = activation(&device_ca, &d, &ade.url);
    let err = enroll_ade_with(&reqwest::Client::new(), &mut d, &a, AdeMethod::Post)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("DeviceConfigured"), "{err}");
    assert!(d.awaiting_configuration);
}

#[tokio::test]
async fn activation_refusals_are_typed() {
    let sim = cultivar_abm_sim::Sim::new(cultivar_abm_sim::SimOptions {
        devices: 1,
        ..Default::default()
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(cultivar_abm_sim::serve(
        sim,
        listener,
        std::future::pending(),
    ));
    let admin = cultivar_abm_sim::SimAdminClient::new(&base);
    let listed = admin.devices(&Default::default()).await.unwrap();
    let http = reqwest::Client::new();
    let mut d = device(Family::Mac, 0);
    let code = |e: SimError| match e {
        SimError::ActivationRefused { code, .. } => code,
        other => panic!("expected ActivationRefused, got {other}"),
    };
    let err = enroll_ade(&http, &mut d, &base, AdeMethod::Post)
        .await
        .unwrap_err();
    assert_eq!(code(err), "DEVICE_NOT_FOUND");
    d.serial_number = listed.devices[0].serial_number.clone();
    let err = enroll_ade(&http, &mut d, &base, AdeMethod::Post)
        .await
        .unwrap_err();
    assert_eq!(code(err), "DEVICE_NOT_ASSIGNED");
}

#[tokio::test]
async fn ade_enrollment_through_the_simulated_activation_service() {
    let (abm, token) = common::abm::start("iOS", 1).await;
    let device_ca_pem = abm.admin.device_ca_pem().await.unwrap();
    let server = TestServer::start(common::ca(), ScepMode::Post).await;
    let ade = AdeServer::start(device_ca_pem, enrollment_profile(&server)).await;
    common::abm::define_profile(&abm, &token, &ade.url).await;
    server.enqueue(Command::device_configured());
    let mut d = device(Family::IPhone, 0);
    d.serial_number = abm.serials[0].clone();
    let http = reqwest::Client::new();
    let done = enroll_ade(&http, &mut d, &abm.base, AdeMethod::Post)
        .await
        .unwrap();
    assert!(done.profile.await_device_configured && done.profile.is_supervised);
    assert!(!d.awaiting_configuration && d.enrolled);
    let seen = ade.state.lock().unwrap().seen.clone();
    assert_eq!(
        seen.len(),
        1,
        "MachineInfo verified against the simulator's device CA"
    );
    let udid = seen[0].1.get("UDID").and_then(|v| v.as_string());
    assert_eq!(udid, Some(d.udid.as_str()));
    let listed = abm.admin.devices(&Default::default()).await.unwrap();
    assert_eq!(listed.devices[0].profile_status, "pushed");
}
