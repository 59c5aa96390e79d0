//! The APNs push certificate and MDM pushes over real HTTP on SQLite and PostgreSQL: the test
//! plays Apple's push portal (a CA signs cultivar's CSR with a topic) and APNs (the
//! cultivar-apns stand-in, trusting that CA). CSR → signed → upload → show; a new topic
//! refused without force; a certificate for another key refused with nothing changed; an
//! enqueued command pushes exactly `{"mdm":"<PushMagic>"}` to the channel's token; a permanent
//! APNs refusal is kept on the channel.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use cultivar_api_types::{mdm::SendCommand, push_cert::PushCertView};
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
            at,
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

/// APNs' `Unregistered` is permanent: reported, kept on the channel, cleared by a delivery
/// (which a transient 503 only delays: it is retried).
async fn permanent_failure_kept(apple: &Apple, store: &dyn Store) {
    enroll(store, "UDID-PUSH-2", "0badc0de", "MAGIC-2").await;
    apple.apns.fail_token("0badc0de", Failure::Unregistered);
    let ids = ["UDID-PUSH-2".to_owned(), "UDID-NOBODY".to_owned()];
    let reports = apple.server.state().mdm.push_channels(&ids).await.unwrap();
    let results: Vec<_> = reports.iter().map(|r| r.result.clone()).collect();
    assert!(
        results.contains(&PushResult::Permanent {
            reason: "Unregistered".to_owned()
        }),
        "{results:?}"
    );
    assert!(results.contains(&PushResult::Skipped {
        reason: "no such channel"
    }));
    let kept = store.mdm_push_error("UDID-PUSH-2").await.unwrap().unwrap();
    assert_eq!(kept.reason, "Unregistered");
    apple.apns.clear_failure("0badc0de");
    // A transient 503 is retried (PushClient's backoff) and then delivered.
    apple
        .apns
        .fail_token_times("0badc0de", Failure::ServiceUnavailable, 1);
    let reports = apple
        .server
        .state()
        .mdm
        .push_channels(&ids[..1])
        .await
        .unwrap();
    assert_eq!(reports[0].result, PushResult::Delivered);
    assert_eq!(store.mdm_push_error("UDID-PUSH-2").await.unwrap(), None);
    let pushes = apple.apns.wait_for_pushes(2).await;
    assert_eq!(pushes[1].body, br#"{"mdm":"MAGIC-2"}"#.to_vec());
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
async fn enqueue_pushes_the_magic_and_permanent_errors_are_kept() {
    on_both(|a| Box::pin(push_on_enqueue(a))).await;
}
