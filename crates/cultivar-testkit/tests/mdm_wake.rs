//! Push wake-up end to end over real HTTP on SQLite and PostgreSQL: cultivar pushes through the
//! cultivar-apns stand-in (playing APNs, trusting a test "Apple push CA" that signed the
//! uploaded push certificate); a simulated device enrolled by profile listens on the
//! stand-in's push feed, wakes on the push for its token and answers. Nobody runs a session by
//! hand and nothing sleeps: the test waits on the feed until the command was answered, then
//! reads the activity log. Before that, APNs refuses the device's token once: device detail
//! shows it until the device's TokenUpdate clears it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use cultivar_api_types::mdm::{CommandListQuery, SendCommand};
use cultivar_apns::standin::{ApnsStandIn, Failure};
use cultivar_client::AdminClient;
use cultivar_core::mdm::{MdmService, MdmSettings, PushResult};
use cultivar_crypto::CertificateAuthority;
use cultivar_device_sim::{
    enroll_with_profile, Family, MdmClient, PushFeed, PushListener, SimDevice,
};
use cultivar_mdm_proto::{EnrollmentKind, Status};
use cultivar_testkit::{Backend, TestServer};

const TOPIC: &str = "com.apple.mgmt.External.7e57a11e-0000-4000-8000-000000000001";

/// The stand-in (with its feed) and a server whose `apns_url` points at it.
async fn start(backend: Backend) -> Option<(ApnsStandIn, String, TestServer, tempfile::TempDir)> {
    let portal = CertificateAuthority::generate("Test Apple push CA", 30).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut apns = ApnsStandIn::start(listener, &portal.certificate_pem().unwrap()).unwrap();
    let feed_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let feed_url = apns.serve_feed(feed_listener).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("apns-standin.pem");
    std::fs::write(&ca_file, apns.server_certificate_pem()).unwrap();
    let url = apns.base_url();
    let server = TestServer::start_with(backend, move |c| {
        c.apns_url = url;
        c.apns_ca_file = Some(ca_file);
    })
    .await?;
    let client = AdminClient::new(&server.url(), Some(server.admin_key().to_owned()));
    let csr = client.push_cert_csr().await.unwrap();
    let cert = portal
        .issue_push_certificate(csr.csr_pem.as_bytes(), TOPIC, 365, 2)
        .unwrap();
    client
        .upload_push_cert(cert.certificate_pem.into_bytes(), false)
        .await
        .unwrap();
    Some((apns, feed_url, server, dir))
}

/// The enrollment profile with the server's real address (it was configured before its port
/// was known).
async fn profile(server: &TestServer) -> Vec<u8> {
    let state = server.state();
    let service = MdmService::new(
        state.store.clone(),
        state.secrets.clone(),
        Arc::clone(&state.clock),
        MdmSettings::new(&server.url()),
    );
    service.enrollment_profile("wake").await.unwrap()
}

async fn wake_on_push(backend: Backend) {
    let Some((apns, feed_url, server, _dir)) = start(backend).await else {
        return;
    };
    let http = reqwest::Client::new();
    let mut device = SimDevice::new(Family::IPhone, "wake", 0, EnrollmentKind::Device);
    let mdm = enroll_with_profile(&http, &mut device, &profile(&server).await)
        .await
        .unwrap();
    let (udid, token, magic) = (
        device.udid.clone(),
        device
            .push_token
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
        device.push_magic.clone(),
    );
    let admin = AdminClient::new(&server.url(), Some(server.admin_key().to_owned()));
    refused_until_token_update(&apns, &server, &admin, (&device, &mdm), &token).await;
    let mut listener = PushListener::new(PushFeed::new(http, &feed_url), vec![(device, mdm)]);
    let body = SendCommand {
        request_type: "ProfileList".to_owned(),
        payload: serde_json::json!({}),
    };
    let queued = admin.send_command(&udid, &body).await.unwrap();
    let uuid = queued.command_uuid.clone();
    // Wake on each push until a session answered our command (the device may first wake for
    // the DeviceInformation queued at enrollment and answer both in that session).
    let answered = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            for wake in listener.wake_next().await.unwrap() {
                assert_eq!(wake.udid, udid);
                if let Some(h) = wake.report.commands.iter().find(|h| h.command_uuid == uuid) {
                    return h.clone();
                }
            }
        }
    })
    .await
    .expect("the device was not woken to answer ProfileList");
    assert_eq!(answered.status, Status::Acknowledged);
    let pushes = apns.pushes();
    assert!(
        pushes
            .iter()
            .any(|p| p.device_token == token && p.topic == TOPIC && p.push_magic == magic),
        "the stand-in recorded the push to the device: {pushes:?}"
    );
    let q = CommandListQuery {
        request_type: Some("ProfileList".to_owned()),
        ..CommandListQuery::default()
    };
    let log = admin.commands(&udid, &q).await.unwrap();
    let entry = log
        .commands
        .iter()
        .find(|c| c.command_uuid == uuid)
        .expect("the command is in the activity log");
    assert_eq!(entry.state, "acknowledged", "{entry:?}");
    assert!(entry.answered_at.is_some());
    // Pushed now rather than awaiting the background push's bookkeeping: device detail says
    // pushes reach the device.
    let pushed = server
        .state()
        .mdm
        .push_channels(std::slice::from_ref(&udid))
        .await;
    assert_eq!(pushed.unwrap()[0].result, PushResult::Delivered);
    let push = admin.device(&udid).await.unwrap().push.unwrap();
    assert_eq!((push.state.as_str(), push.error), ("delivered", None));
    server.shutdown().await;
}

/// APNs refuses the device's token: device detail shows the refusal with its hint, and it
/// lasts until the device's own TokenUpdate over check-in clears it.
async fn refused_until_token_update(
    apns: &ApnsStandIn,
    server: &TestServer,
    admin: &AdminClient,
    (device, mdm): (&SimDevice, &MdmClient),
    token: &str,
) {
    apns.fail_token(token, Failure::BadDeviceToken);
    let pushed = server
        .state()
        .mdm
        .push_channels(std::slice::from_ref(&device.udid))
        .await;
    let expected = PushResult::Permanent {
        reason: "BadDeviceToken".to_owned(),
    };
    assert_eq!(pushed.unwrap()[0].result, expected);
    let push = admin.device(&device.udid).await.unwrap().push.unwrap();
    let error = push.error.unwrap();
    assert_eq!(
        (push.state.as_str(), error.reason.as_str()),
        ("failed", "BadDeviceToken")
    );
    assert!(
        error.permanent && error.hint.contains("re-enroll"),
        "{error:?}"
    );
    apns.clear_failure(token);
    mdm.checkin(&device.token_update(TOPIC)).await.unwrap();
    let push = admin.device(&device.udid).await.unwrap().push.unwrap();
    assert_eq!((push.state.as_str(), push.error), ("pending", None));
}

#[tokio::test]
async fn a_pushed_device_wakes_and_answers_sqlite() {
    wake_on_push(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_pushed_device_wakes_and_answers_postgres() {
    wake_on_push(Backend::Postgres).await;
}
