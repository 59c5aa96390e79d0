//! The stand-in's own checks, driven by a raw HTTP/2 client (not PushClient).
#![allow(clippy::unwrap_used)]

use cultivar_apns::standin::ApnsStandIn;
use cultivar_crypto::{generate_push_csr, CertificateAuthority};
use tokio::net::TcpListener;

const TOPIC: &str = "com.apple.mgmt.External.11111111-2222-4333-8444-555555555555";

async fn standin(ca: &CertificateAuthority) -> ApnsStandIn {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ApnsStandIn::start(listener, &ca.certificate_pem().unwrap()).unwrap()
}

fn raw_client(s: &ApnsStandIn, identity: Option<String>) -> reqwest::Client {
    let root = reqwest::Certificate::from_pem(s.server_certificate_pem().as_bytes()).unwrap();
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .http2_prior_knowledge()
        .add_root_certificate(root);
    if let Some(pem) = identity {
        b = b.identity(reqwest::Identity::from_pem(pem.as_bytes()).unwrap());
    }
    b.build().unwrap()
}

#[tokio::test]
async fn a_client_without_certificate_is_refused_at_tls() {
    let ca = CertificateAuthority::generate("Push CA", 30).unwrap();
    let s = standin(&ca).await;
    let url = format!("{}/3/device/abcd", s.base_url());
    let sent = raw_client(&s, None)
        .post(url)
        .body(r#"{"mdm":"x"}"#)
        .send()
        .await;
    assert!(sent.is_err(), "{sent:?}");
    assert!(s.wait_for_tls_rejections(1).await >= 1);
    assert!(s.pushes().is_empty());
}

#[tokio::test]
async fn malformed_pushes_get_apns_reasons_and_are_not_recorded() {
    let ca = CertificateAuthority::generate("Push CA", 30).unwrap();
    let s = standin(&ca).await;
    let csr = generate_push_csr("push").unwrap();
    let cert = ca
        .issue_push_certificate(csr.csr_pem.as_bytes(), TOPIC, 30, 3)
        .unwrap();
    let client = raw_client(
        &s,
        Some(format!("{}{}", cert.certificate_pem, csr.private_key_pem)),
    );
    let cases = [
        (
            "abcd",
            r#"{"aps":{"alert":"hi"},"mdm":"m"}"#,
            Some(TOPIC),
            400,
            "BadPayload",
        ),
        ("abcd", r#"{"mdm":""}"#, Some(TOPIC), 400, "BadPayload"),
        ("xyz1", r#"{"mdm":"m"}"#, Some(TOPIC), 400, "BadDeviceToken"),
        (
            "abcd",
            r#"{"mdm":"m"}"#,
            Some("com.apple.mgmt.other"),
            403,
            "TopicDisallowed",
        ),
    ];
    for (token, body, topic, status, reason) in cases {
        let mut req = client
            .post(format!("{}/3/device/{token}", s.base_url()))
            .body(body);
        if let Some(topic) = topic {
            req = req.header("apns-topic", topic);
        }
        let answer = req.send().await.unwrap();
        assert_eq!(answer.version(), reqwest::Version::HTTP_2);
        assert_eq!(answer.status().as_u16(), status, "{body}");
        let json: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(json["reason"], reason, "{body}");
    }
    assert!(s.pushes().is_empty());
    // Without apns-topic the certificate's topic is used, as at APNs.
    let answer = client
        .post(format!("{}/3/device/ABCD", s.base_url()))
        .body(r#"{"mdm":"m"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    assert!(answer.headers().contains_key("apns-id"));
    let pushes = s.wait_for_pushes(1).await;
    assert_eq!(
        (pushes[0].topic.as_str(), pushes[0].push_magic.as_str()),
        (TOPIC, "m")
    );
}
