//! Check-in and command sessions against a small MDM server on real HTTP that verifies
//! `Mdm-Signature` on every request; and profile-based enrollment end to end (SCEP, then
//! Authenticate and TokenUpdate with the SCEP identity).
#![allow(clippy::unwrap_used)]

mod common;

use common::server::{ScepMode, TestServer};
use cultivar_device_sim::{enroll_with_profile, Endpoints, Family, MdmClient, SimDevice, SimError};
use cultivar_mdm_proto::{Command, EnrollmentKind, Status};
use plist::Dictionary;

const TOPIC: &str = "com.apple.mgmt.External.1234";

async fn setup(kind: EnrollmentKind) -> (TestServer, MdmClient, SimDevice) {
    let ca = common::ca();
    let identity = common::identity(&ca, "sim-device");
    let server = TestServer::start(ca, ScepMode::Post).await;
    let endpoints = Endpoints {
        server_url: server.url("/mdm"),
        check_in_url: server.url("/checkin"),
        topic: TOPIC.into(),
        check_out_when_removed: true,
    };
    let client = MdmClient::new(reqwest::Client::new(), endpoints, identity);
    let device = SimDevice::new(Family::IPhone, "session", 0, kind);
    (server, client, device)
}

#[tokio::test]
async fn enroll_then_bootstrap_token_round_trip() {
    let (server, client, mut device) = setup(EnrollmentKind::Ade).await;
    device.awaiting_configuration = true;
    let latencies = client.enroll(&device).await.unwrap();
    assert_eq!(latencies.len(), 2);
    assert_eq!(client.get_bootstrap_token(&device).await.unwrap(), None);
    client
        .checkin(&device.set_bootstrap_token(Some(b"token".to_vec())))
        .await
        .unwrap();
    let token = client.get_bootstrap_token(&device).await.unwrap();
    assert_eq!(token.as_deref(), Some(&b"token"[..]));
    client.checkin(&device.check_out(TOPIC)).await.unwrap();
    let seen = server.state.lock().unwrap().checkins.clone();
    assert_eq!(
        seen,
        [
            "Authenticate",
            "TokenUpdate",
            "GetBootstrapToken",
            "SetBootstrapToken",
            "GetBootstrapToken",
            "CheckOut"
        ]
    );
}

#[tokio::test]
async fn a_session_answers_every_command_until_the_queue_is_empty() {
    let (server, client, mut device) = setup(EnrollmentKind::Ade).await;
    device.awaiting_configuration = true;
    let info = Command::device_information(&["SerialNumber"]);
    let list = Command::new("ProfileList", Dictionary::new());
    let coffee = Command::new("MakeCoffee", Dictionary::new());
    for c in [
        info.clone(),
        list.clone(),
        Command::device_configured(),
        coffee.clone(),
    ] {
        server.enqueue(c);
    }
    let report = client.session(&mut device).await.unwrap();
    let statuses: Vec<Status> = report.commands.iter().map(|h| h.status).collect();
    use Status::*;
    assert_eq!(statuses, [Acknowledged, Acknowledged, Acknowledged, Error]);
    assert_eq!(report.latencies.len(), 5, "Idle + one report per command");
    assert!(!device.awaiting_configuration);
    let reports = server.state.lock().unwrap().reports.clone();
    assert_eq!(reports[0], (Idle, None));
    assert_eq!(reports[1], (Acknowledged, Some(info.command_uuid)));
    assert_eq!(reports[4], (Error, Some(coffee.command_uuid)));

    // Nothing queued: one round trip.
    let again = client.session(&mut device).await.unwrap();
    assert!(again.commands.is_empty());
    assert_eq!(again.latencies.len(), 1);
}

#[tokio::test]
async fn not_now_is_answered_again_on_the_next_session() {
    let (server, client, mut device) = setup(EnrollmentKind::Device).await;
    device.inject_not_now("ProfileList", 1);
    let list = Command::new("ProfileList", Dictionary::new());
    server.enqueue(list.clone());
    let first = client.session(&mut device).await.unwrap();
    assert_eq!(first.commands[0].status, Status::NotNow);
    assert_eq!(first.commands.len(), 1);
    let second = client.session(&mut device).await.unwrap();
    assert_eq!(second.commands[0].status, Status::Acknowledged);
    assert_eq!(second.commands[0].command_uuid, list.command_uuid);
}

#[tokio::test]
async fn erase_ends_the_session_and_the_device_stops() {
    let (server, client, mut device) = setup(EnrollmentKind::Ade).await;
    server.enqueue(Command::erase_device(&Default::default()));
    server.enqueue(Command::device_information(&["UDID"]));
    let report = client.session(&mut device).await.unwrap();
    assert!(report.unenrolled);
    assert_eq!(report.commands.len(), 1);
    assert_eq!(report.commands[0].request_type, "EraseDevice");
    let err = client.session(&mut device).await.unwrap_err();
    assert!(matches!(err, SimError::NotEnrolled { .. }), "{err}");
}

#[tokio::test]
async fn a_refused_signature_is_an_error_with_the_status() {
    let (server, _, mut device) = setup(EnrollmentKind::Device).await;
    let stranger = common::identity(&common::ca(), "not-ours");
    let endpoints = Endpoints {
        server_url: server.url("/mdm"),
        check_in_url: server.url("/checkin"),
        topic: TOPIC.into(),
        check_out_when_removed: true,
    };
    let client = MdmClient::new(reqwest::Client::new(), endpoints, stranger);
    let err = client.session(&mut device).await.unwrap_err();
    assert!(matches!(err, SimError::Status { status: 400, .. }), "{err}");
    let err = client.enroll(&device).await.unwrap_err();
    assert!(err.to_string().starts_with("check-in:"), "{err}");
}

#[tokio::test]
async fn profile_enrollment_end_to_end() {
    let ca = common::ca();
    let signer = common::identity(&ca, "Profile Signer");
    let server = TestServer::start(ca, ScepMode::Post).await;
    let xml = common::ENROLL
        .replace("https://mdm.example.com/scep", &server.url("/scep"))
        .replace("https://mdm.example.com/mdm", &server.url("/mdm"))
        .replace("https://mdm.example.com/checkin", &server.url("/checkin"));
    let signed =
        cultivar_crypto::sign_profile(xml.as_bytes(), &signer.key_pem, &signer.cert_pem, &[])
            .unwrap();
    let http = reqwest::Client::new();
    let mut device = SimDevice::new(Family::Mac, "e2e", 0, EnrollmentKind::Device);
    let client = enroll_with_profile(&http, &mut device, &signed)
        .await
        .unwrap();
    assert_eq!(
        server.state.lock().unwrap().checkins,
        ["Authenticate", "TokenUpdate"]
    );
    server.enqueue(Command::new("ProfileList", Dictionary::new()));
    let report = client.session(&mut device).await.unwrap();
    assert_eq!(report.commands[0].status, Status::Acknowledged);
    assert!(device.profiles.contains_key("com.example.enroll"));
}

#[tokio::test]
async fn removing_the_mdm_profile_checks_out() {
    let (server, client, mut device) = setup(EnrollmentKind::Device).await;
    let mdm = common::mobileconfig("com.example.mdm", "com.apple.mdm");
    assert_eq!(
        device.respond(&Command::install_profile(mdm)).status,
        Status::Acknowledged
    );
    let mut remove = Dictionary::new();
    remove.insert("Identifier".into(), "com.example.mdm".into());
    server.enqueue(Command::new("RemoveProfile", remove));
    server.enqueue(Command::device_information(&["UDID"]));
    let report = client.session(&mut device).await.unwrap();
    assert!(report.unenrolled);
    assert_eq!(report.commands.len(), 1);
    assert_eq!(report.latencies.len(), 3, "Idle, the report, CheckOut");
    assert_eq!(server.state.lock().unwrap().checkins, ["CheckOut"]);
}
