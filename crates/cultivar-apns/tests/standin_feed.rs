//! The stand-in's push feed over real HTTP: a long poll answers once a push is accepted, pages
//! continue from `next`, an expired wait answers an empty page, and bad queries name the field.
#![allow(clippy::unwrap_used)]

use cultivar_apns::standin::ApnsStandIn;
use cultivar_crypto::{generate_push_csr, CertificateAuthority};
use tokio::net::TcpListener;

const TOPIC: &str = "com.apple.mgmt.External.11111111-2222-4333-8444-555555555555";

async fn get(url: &str) -> (u16, serde_json::Value) {
    let r = reqwest::get(url).await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn the_feed_long_polls_and_pages_accepted_pushes() {
    let ca = CertificateAuthority::generate("Push CA", 30).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut s = ApnsStandIn::start(listener, &ca.certificate_pem().unwrap()).unwrap();
    let feed = s
        .serve_feed(TcpListener::bind("127.0.0.1:0").await.unwrap())
        .unwrap();
    assert!(feed.ends_with(cultivar_apns::standin::FEED_PATH), "{feed}");
    let (status, empty) = get(&format!("{feed}?after=0&wait=0")).await;
    assert_eq!((status, empty["next"].as_u64()), (200, Some(0)), "{empty}");
    assert_eq!(empty["pushes"].as_array().map(Vec::len), Some(0));

    // A poll for what comes after the last push answers once one arrives.
    let first = format!("{feed}?after=0");
    let poll = tokio::spawn(async move { get(&first).await });
    let csr = generate_push_csr("push").unwrap();
    let cert = ca
        .issue_push_certificate(csr.csr_pem.as_bytes(), TOPIC, 30, 2)
        .unwrap();
    let identity = format!("{}{}", cert.certificate_pem, csr.private_key_pem);
    let root = reqwest::Certificate::from_pem(s.server_certificate_pem().as_bytes()).unwrap();
    let apns = reqwest::Client::builder()
        .use_rustls_tls()
        .http2_prior_knowledge()
        .add_root_certificate(root)
        .identity(reqwest::Identity::from_pem(identity.as_bytes()).unwrap())
        .build()
        .unwrap();
    let sent = apns
        .post(format!("{}/3/device/a1b2", s.base_url()))
        .body(r#"{"mdm":"MAGIC"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status().as_u16(), 200);
    let (status, page) = poll.await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(page["next"].as_u64(), Some(1), "{page}");
    let push = &page["pushes"][0];
    assert_eq!(
        (
            &push["index"],
            &push["device_token"],
            &push["topic"],
            &push["push_magic"]
        ),
        (
            &serde_json::json!(0),
            &serde_json::json!("a1b2"),
            &serde_json::json!(TOPIC),
            &serde_json::json!("MAGIC")
        )
    );
    let (_, later) = get(&format!("{feed}?after=1&wait=0")).await;
    assert_eq!(later["pushes"].as_array().map(Vec::len), Some(0), "{later}");
    assert_eq!(later["next"].as_u64(), Some(1));

    let (status, bad) = get(&format!("{feed}?after=x")).await;
    assert_eq!(status, 400);
    assert!(
        bad["error"].as_str().unwrap().starts_with("after:"),
        "{bad}"
    );
    let base = feed.trim_end_matches(cultivar_apns::standin::FEED_PATH);
    assert_eq!(get(&format!("{base}/nope")).await.0, 404);
}
