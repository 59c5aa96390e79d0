//! `cultivar serve --tls-cert FILE --tls-key FILE` through the built binary.
#![allow(clippy::unwrap_used)]

mod common;

use common::{dir_arg, run, spawn_announcing};

#[tokio::test]
async fn serve_with_tls_flags_announces_and_serves_https() {
    let dir = tempfile::tempdir().unwrap();
    let pair =
        cultivar_crypto::generate_tls_server_identity(&["127.0.0.1", "localhost"], 2).unwrap();
    let cert = dir.path().join("tls.crt");
    let key = dir.path().join("tls.key");
    std::fs::write(&cert, &pair.certificate_pem).unwrap();
    std::fs::write(&key, &pair.private_key_pem).unwrap();
    let data = dir.path().join("data");
    let (cert, key, data) = (dir_arg(&cert), dir_arg(&key), dir_arg(&data));
    let args = [
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        &data,
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
    ];
    let (_child, url) = spawn_announcing(&args, "cultivar listening on ").await;
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let client = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_pem(pair.certificate_pem.as_bytes()).unwrap(),
        )
        .build()
        .unwrap();
    let health = client.get(format!("{url}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), reqwest::StatusCode::OK);
}

#[tokio::test]
async fn one_tls_flag_alone_or_a_bad_file_fails_at_start_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir_arg(&dir.path().join("data"));
    let cert = dir.path().join("tls.crt");
    let pair = cultivar_crypto::generate_tls_server_identity(&["127.0.0.1"], 2).unwrap();
    std::fs::write(&cert, &pair.certificate_pem).unwrap();
    let cert = dir_arg(&cert);
    let base = ["serve", "--listen", "127.0.0.1:0", "--data-dir", &data];

    let alone = run(&[&base[..], &["--tls-cert", &cert]].concat(), "").await;
    assert!(!alone.ok);
    assert!(alone.stderr.contains("--tls-key"), "{}", alone.stderr);
    assert!(
        alone.stderr.contains("missing: --tls-cert is set"),
        "{}",
        alone.stderr
    );

    // The certificate given as its own key: read at start, refused before serving.
    let bad = run(
        &[&base[..], &["--tls-cert", &cert, "--tls-key", &cert]].concat(),
        "",
    )
    .await;
    assert!(!bad.ok);
    assert!(bad.stdout.is_empty(), "{}", bad.stdout);
    assert!(bad.stderr.contains("--tls-key "), "{}", bad.stderr);
    assert!(
        bad.stderr.contains("no usable PEM private key"),
        "{}",
        bad.stderr
    );
}
