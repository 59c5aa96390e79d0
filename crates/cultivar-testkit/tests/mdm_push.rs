//! The APNs push certificate and MDM pushes over real HTTP on SQLite and PostgreSQL: the test
//! plays Apple's push portal (a CA signs cultivar's CSR with a topic) and APNs (the
//! cultivar-apns stand-in, trusting that CA). CSR → signed → upload → show; a new topic
//! refused without force; a certificate for another key refused with nothing changed; an
//! enqueued command pushes exactly `{"mdm":"<PushMagic>"}` to the channel's token; APNs
//! failures (permanent and transient) show in device detail until a delivery or, for a refused
//! token, a TokenUpdate clears them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use cultivar_api_types::{
    mdm::{PushStateView, SendCommand},
    push_cert::PushCertView,
};
use cultivar_apns::standin::{ApnsStandIn, Failure};
use cultivar_client::{AdminClient, ClientError};
use cultivar_core::mdm::PushResult;
use cultivar_crypto::CertificateAuthority;
use cultivar_store::{MdmAuthenticate, MdmTokenUpdate, Store};
use cultivar_testkit::{Backend, TestServer};
use time::OffsetDateTime;

const TOPIC_A: &str = "com.apple.mgmt.External.11111111-2222-3333-4444-555555555555";
const TOPIC_B: &str = "com.apple.mgmt.External.99999999-8888-7777-6666-555555555555";

/// Apple's push portal and APNs, played locally, and cultivar pointed at them.
struct Apple {
    portal: CertificateAuthority,
    apns: ApnsStandIn,
    server: TestServer,
    client: AdminClient,
    _dir: tempfile::TempDir,
    serial: u64,
}

impl Apple {
    async fn start(backend: Backend) -> Option<Apple> {
        let portal = CertificateAuthority::generate("Test Apple push CA", 30).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let apns = ApnsStandIn::start(listener, &portal.certificate_pem().unwrap()).unwrap();
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
        Some(Apple {
            portal,
            apns,
            server,
            client,
            _dir: dir,
            serial: 1,
        })
    }

    /// What the portal hands back for `csr_pem`.
    fn sign(&mut self, csr_pem: &str, topic: &str) -> Vec<u8> {
        self.serial += 1;
        let issued = self
            .portal
            .issue_push_certificate(csr_pem.as_bytes(), topic, 365, self.serial)
            .unwrap();
        issued.certificate_pem.into_bytes()
    }

    /// A fresh CSR from cultivar, signed for `topic`.
    async fn signed(&mut self, topic: &str) -> Vec<u8> {
        let csr = self.client.push_cert_csr().await.unwrap();
        self.sign(&csr.csr_pem, topic)
    }

    async fn show(&self) -> PushCertView {
        self.client.push_cert().await.unwrap()
    }
}

fn status_of(r: Result<PushCertView, ClientError>) -> (u16, String) {
    match r {
        Err(ClientError::Api {
            status, message, ..
        }) => (status, message),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// An enrolled device channel with a push token, as check-in would store it.
async fn enroll(store: &dyn Store, id: &str, token: &str, magic: &str) {
    let at = OffsetDateTime::now_utc();
    store
        .store_authenticate(&MdmAuthenticate {
            id: id.to_owned(),
            device_id: id.to_owned(),
            enrollment_type: "profile".to_owned(),
            serial_number: Some(format!("SN{id}")),
            topic: TOPIC_A.to_owned(),
            os_version: Some("18.1".to_owned()),
            build_version: None,
            product_name: Some("iPhone16,1".to_owned()),
            model: None,
            device_name: None,
            raw: b"<plist/>".to_vec(),
            cert_sha256: format!("cert-{id}"),
            cert_not_after: None,
            at,
        })
        .await
        .unwrap();
    token_update(store, id, token, magic).await;
}

/// The channel's TokenUpdate, as check-in would store it.
async fn token_update(store: &dyn Store, id: &str, token: &str, magic: &str) {
    store
        .store_token_update(&MdmTokenUpdate {
            id: id.to_owned(),
            device_id: id.to_owned(),
            user_id: None,
            user_short_name: None,
            user_long_name: None,
            topic: TOPIC_A.to_owned(),
            push_magic: magic.to_owned(),
            push_token: token.to_owned(),
            unlock_token: None,
            awaiting_configuration: false,
            raw: b"<plist/>".to_vec(),
            at: OffsetDateTime::now_utc(),
        })
        .await
        .unwrap();
}

async fn certificate_flow(mut apple: Apple) {
    assert_eq!(apple.show().await.status, "none");
    let csr = apple.client.push_cert_csr().await.unwrap();
    assert!(csr
        .csr_pem
        .starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
    let shown = apple.show().await;
    assert_eq!(
        (shown.status.as_str(), shown.topic.as_deref()),
        ("awaiting_certificate", None)
    );
    assert!(shown.csr_created_at.is_some());
    let cert = apple.sign(&csr.csr_pem, TOPIC_A);
    let up = apple.client.upload_push_cert(cert, false).await.unwrap();
    assert_eq!(
        (up.status.as_str(), up.topic.as_deref()),
        ("active", Some(TOPIC_A))
    );
    let (from, to) = (up.not_before.unwrap(), up.not_after.unwrap());
    assert_eq!(
        (to - from).whole_days(),
        365,
        "validity shown from the certificate"
    );
    assert_eq!(up.csr_created_at, None, "the CSR key was consumed");
    assert_eq!(apple.show().await, up);
    other_key_refused(&mut apple, &up).await;
    topic_change(&mut apple).await;
    apple.server.shutdown().await;
}

/// A certificate for a key cultivar never made is refused and nothing changes.
async fn other_key_refused(apple: &mut Apple, before: &PushCertView) {
    let foreign = cultivar_crypto::generate_push_csr("someone else").unwrap();
    let cert = apple.sign(&foreign.csr_pem, TOPIC_A);
    let (status, message) = status_of(apple.client.upload_push_cert(cert, false).await);
    assert_eq!(status, 422, "{message}");
    assert!(message.contains("certificate"), "{message}");
    assert_eq!(&apple.show().await, before);
    let (status, _) = status_of(apple.client.upload_push_cert(b"junk".to_vec(), false).await);
    assert_eq!(status, 422);
    assert_eq!(&apple.show().await, before);
}

/// Another topic needs force (it cuts off every device); renewal with the same topic does not.
async fn topic_change(apple: &mut Apple) {
    let before = apple.show().await;
    let cert_b = apple.signed(TOPIC_B).await;
    let (status, message) = status_of(apple.client.upload_push_cert(cert_b.clone(), false).await);
    assert_eq!(status, 409, "{message}");
    assert!(
        message.contains(TOPIC_B) && message.contains("--force"),
        "{message}"
    );
    let after = apple.show().await;
    assert_eq!(
        (after.topic, after.not_after),
        (before.topic, before.not_after)
    );
    assert!(
        after.csr_created_at.is_some(),
        "the refused upload keeps the CSR"
    );
    let forced = apple.client.upload_push_cert(cert_b, true).await.unwrap();
    assert_eq!(forced.topic.as_deref(), Some(TOPIC_B));
    let renewal = apple.signed(TOPIC_B).await;
    let renewed = apple.client.upload_push_cert(renewal, false).await.unwrap();
    assert_eq!(renewed.topic.as_deref(), Some(TOPIC_B));
    assert!(renewed.uploaded_at >= forced.uploaded_at);
}

async fn push_on_enqueue(mut apple: Apple) {
    let cert = apple.signed(TOPIC_A).await;
    apple.client.upload_push_cert(cert, false).await.unwrap();
    let store = apple.server.store().clone();
    enroll(store.as_ref(), "UDID-PUSH-1", "a1b2c3d4", "MAGIC-1").await;
    let body = SendCommand {
        request_type: "ProfileList".to_owned(),
        payload: serde_json::json!({}),
    };
    apple
        .client
        .send_command("UDID-PUSH-1", &body)
        .await
        .unwrap();
    // The push runs after the API answered; the stand-in wakes us when it arrives.
    let pushes = tokio::time::timeout(Duration::from_secs(30), apple.apns.wait_for_pushes(1))
        .await
        .expect("no push arrived");
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    let push = &pushes[0];
    assert_eq!(push.device_token, "a1b2c3d4");
    assert_eq!(push.topic, TOPIC_A);
    assert_eq!(push.body, br#"{"mdm":"MAGIC-1"}"#.to_vec());
    permanent_failure_kept(&apple, store.as_ref()).await;
    // The enqueue's push and the direct delivery above: no second push for one enqueue.
    assert_eq!(apple.apns.pushes().len(), 2);
    apple.server.shutdown().await;
}

/// APNs' `Unregistered` is permanent: reported, shown in device detail with its hint, and no
/// more pushes go to the channel until a TokenUpdate; a transient failure (retries ran out)
/// is shown too; a delivery clears it (a transient 503 only delays it: it is retried).
async fn permanent_failure_kept(apple: &Apple, store: &dyn Store) {
    enroll(store, "UDID-PUSH-2", "0badc0de", "MAGIC-2").await;
    let fresh = push_state(apple, "UDID-PUSH-2").await;
    assert_eq!(
        (fresh.state.as_str(), fresh.last_attempt_at),
        ("never", None)
    );
    apple.apns.fail_token("0badc0de", Failure::Unregistered);
    let ids = ["UDID-PUSH-2".to_owned(), "UDID-NOBODY".to_owned()];
    let results = push(apple, &ids).await;
    assert!(
        results.contains(&PushResult::Permanent {
            reason: "Unregistered".to_owned()
        }),
        "{results:?}"
    );
    assert!(results.contains(&PushResult::Skipped {
        reason: "no such channel"
    }));
    let shown = push_state(apple, "UDID-PUSH-2").await;
    assert_eq!(shown.state, "failed", "{shown:?}");
    let error = shown.error.clone().unwrap();
    assert_eq!(
        (error.reason.as_str(), error.permanent),
        ("Unregistered", true)
    );
    assert!(error.hint.contains("re-enroll"), "{error:?}");
    assert_eq!(shown.last_attempt_at, Some(error.at));
    assert_eq!(shown.last_delivered_at, None);
    apple.apns.clear_failure("0badc0de");
    // Refused for good: not pushed again, until the device registers anew.
    let results = push(apple, &ids[..1]).await;
    assert!(
        matches!(&results[0], PushResult::Skipped { reason } if reason.contains("TokenUpdate")),
        "{results:?}"
    );
    assert_eq!(push_state(apple, "UDID-PUSH-2").await, shown);
    token_update(store, "UDID-PUSH-2", "0badc0de", "MAGIC-2").await;
    let renewed = push_state(apple, "UDID-PUSH-2").await;
    assert_eq!((renewed.state.as_str(), renewed.error), ("pending", None));
    transient_then_delivered(apple, &ids[..1]).await;
}

/// A transient failure (503 until the retries ran out) is shown and pushes go on; the next
/// push, retried past one 503, is delivered and clears it.
async fn transient_then_delivered(apple: &Apple, ids: &[String]) {
    apple
        .apns
        .fail_token("0badc0de", Failure::ServiceUnavailable);
    let results = push(apple, ids).await;
    assert!(
        matches!(&results[0], PushResult::Transient { .. }),
        "{results:?}"
    );
    let shown = push_state(apple, "UDID-PUSH-2").await;
    let error = shown.error.clone().unwrap();
    assert_eq!(
        (shown.state.as_str(), error.reason.as_str(), error.permanent),
        ("failed", "ServiceUnavailable", false),
        "{shown:?}"
    );
    apple
        .apns
        .fail_token_times("0badc0de", Failure::ServiceUnavailable, 1);
    assert_eq!(push(apple, ids).await, vec![PushResult::Delivered]);
    let shown = push_state(apple, "UDID-PUSH-2").await;
    assert_eq!((shown.state.as_str(), shown.error), ("delivered", None));
    assert!(shown.last_delivered_at.is_some());
    assert_eq!(shown.last_delivered_at, shown.last_attempt_at);
    let pushes = apple.apns.wait_for_pushes(2).await;
    assert_eq!(pushes[1].body, br#"{"mdm":"MAGIC-2"}"#.to_vec());
}

/// Pushes to `ids` now (not in the background) and returns each result.
async fn push(apple: &Apple, ids: &[String]) -> Vec<PushResult> {
    let reports = apple.server.state().mdm.push_channels(ids).await.unwrap();
    reports.into_iter().map(|r| r.result).collect()
}

/// The push state device detail shows (`GET /api/v1/devices/{id}`).
async fn push_state(apple: &Apple, id: &str) -> PushStateView {
    let device = apple.client.device(id).await.unwrap();
    device.push.expect("device detail carries the push state")
}

async fn on_both(test: fn(Apple) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>) {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if let Some(apple) = Apple::start(backend).await {
            test(apple).await;
        }
    }
}

#[tokio::test]
async fn push_certificate_csr_upload_topic_and_key_checks() {
    on_both(|a| Box::pin(certificate_flow(a))).await;
}

#[tokio::test]
async fn enqueue_pushes_the_magic_and_failures_show_in_device_detail() {
    on_both(|a| Box::pin(push_on_enqueue(a))).await;
}
