//! Push wake-up through the built binary: `sim apns serve` plays APNs, `serve` pushes to it
//! (CULTIVAR_APNS_URL / CULTIVAR_APNS_CA_FILE) with a push certificate made by `mdm push-cert
//! csr`, signed by a test CA and uploaded; a device enrolled by `sim devices enroll` is woken
//! by `sim devices listen` and answers the command `commands send` queued, which the activity
//! log (`commands list`) shows acknowledged.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{cultivar, dir_arg, run};
use cultivar_crypto::CertificateAuthority;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

const TOPIC: &str = "com.apple.mgmt.External.11111111-2222-4333-8444-555555555555";

/// Spawns `cmd` and returns its first `n` stdout lines (its announcement).
async fn announced(mut cmd: tokio::process::Command, n: usize) -> (Child, Vec<String>) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut out = Vec::new();
    while out.len() < n {
        out.push(lines.next_line().await.unwrap().expect("exited early"));
    }
    // Keep reading: a closed pipe would make the child's next print fail.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, out)
}

/// Runs `cultivar ARGS TAIL`.
async fn run_with(args: &[&str], tail: &[&str]) -> common::Run {
    run(&[args, tail].concat(), "").await
}

fn ok(r: &common::Run) -> serde_json::Value {
    assert!(r.ok, "{} {}", r.stdout, r.stderr);
    serde_json::from_str(&r.stdout).unwrap_or(serde_json::Value::Null)
}

#[tokio::test]
async fn a_listening_device_wakes_on_the_push_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir_arg(&dir.path().join(name));
    let portal = CertificateAuthority::generate("Test Apple push CA", 30).unwrap();
    std::fs::write(path("portal.pem"), portal.certificate_pem().unwrap()).unwrap();
    let standin = [
        "sim",
        "apns",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--feed-listen",
        "127.0.0.1:0",
        "--client-ca",
        &path("portal.pem"),
        "--ca-out",
        &path("standin.pem"),
    ];
    let (_apns, lines) = announced(cultivar(&standin), 2).await;
    let apns_url = lines[0].rsplit(' ').next().unwrap().to_owned();
    let feed = lines[1].strip_prefix("push feed: ").unwrap().to_owned();

    let data = path("data");
    let key = run(
        &[
            "admin",
            "create-api-key",
            "--data-dir",
            &data,
            "--name",
            "t",
        ],
        "",
    )
    .await;
    let key = key.stdout.trim().to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let listen = format!("127.0.0.1:{port}");
    let mut serve = cultivar(&[
        "serve",
        "--listen",
        &listen,
        "--public-url",
        &url,
        "--data-dir",
        &data,
    ]);
    serve
        .env("CULTIVAR_APNS_URL", &apns_url)
        .env("CULTIVAR_APNS_CA_FILE", path("standin.pem"));
    let (_server, _) = announced(serve, 1).await;
    let api = ["--url", url.as_str(), "--api-key", key.as_str(), "--json"];
    let csr_file = path("csr.pem");
    ok(&run_with(&["mdm", "push-cert", "csr", "--out", &csr_file], &api).await);
    let csr = std::fs::read(&csr_file).unwrap();
    let cert = portal.issue_push_certificate(&csr, TOPIC, 365, 2).unwrap();
    let cert_file = path("push.pem");
    std::fs::write(&cert_file, cert.certificate_pem).unwrap();
    ok(&run_with(&["mdm", "push-cert", "upload", &cert_file], &api).await);
    let link = ok(&run_with(&["enroll", "link"], &api).await);
    let state = path("devices.json");
    let sim_tail = [
        "--server",
        url.as_str(),
        "--state",
        state.as_str(),
        "--json",
    ];
    let profile_url = link["url"].as_str().unwrap();
    let enroll = [
        "sim",
        "devices",
        "enroll",
        "--count",
        "1",
        "--profile-url",
        profile_url,
    ];
    let enrolled = ok(&run_with(&enroll, &sim_tail).await);
    assert_eq!(enrolled["enrolled"], 1, "{enrolled}");
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    let udid = saved["devices"][0]["udid"].as_str().unwrap().to_owned();

    let queued = ok(&run_with(&["commands", "send", &udid, "ProfileList"], &api).await);
    let uuid = queued["command_uuid"].as_str().unwrap().to_owned();
    // The queue is drained by the session a push starts (nobody runs one by hand).
    let listen = [
        "sim",
        "devices",
        "listen",
        "--push-feed",
        &feed,
        "--wakes",
        "1",
    ];
    let woke = tokio::time::timeout(Duration::from_secs(120), run_with(&listen, &sim_tail))
        .await
        .expect("no push woke the device");
    assert!(woke.ok, "{} {}", woke.stdout, woke.stderr);
    assert!(woke.stdout.contains(&uuid), "{}", woke.stdout);
    let list = ["commands", "list", &udid, "--type", "ProfileList"];
    let log = ok(&run_with(&list, &api).await);
    let entry = log["commands"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["command_uuid"] == uuid.as_str())
        .cloned()
        .unwrap_or_default();
    assert_eq!(entry["state"], "acknowledged", "{log}");
}
