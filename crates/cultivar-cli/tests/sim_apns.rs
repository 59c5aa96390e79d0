//! `cultivar sim apns serve` through the built binary: it announces its URL, its push feed and
//! where it wrote its CA; a push made with a certificate from the client CA is accepted and
//! appears on the feed; an unreadable `--client-ca` is refused naming the flag.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Stdio;

use cultivar_crypto::{generate_push_csr, CertificateAuthority};
use tokio::io::{AsyncBufReadExt, BufReader};

const TOPIC: &str = "com.apple.mgmt.External.11111111-2222-4333-8444-555555555555";

#[tokio::test]
async fn serve_announces_accepts_pushes_and_feeds_them() {
    let dir = tempfile::tempdir().unwrap();
    let ca = CertificateAuthority::generate("Push CA", 30).unwrap();
    let ca_file = dir.path().join("push-ca.pem");
    std::fs::write(&ca_file, ca.certificate_pem().unwrap()).unwrap();
    let out_file = dir.path().join("standin.pem");
    let (ca_arg, out_arg) = (common::dir_arg(&ca_file), common::dir_arg(&out_file));
    let mut child = common::cultivar(&[
        "sim",
        "apns",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--feed-listen",
        "127.0.0.1:0",
        "--client-ca",
        &ca_arg,
        "--ca-out",
        &out_arg,
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut announced = Vec::new();
    for _ in 0..3 {
        announced.push(lines.next_line().await.unwrap().unwrap());
    }
    let url = announced[0]
        .strip_prefix("cultivar APNs stand-in listening on ")
        .unwrap();
    let feed = announced[1].strip_prefix("push feed: ").unwrap();
    assert_eq!(announced[2], format!("server CA written to {out_arg}"));

    let csr = generate_push_csr("push").unwrap();
    let cert = ca
        .issue_push_certificate(csr.csr_pem.as_bytes(), TOPIC, 30, 2)
        .unwrap();
    let identity = format!("{}{}", cert.certificate_pem, csr.private_key_pem);
    let root = reqwest::Certificate::from_pem(&std::fs::read(&out_file).unwrap()).unwrap();
    let apns = reqwest::Client::builder()
        .use_rustls_tls()
        .http2_prior_knowledge()
        .add_root_certificate(root)
        .identity(reqwest::Identity::from_pem(identity.as_bytes()).unwrap())
        .build()
        .unwrap();
    let sent = apns
        .post(format!("{url}/3/device/0a0b"))
        .body(r#"{"mdm":"M1"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status().as_u16(), 200);
    let page: serde_json::Value = reqwest::get(format!("{feed}?after=0"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["next"], 1, "{page}");
    assert_eq!(page["pushes"][0]["device_token"], "0a0b");
    assert_eq!(page["pushes"][0]["push_magic"], "M1");
    child.kill().await.unwrap();
}

#[tokio::test]
async fn an_unreadable_client_ca_is_refused_naming_the_flag() {
    let run = common::run(
        &[
            "sim",
            "apns",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--feed-listen",
            "127.0.0.1:0",
            "--client-ca",
            "/nonexistent/ca.pem",
        ],
        "",
    )
    .await;
    assert!(!run.ok);
    assert!(run.stderr.contains("--client-ca"), "{}", run.stderr);
}
