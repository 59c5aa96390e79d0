//! `cultivar mdm push-cert csr|upload|show` through the built binary against `cultivar serve`
//! (SQLite). The test plays Apple's push portal: a CA signs the CSR the CLI wrote.
#![allow(clippy::unwrap_used)]

mod common;

use common::{dir_arg, run, serve};
use cultivar_crypto::CertificateAuthority;
use serde_json::Value;

const TOPIC: &str = "com.apple.mgmt.External.0a0b0c0d-1111-2222-3333-444455556666";
const OTHER_TOPIC: &str = "com.apple.mgmt.External.ffffffff-1111-2222-3333-444455556666";

struct World {
    api: Vec<String>,
    dir: tempfile::TempDir,
    _server: tokio::process::Child,
}

impl World {
    async fn start() -> World {
        let dir = tempfile::tempdir().unwrap();
        let data_arg = dir_arg(&dir.path().join("data"));
        let key_args = [
            "admin",
            "create-api-key",
            "--data-dir",
            &data_arg,
            "--name",
            "push",
        ];
        let key = run(&key_args, "").await;
        assert!(key.ok, "{}", key.stderr);
        let (server, url) = serve(&data_arg).await;
        World {
            api: vec![
                "--url".into(),
                url,
                "--api-key".into(),
                key.stdout.trim().into(),
            ],
            dir,
            _server: server,
        }
    }

    async fn cli(&self, args: &[&str], json: bool) -> (bool, String) {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(self.api.iter().map(String::as_str));
        if json {
            all.push("--json");
        }
        let out = run(&all, "").await;
        (
            out.ok,
            if out.ok {
                out.stdout
            } else {
                out.stdout + &out.stderr
            },
        )
    }

    async fn json(&self, args: &[&str]) -> (bool, Value) {
        let (ok, text) = self.cli(args, true).await;
        let doc = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{args:?}: not one JSON document ({e}): {text}"));
        (ok, doc)
    }

    /// `csr --out FILE`, then the portal signs the file for `topic`; returns the cert's path.
    async fn signed_cert(&self, portal: &CertificateAuthority, topic: &str, n: u64) -> String {
        let csr_path = self.dir.path().join(format!("push-{n}.csr"));
        let csr_arg = dir_arg(&csr_path);
        let (ok, doc) = self
            .json(&["mdm", "push-cert", "csr", "--out", &csr_arg])
            .await;
        assert!(ok, "csr: {doc}");
        let csr = std::fs::read(&csr_path).unwrap();
        let issued = portal.issue_push_certificate(&csr, topic, 365, n).unwrap();
        let cert_path = self.dir.path().join(format!("push-{n}.der"));
        // DER on purpose: the portal's download is DER; PEM is covered by the HTTP tests.
        std::fs::write(&cert_path, &issued.certificate_der).unwrap();
        dir_arg(&cert_path)
    }
}

#[tokio::test]
async fn push_cert_csr_upload_and_show() {
    let w = World::start().await;
    let portal = CertificateAuthority::generate("Test Apple push CA", 30).unwrap();
    let (ok, shown) = w.json(&["mdm", "push-cert", "show"]).await;
    assert!(ok, "{shown}");
    assert_eq!(shown["status"], "none");
    let cert = w.signed_cert(&portal, TOPIC, 2).await;
    let (ok, shown) = w.json(&["mdm", "push-cert", "show"]).await;
    assert!(ok);
    assert_eq!(shown["status"], "awaiting_certificate");
    let (ok, up) = w.json(&["mdm", "push-cert", "upload", &cert]).await;
    assert!(ok, "upload: {up}");
    assert_eq!(
        (up["status"].as_str(), up["topic"].as_str()),
        (Some("active"), Some(TOPIC))
    );
    assert!(up["not_after"].is_string(), "{up}");
    let (ok, text) = w.cli(&["mdm", "push-cert", "show"], false).await;
    assert!(
        ok && text.contains(TOPIC) && text.contains("active"),
        "{text}"
    );

    let other = w.signed_cert(&portal, OTHER_TOPIC, 3).await;
    let (ok, text) = w.cli(&["mdm", "push-cert", "upload", &other], false).await;
    assert!(!ok, "a new topic needs --force: {text}");
    assert!(text.contains("--force"), "{text}");
    let (_, shown) = w.json(&["mdm", "push-cert", "show"]).await;
    assert_eq!(shown["topic"], TOPIC, "nothing changed");
    let (ok, up) = w
        .json(&["mdm", "push-cert", "upload", &other, "--force"])
        .await;
    assert!(ok, "{up}");
    assert_eq!(up["topic"], OTHER_TOPIC);
}
