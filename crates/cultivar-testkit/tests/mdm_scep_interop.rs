//! cultivar's built-in SCEP CA against a third-party RFC 8894 client: micromdm's `scepclient`
//! (Debian's `scep`) run as a child process against a real server on 127.0.0.1. It gets a
//! device certificate with a one-time challenge, cannot reuse the challenge, and its renewal
//! request is refused (cultivar does not offer SCEP renewal).
//!
//! The client is `$CULTIVAR_SCEPCLIENT` or `scepclient` on PATH (`scripts/test` installs it).
//! Without one the tests are skipped with a message, except under `CI=true`, where they fail.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use cultivar_core::mdm::{secret_hash, DEFAULT_CHALLENGE_TTL};
use cultivar_store::MdmIssuedCert;
use cultivar_testkit::{Backend, TestServer};
use time::{Duration, OffsetDateTime};

/// The scepclient to run, or `None` (after saying so) when there is none outside CI.
fn scepclient() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CULTIVAR_SCEPCLIENT").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("scepclient"))
            .find(|candidate| candidate.is_file())
    });
    if on_path.is_some() {
        return on_path;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("scepclient is required in CI: set CULTIVAR_SCEPCLIENT or install Debian's scep");
    }
    eprintln!("skipped: no scepclient (set CULTIVAR_SCEPCLIENT or install Debian's scep)");
    None
}

/// One `scepclient` run against the server's `/scep`; its key and certificate live in `dir`.
async fn run_scepclient(
    client: &Path,
    server: &TestServer,
    dir: &Path,
    challenge: &str,
    cn: &str,
) -> Output {
    let output = tokio::process::Command::new(client)
        .arg("-server-url")
        .arg(server.url_for("/scep"))
        .arg("-challenge")
        .arg(challenge)
        .arg("-private-key")
        .arg(dir.join("device.key"))
        .arg("-certificate")
        .arg(dir.join("device.pem"))
        .arg("-cn")
        .arg(cn)
        .arg("-keySize")
        .arg("2048")
        .arg("-debug")
        // It writes its CSR next to the key; keep everything inside the temp dir.
        .current_dir(dir)
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    eprintln!(
        "scepclient exited with {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// scepclient got a CertRep FAILURE badRequest for `message_type`: it verified the reply's
/// signature and read its failInfo, so the refusal was a signed CertRep, not an HTTP error.
fn assert_refused(output: &Output, message_type: &str) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let expected = format!("{message_type} (");
    assert!(
        stdout.starts_with(&expected) && stdout.contains("request failed, failInfo: badRequest"),
        "expected a {message_type} FAILURE badRequest, got {stdout}"
    );
}

/// Every certificate cultivar has recorded as issued.
async fn issued(server: &TestServer) -> Vec<MdmIssuedCert> {
    let far = OffsetDateTime::now_utc() + Duration::days(365 * 100);
    server
        .store()
        .mdm_issued_certs_expiring(far, 10_000)
        .await
        .unwrap()
}

async fn ca_pem(server: &TestServer) -> String {
    let ca = server.state().mdm.device_ca().await.unwrap();
    ca.certificate_pem().to_owned()
}

async fn start() -> (TestServer, String) {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    // The challenge an enrollment profile carries, made as the profile makes it.
    let challenge = server
        .state()
        .mdm
        .create_scep_challenge("scepclient-interop", DEFAULT_CHALLENGE_TTL)
        .await
        .unwrap();
    (server, challenge)
}

#[tokio::test]
async fn scepclient_enrolls_with_a_one_time_challenge_and_cannot_reuse_it() {
    let Some(client) = scepclient() else { return };
    let (server, challenge) = start().await;
    let dir = tempfile::tempdir().unwrap();

    let first = run_scepclient(&client, &server, dir.path(), &challenge, "Interop Device").await;
    assert!(
        first.status.success(),
        "scepclient enrolls: {}",
        first.status
    );
    let pem = std::fs::read(dir.path().join("device.pem")).unwrap();
    cultivar_crypto::verify_issued_by(&pem, ca_pem(&server).await.as_bytes()).unwrap();
    let info = cultivar_crypto::token_pki::certificate_info(&pem).unwrap();
    assert_eq!(
        info.subject_common_name.as_deref(),
        Some("Interop Device"),
        "the requested CN"
    );
    let row = server
        .store()
        .mdm_issued_cert(&info.serial_hex)
        .await
        .unwrap()
        .expect("the certificate is recorded as issued");
    assert_eq!(row.challenge_hash, Some(secret_hash(&challenge)));
    assert_eq!(row.subject, "Interop Device");

    // A fresh key and no certificate: a plain PKCSReq, only the challenge is reused.
    let again_dir = tempfile::tempdir().unwrap();
    let again = run_scepclient(&client, &server, again_dir.path(), &challenge, "Second").await;
    assert!(!again.status.success(), "a used challenge is refused");
    assert_refused(&again, "PKCSReq");
    assert!(!again_dir.path().join("device.pem").exists());
    assert_eq!(issued(&server).await.len(), 1, "nothing new is issued");
    server.shutdown().await;
}

#[tokio::test]
async fn scepclient_renewal_request_is_refused_because_renewal_is_not_offered() {
    let Some(client) = scepclient() else { return };
    let (server, challenge) = start().await;
    let dir = tempfile::tempdir().unwrap();
    let first = run_scepclient(&client, &server, dir.path(), &challenge, "Renewing").await;
    assert!(
        first.status.success(),
        "scepclient enrolls: {}",
        first.status
    );
    let before = std::fs::read(dir.path().join("device.pem")).unwrap();

    // With a certificate already in place scepclient sends a RenewalReq signed by it; without
    // its old CSR it makes a new one, carrying the fresh, valid challenge.
    std::fs::remove_file(dir.path().join("csr.pem")).unwrap();
    let fresh = server
        .state()
        .mdm
        .create_scep_challenge("scepclient-renewal", Duration::hours(1))
        .await
        .unwrap();
    let renewal = run_scepclient(&client, &server, dir.path(), &fresh, "Renewing").await;
    assert!(!renewal.status.success(), "RenewalReq gets a FAILURE");
    assert_refused(&renewal, "RenewalReq");
    assert_eq!(
        std::fs::read(dir.path().join("device.pem")).unwrap(),
        before
    );
    assert_eq!(issued(&server).await.len(), 1, "nothing new is issued");
    let hash = secret_hash(&fresh);
    let row = server.store().mdm_challenge(&hash).await.unwrap().unwrap();
    assert!(row.used_at.is_none(), "a refused renewal consumes nothing");
    server.shutdown().await;
}
