//! HTTPS served directly (`tls_cert`/`tls_key`): a real handshake against a certificate made in
//! the test, graceful shutdown over TLS, and unusable files refused at start naming the flag.

use std::path::{Path, PathBuf};

use cultivar_server::{serve, Config};
use cultivar_testkit::{Backend, TestServer};
use reqwest::StatusCode;
use tokio::{net::TcpListener, sync::oneshot};

struct Identity {
    cert: PathBuf,
    key: PathBuf,
    cert_pem: String,
}

fn write_identity(dir: &Path, name: &str) -> Identity {
    let pair =
        cultivar_crypto::generate_tls_server_identity(&["127.0.0.1", "localhost"], 2).unwrap();
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    std::fs::write(&cert, &pair.certificate_pem).unwrap();
    std::fs::write(&key, &pair.private_key_pem).unwrap();
    Identity {
        cert,
        key,
        cert_pem: pair.certificate_pem,
    }
}

/// A client trusting only `cert_pem` (no public roots), so a success proves our certificate.
fn client_trusting(cert_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn healthz_over_https_with_the_configured_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let id = write_identity(dir.path(), "server");
    let server = TestServer::start_with(Backend::Sqlite, |c| {
        c.tls_cert = Some(id.cert.clone());
        c.tls_key = Some(id.key.clone());
    })
    .await
    .unwrap();
    let url = format!("https://{}/healthz", server.addr());
    let response = client_trusting(&id.cert_pem)
        .get(&url)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");

    // Plain HTTP on the TLS port gets no HTTP answer.
    let plain = server.http().get(server.url_for("/healthz")).send().await;
    assert!(plain.is_err(), "{plain:?}");
    // Nor does a client that does not trust the certificate.
    let other = write_identity(dir.path(), "other");
    let refused = client_trusting(&other.cert_pem).get(&url).send().await;
    assert!(refused.is_err(), "{refused:?}");
    // The server keeps serving after failed handshakes.
    let again = client_trusting(&id.cert_pem)
        .get(&url)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    // Without --public-url, profiles and links get the https:// base.
    assert!(server
        .state()
        .config
        .public_base_url()
        .starts_with("https://127.0.0.1:"));
}

fn config_in(data_dir: &Path, cert: &Path, key: &Path) -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.to_owned(),
        tls_cert: Some(cert.to_owned()),
        tls_key: Some(key.to_owned()),
        ..Config::default()
    }
}

#[tokio::test]
async fn shutdown_over_tls_is_graceful() {
    let dir = tempfile::tempdir().unwrap();
    let id = write_identity(dir.path(), "server");
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let config = config_in(dir.path(), &id.cert, &id.key);
    let task = tokio::spawn(serve(config, listener, async move {
        let _ = stopped.await;
    }));
    let client = client_trusting(&id.cert_pem);
    let url = format!("https://{addr}/healthz");
    assert_eq!(
        client.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
    assert!(client.get(&url).send().await.is_err());
}

async fn start_error(config: Config) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    // `serve` must fail before serving, so the shutdown signal never matters.
    serve(config, listener, std::future::pending())
        .await
        .unwrap_err()
        .to_string()
}

#[tokio::test]
async fn unusable_files_are_refused_at_start_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_identity(dir.path(), "a");
    let b = write_identity(dir.path(), "b");

    let err = start_error(config_in(dir.path(), &a.cert, &b.key)).await;
    assert!(err.starts_with("--tls-key "), "{err}");
    assert!(
        err.contains("does not match the certificate in --tls-cert"),
        "{err}"
    );

    let missing = dir.path().join("missing.crt");
    let err = start_error(config_in(dir.path(), &missing, &a.key)).await;
    assert!(
        err.starts_with(&format!("--tls-cert {}: cannot be read", missing.display())),
        "{err}"
    );

    // A key where the certificate should be: no certificate in it.
    let err = start_error(config_in(dir.path(), &a.key, &a.key)).await;
    assert!(err.starts_with("--tls-cert "), "{err}");
    assert!(err.contains("no PEM CERTIFICATE"), "{err}");

    let err = start_error(config_in(dir.path(), &a.cert, &a.cert)).await;
    assert!(err.starts_with("--tls-key "), "{err}");
    assert!(err.contains("no usable PEM private key"), "{err}");
}
