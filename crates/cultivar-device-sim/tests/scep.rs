//! The SCEP client against cultivar-crypto's SCEP server functions behind an axum handler, on
//! real HTTP: POST, GET-only CAs, GET fallback when POST is refused, a wrong challenge.
#![allow(clippy::unwrap_used)]

mod common;

use common::server::{ScepMode, TestServer};
use cultivar_device_sim::{scep, ScepPayload, SimError};

fn payload(server: &TestServer, challenge: &str) -> ScepPayload {
    ScepPayload {
        payload_uuid: "SCEP-UUID-1".into(),
        url: server.url("/scep"),
        name: Some("cultivar".into()),
        challenge: Some(challenge.into()),
        subject: vec![
            ("O".into(), "Cultivar".into()),
            ("CN".into(), "Device Identity".into()),
        ],
        keysize: 2048,
    }
}

async fn start(mode: ScepMode) -> (TestServer, String) {
    let ca = common::ca();
    let ca_pem = ca.certificate_pem().unwrap();
    (TestServer::start(ca, mode).await, ca_pem)
}

#[tokio::test]
async fn post_enrollment_issues_an_identity_that_signs() {
    let (server, ca_pem) = start(ScepMode::Post).await;
    let http = reqwest::Client::new();
    let issued = scep::enroll(&http, &payload(&server, "one-time-secret"))
        .await
        .unwrap();
    assert!(issued.used_post);
    assert!(issued.caps.iter().any(|c| c == "POSTPKIOperation"));
    let cert = &issued.identity.cert_pem;
    cultivar_crypto::verify_issued_by(cert, ca_pem.as_bytes()).unwrap();
    // The key SCEP generated is the certificate's: a signature made with it verifies.
    let header = issued.identity.sign(b"body").unwrap();
    let signer = cultivar_crypto::verify_mdm_signature(&header, b"body").unwrap();
    assert_eq!(signer.subject_cn.as_deref(), Some("Device Identity"));
    let seen = server.state.lock().unwrap().scep_requests.clone();
    assert_eq!(
        seen,
        ["GET GetCACaps", "GET GetCACert", "POST PKIOperation"]
    );
}

#[tokio::test]
async fn get_only_ca_and_post_refused_use_the_get_form() {
    for mode in [ScepMode::GetOnly, ScepMode::PostRefused] {
        let (server, ca_pem) = start(mode).await;
        let http = reqwest::Client::new();
        let issued = scep::enroll(&http, &payload(&server, "one-time-secret"))
            .await
            .unwrap();
        assert!(!issued.used_post, "{mode:?}");
        cultivar_crypto::verify_issued_by(&issued.identity.cert_pem, ca_pem.as_bytes()).unwrap();
        let seen = server.state.lock().unwrap().scep_requests.clone();
        let expected: &[&str] = match mode {
            ScepMode::GetOnly => &["GET GetCACaps", "GET GetCACert", "GET PKIOperation"],
            _ => &[
                "GET GetCACaps",
                "GET GetCACert",
                "POST PKIOperation",
                "GET PKIOperation",
            ],
        };
        assert_eq!(seen, expected, "{mode:?}");
    }
}

#[tokio::test]
async fn wrong_challenge_is_a_scep_failure() {
    let (server, _) = start(ScepMode::Post).await;
    let http = reqwest::Client::new();
    let err = scep::enroll(&http, &payload(&server, "guessed"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            SimError::Crypto {
                source: cultivar_crypto::CryptoError::ScepRejected { .. },
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("badRequest"), "{err}");
}

#[tokio::test]
async fn unreachable_or_bad_url_names_the_step() {
    let http = reqwest::Client::new();
    let mut p = ScepPayload {
        payload_uuid: "x".into(),
        url: "not a url".into(),
        name: None,
        challenge: None,
        subject: Vec::new(),
        keysize: 2048,
    };
    let err = scep::enroll(&http, &p).await.unwrap_err().to_string();
    assert!(err.starts_with("SCEP URL:"), "{err}");
    // A port nothing listens on (bound, then released).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    p.url = format!("http://{}/scep", listener.local_addr().unwrap());
    drop(listener);
    let err = scep::enroll(&http, &p).await.unwrap_err().to_string();
    assert!(err.starts_with("SCEP GetCACaps: HTTP request"), "{err}");
}
