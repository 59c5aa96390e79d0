//! The client against the stand-in over real HTTP/2 + TLS on 127.0.0.1:0.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use cultivar_apns::standin::{ApnsStandIn, Failure};
use cultivar_apns::{PushClient, PushError, PushOptions, PushTarget, Pusher, RetryPolicy, Sleeper};
use cultivar_crypto::{generate_push_csr, CertificateAuthority};
use tokio::net::TcpListener;

const TOPIC: &str = "com.apple.mgmt.External.0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const TOKEN: &str = "c0ffee00deadbeef0123456789abcdef0123456789abcdef0123456789abcdef";

#[derive(Default)]
struct RecordingSleeper(Mutex<Vec<Duration>>);

#[async_trait]
impl Sleeper for RecordingSleeper {
    async fn sleep(&self, duration: Duration) {
        self.0.lock().unwrap().push(duration);
    }
}

impl RecordingSleeper {
    fn delays(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

/// A push certificate + key (one PEM) issued by `ca` for `topic`.
fn push_identity(ca: &CertificateAuthority, topic: &str) -> String {
    let csr = generate_push_csr("push").unwrap();
    let cert = ca
        .issue_push_certificate(csr.csr_pem.as_bytes(), topic, 365, 9)
        .unwrap();
    format!("{}{}", cert.certificate_pem, csr.private_key_pem)
}

struct Setup {
    standin: ApnsStandIn,
    ca: CertificateAuthority,
    sleeper: Arc<RecordingSleeper>,
}

impl Setup {
    async fn new() -> Self {
        let ca = CertificateAuthority::generate("Test Apple push CA", 365).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let standin = ApnsStandIn::start(listener, &ca.certificate_pem().unwrap()).unwrap();
        Self {
            standin,
            ca,
            sleeper: Arc::new(RecordingSleeper::default()),
        }
    }

    fn client_with(&self, identity: &str, max_attempts: u32) -> PushClient {
        let options = PushOptions {
            retry: RetryPolicy {
                max_attempts,
                base_delay: Duration::from_millis(100),
                max_delay: Duration::from_secs(10),
                jitter: false,
            },
            sleeper: self.sleeper.clone(),
            concurrency: 4,
            extra_root_pem: Some(self.standin.server_certificate_pem().to_owned()),
            ..PushOptions::default()
        };
        PushClient::new(identity.as_bytes(), &self.standin.base_url(), options).unwrap()
    }

    fn client(&self, max_attempts: u32) -> PushClient {
        self.client_with(&push_identity(&self.ca, TOPIC), max_attempts)
    }
}

fn target(token: &str) -> PushTarget {
    PushTarget {
        device_token: token.into(),
        push_magic: "5F2D7A0E-6C1B-4E0F-9A55-0D8E3C2B1A77".into(),
        topic: TOPIC.into(),
    }
}

#[tokio::test]
async fn push_arrives_with_token_topic_and_exact_body() {
    let s = Setup::new().await;
    let mut events = s.standin.subscribe();
    let outcome = s
        .client(1)
        .push(&target(&TOKEN.to_uppercase()))
        .await
        .unwrap();
    assert_eq!(outcome.apns_id.len(), 36, "{outcome:?}");
    let pushes = s.standin.wait_for_pushes(1).await;
    assert_eq!(pushes.len(), 1);
    let p = &pushes[0];
    assert_eq!(p.device_token, TOKEN, "token sent as lowercase hex");
    assert_eq!(p.topic, TOPIC);
    assert_eq!(p.push_magic, "5F2D7A0E-6C1B-4E0F-9A55-0D8E3C2B1A77");
    assert_eq!(
        p.body,
        br#"{"mdm":"5F2D7A0E-6C1B-4E0F-9A55-0D8E3C2B1A77"}"#.to_vec()
    );
    assert_eq!(events.recv().await.unwrap(), *p);
    assert!(s.sleeper.delays().is_empty());
}

#[tokio::test]
async fn certificate_from_another_ca_is_refused_at_tls() {
    let s = Setup::new().await;
    let other = CertificateAuthority::generate("Not Apple", 365).unwrap();
    let client = s.client_with(&push_identity(&other, TOPIC), 3);
    let err = client.push(&target(TOKEN)).await.unwrap_err();
    assert!(s.standin.wait_for_tls_rejections(1).await >= 1);
    assert!(
        matches!(&err, PushError::Permanent { reason, status: None } if reason.starts_with("BadCertificate")),
        "{err:?}"
    );
    assert!(
        s.sleeper.delays().is_empty(),
        "a refused certificate is not retried"
    );
    assert!(s.standin.pushes().is_empty());
}

#[tokio::test]
async fn topic_other_than_the_certificates_is_disallowed() {
    let s = Setup::new().await;
    let mut t = target(TOKEN);
    t.topic = "com.apple.mgmt.External.ffffffff-0000-0000-0000-000000000000".into();
    let err = s.client(3).push(&t).await.unwrap_err();
    assert_eq!(
        err,
        PushError::Permanent {
            reason: "TopicDisallowed".into(),
            status: Some(403)
        }
    );
    assert!(s.standin.pushes().is_empty());
    assert!(s.sleeper.delays().is_empty());
}

#[tokio::test]
async fn permanent_failures_are_not_retried_and_transient_ones_are() {
    let s = Setup::new().await;
    let client = s.client(3);
    s.standin.fail_token(TOKEN, Failure::Unregistered);
    let err = client.push(&target(TOKEN)).await.unwrap_err();
    assert!(err.is_permanent());
    assert_eq!(err.reason(), Some("Unregistered"));
    assert!(matches!(
        err,
        PushError::Permanent {
            status: Some(410),
            ..
        }
    ));
    assert!(s.sleeper.delays().is_empty());

    s.standin.fail_token(TOKEN, Failure::ServiceUnavailable);
    let err = client.push(&target(TOKEN)).await.unwrap_err();
    assert_eq!(
        err,
        PushError::Transient {
            reason: "ServiceUnavailable".into(),
            status: Some(503),
            retry_after: None
        }
    );
    // Three attempts, two backoff waits (100 ms, then 200 ms).
    assert_eq!(
        s.sleeper.delays(),
        vec![Duration::from_millis(100), Duration::from_millis(200)]
    );
    assert!(s.standin.pushes().is_empty());
}

#[tokio::test]
async fn transient_failures_are_retried_until_the_push_goes_through() {
    let s = Setup::new().await;
    let client = s.client(4);
    s.standin.fail_token_times(
        TOKEN,
        Failure::TooManyRequests {
            retry_after_secs: 2,
        },
        2,
    );
    client.push(&target(TOKEN)).await.unwrap();
    assert_eq!(
        s.sleeper.delays(),
        vec![Duration::from_secs(2), Duration::from_secs(2)],
        "Retry-After is honoured"
    );
    assert_eq!(s.standin.wait_for_pushes(1).await.len(), 1);

    let other = "ab".repeat(32);
    s.standin
        .fail_token_times(&other, Failure::ServiceUnavailable, 1);
    client.push(&target(&other)).await.unwrap();
    assert_eq!(s.sleeper.delays()[2], Duration::from_millis(100));
    assert_eq!(s.standin.wait_for_pushes(2).await[1].device_token, other);
}

#[tokio::test]
async fn push_many_delivers_every_push_in_order_of_targets() {
    let s = Setup::new().await;
    let client = s.client(2);
    let tokens: Vec<String> = (0..25u32).map(|i| format!("{i:064x}")).collect();
    s.standin.fail_token(&tokens[3], Failure::BadDeviceToken);
    let targets: Vec<PushTarget> = tokens.iter().map(|t| target(t)).collect();
    let results = client.push_many(&targets).await;
    assert_eq!(results.len(), 25);
    for (i, r) in results.iter().enumerate() {
        if i == 3 {
            assert_eq!(r.as_ref().unwrap_err().reason(), Some("BadDeviceToken"));
        } else {
            assert!(r.is_ok(), "{i}: {r:?}");
        }
    }
    let mut got: Vec<String> = s
        .standin
        .wait_for_pushes(24)
        .await
        .into_iter()
        .map(|p| p.device_token)
        .collect();
    got.sort();
    let mut want: Vec<String> = tokens
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i != 3)
        .map(|(_, t)| t)
        .collect();
    want.sort();
    assert_eq!(got, want);
}

#[tokio::test]
async fn bad_inputs_are_refused_before_sending() {
    let s = Setup::new().await;
    let client = s.client(1);
    let err = client.push(&target("xyz")).await.unwrap_err();
    assert!(
        matches!(
            err,
            PushError::InvalidTarget {
                field: "device_token",
                ..
            }
        ),
        "{err}"
    );
    let err = PushClient::new(
        b"no pem here",
        &s.standin.base_url(),
        PushOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("identity:"), "{err}");
    let identity = push_identity(&s.ca, TOPIC);
    let err = PushClient::new(
        identity.as_bytes(),
        "http://127.0.0.1:1",
        PushOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("base_url:"), "{err}");
}
