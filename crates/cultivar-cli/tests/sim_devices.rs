//! `cultivar sim devices enroll --profile-url` and `cultivar sim devices run` through the built
//! binary against `cultivar serve` (SQLite): devices enroll from one-time download links, the
//! state file feeds the load mode, a used link is a reported failure; and the argument rules.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::{cultivar, dir_arg, run, Run};
use cultivar_store::MdmPushActive;
use time::{Duration, OffsetDateTime};
use tokio::io::{AsyncBufReadExt, BufReader};

const TOPIC: &str = "com.apple.mgmt.External.11111111-2222-3333-4444-555555555555";

struct World {
    url: String,
    key: String,
    state: PathBuf,
    _dir: tempfile::TempDir,
    _server: tokio::process::Child,
}

impl World {
    /// `serve` with an API key and a push certificate in the store (profiles need its topic).
    async fn start() -> World {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let data_arg = dir_arg(&data);
        let args = [
            "admin",
            "create-api-key",
            "--data-dir",
            &data_arg,
            "--name",
            "f",
        ];
        let key = run(&args, "").await;
        assert!(key.ok, "{}", key.stderr);
        let (server, url) = serve_public(&data_arg).await;
        let store = cultivar_store::open(&cultivar_store::sqlite_url_for_data_dir(&data))
            .await
            .unwrap();
        let now = OffsetDateTime::now_utc();
        let active = MdmPushActive {
            topic: TOPIC.into(),
            certificate_pem: "-----BEGIN CERTIFICATE-----\ntest\n".into(),
            private_key_sealed: vec![1],
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(300),
            uploaded_at: now,
        };
        store.install_mdm_push_cert(&active, None).await.unwrap();
        World {
            url,
            key: key.stdout.trim().into(),
            state: dir.path().join("devices.json"),
            _dir: dir,
            _server: server,
        }
    }

    async fn link(&self) -> String {
        let args = [
            "enroll",
            "link",
            "--json",
            "--url",
            &self.url,
            "--api-key",
            &self.key,
        ];
        let r = run(&args, "").await;
        assert!(r.ok, "{}", r.stderr);
        let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        doc["url"].as_str().unwrap().to_string()
    }

    async fn sim(&self, args: &[&str]) -> (Run, serde_json::Value) {
        let state = dir_arg(&self.state);
        let mut all = vec!["sim", "devices"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--server", &self.url, "--state", &state, "--json"]);
        let r = run(&all, "").await;
        let doc = serde_json::from_str(&r.stdout).unwrap_or(serde_json::Value::Null);
        (r, doc)
    }
}

/// `serve` on a port chosen beforehand, so the profile's URLs (from `--public-url`) reach it:
/// a server on port 0 writes `:0` into its profiles.
async fn serve_public(data_dir: &str) -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (listen, url) = (
        format!("127.0.0.1:{port}"),
        format!("http://127.0.0.1:{port}"),
    );
    let args = [
        "serve",
        "--listen",
        &listen,
        "--public-url",
        &url,
        "--data-dir",
        data_dir,
    ];
    let mut child = cultivar(&args)
        // As behind a TLS-terminating proxy that forwards the client certificate.
        .env("CULTIVAR_MDM_CERT_HEADER", "X-Client-Cert")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(bound) = line.strip_prefix("cultivar listening on ") {
            assert_eq!(bound, url);
            return (child, url);
        }
    }
    panic!(
        "serve exited without announcing its address: {:?}",
        child.wait().await
    );
}

#[tokio::test]
async fn devices_enroll_from_links_and_the_load_mode_runs_their_sessions() {
    let w = World::start().await;
    let (a, b) = (w.link().await, w.link().await);
    let args = [
        "enroll",
        "--count",
        "2",
        "--profile-url",
        &a,
        "--profile-url",
        &b,
        "--concurrency",
        "2",
    ];
    let (r, doc) = w.sim(&args).await;
    assert!(r.ok, "{} {}", r.stdout, r.stderr);
    assert_eq!(doc["enrolled"], 2, "{doc}");
    assert_eq!(doc["failed"], 0, "{doc}");
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&w.state).unwrap()).unwrap();
    assert_eq!(saved["devices"].as_array().unwrap().len(), 2);

    let load = [
        "run",
        "--devices",
        "2",
        "--workers",
        "2",
        "--iterations",
        "3",
    ];
    let (r, doc) = w.sim(&load).await;
    assert!(r.ok, "{} {}", r.stdout, r.stderr);
    assert_eq!(doc["sessions"], 6, "{doc}");
    assert_eq!(doc["errors"], 0, "{doc}");
    // Each session is at least its Idle poll; DeviceInformation queued at enrollment adds more.
    assert!(doc["round_trips"].as_u64().unwrap() > 6, "{doc}");
    assert!(doc["commands"].as_u64().unwrap() >= 2, "{doc}");
    assert!(doc["p99_ms"].as_f64().unwrap() >= doc["p50_ms"].as_f64().unwrap());

    // The identity in the proxy's header instead of a signature: the server trusts that header.
    let mut forwarded = load.to_vec();
    forwarded.extend(["--client-cert-header", "X-Client-Cert"]);
    let (r, doc) = w.sim(&forwarded).await;
    assert!(r.ok, "{} {}", r.stdout, r.stderr);
    assert_eq!(
        (doc["sessions"].as_u64(), doc["errors"].as_u64()),
        (Some(6), Some(0)),
        "{doc}"
    );
    // A header the server does not trust carries no identity: every session is refused.
    let mut untrusted = load.to_vec();
    untrusted.extend(["--client-cert-header", "X-Something-Else"]);
    let (r, doc) = w.sim(&untrusted).await;
    assert!(!r.ok, "{} {}", r.stdout, r.stderr);
    assert_eq!(doc["errors"], 6, "{doc}");
    assert!(
        doc["first_error"].as_str().unwrap().contains("400"),
        "{doc}"
    );

    let too_many = [
        "run",
        "--devices",
        "3",
        "--workers",
        "1",
        "--iterations",
        "1",
    ];
    let (r, _) = w.sim(&too_many).await;
    assert!(!r.ok && r.stdout.contains("--devices"), "{}", r.stdout);
}

#[tokio::test]
async fn a_used_link_is_a_reported_failure_and_keeps_no_device() {
    let w = World::start().await;
    let link = w.link().await;
    let (r, _) = w.sim(&["enroll", "--profile-url", &link]).await;
    assert!(r.ok, "{}", r.stderr);
    let (r, doc) = w.sim(&["enroll", "--profile-url", &link]).await;
    assert!(!r.ok, "a used link must fail");
    assert_eq!(doc["failed"], 1, "{doc}");
    let error = doc["devices"][0]["error"].as_str().unwrap();
    assert!(error.contains("403"), "{error}");
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&w.state).unwrap()).unwrap();
    assert!(saved["devices"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn enroll_needs_exactly_one_mode_and_ade_needs_the_abm_simulator() {
    let base = ["sim", "devices", "enroll", "--server", "http://127.0.0.1:1"];
    let cases: [(&[&str], &str); 4] = [
        (&[], "--ade"),
        (&["--ade"], "--abm-sim"),
        (&["--abm-sim", "http://x"], "--ade"),
        (
            &[
                "--ade",
                "--abm-sim",
                "http://x",
                "--profile-url",
                "http://y",
            ],
            "cannot be used",
        ),
    ];
    for (extra, expect) in cases {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        let r = run(&args, "").await;
        assert!(!r.ok, "{extra:?} must be refused");
        assert!(r.stderr.contains(expect), "{extra:?}: {}", r.stderr);
    }
    let r = run(&["sim", "devices", "run", "--server", "http://x"], "").await;
    assert!(!r.ok && r.stderr.contains("--devices"), "{}", r.stderr);
}

#[tokio::test]
async fn ade_enroll_names_the_shortfall_of_devices_with_a_profile() {
    let (_sim, sim_url) = common::sim_serve(&["--devices", "3"]).await;
    let args = [
        "sim",
        "devices",
        "enroll",
        "--server",
        "http://127.0.0.1:1",
        "--ade",
        "--abm-sim",
        &sim_url,
        "--count",
        "2",
        "--json",
    ];
    let r = run(&args, "").await;
    assert!(!r.ok, "no device has an ADE profile yet");
    assert!(
        r.stdout.contains("--count") && r.stdout.contains("0 device(s) with an ADE profile"),
        "{}",
        r.stdout
    );
}
