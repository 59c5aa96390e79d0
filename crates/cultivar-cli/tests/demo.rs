//! `cultivar demo` as a child process: it announces readiness only after the ABM sync, the
//! push certificate, the ADE defaults and the ADE enrollments are done, so the API shows them
//! at once; Ctrl-C (SIGINT) stops it cleanly; bad arguments and a reused data dir are refused.
#![allow(clippy::unwrap_used)]

mod common;

use common::{cultivar, dir_arg, run};
use cultivar_api_types::mdm::{CommandListQuery, DeviceListQuery};
use cultivar_client::AdminClient;
use tokio::io::{AsyncBufReadExt, BufReader};

/// The demo's URL and API key, read from its stdout up to the ready line.
async fn start_demo(data_dir: &str) -> (tokio::process::Child, String, String) {
    let args = [
        "demo",
        "--data-dir",
        data_dir,
        "--devices",
        "5",
        "--enroll",
        "2",
    ];
    let mut child = cultivar(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut key = None;
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(k) = line.strip_prefix("API key") {
            key = Some(k.trim().to_owned());
        }
        if let Some(url) = line.strip_prefix("cultivar demo ready at ") {
            // Keep draining stdout so the child never blocks on a full pipe.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return (
                child,
                url.to_owned(),
                key.expect("API key line before ready"),
            );
        }
    }
    panic!("demo exited before it was ready: {:?}", child.wait().await);
}

#[tokio::test]
async fn demo_syncs_abm_devices_and_enrolls_some() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir_arg(&dir.path().join("demo"));
    let (mut child, url, key) = start_demo(&data).await;
    let api = AdminClient::new(&url, Some(key));
    let devices = api
        .devices(&DeviceListQuery {
            limit: Some(100),
            ..Default::default()
        })
        .await
        .unwrap()
        .devices;
    assert_eq!(devices.len(), 5, "{devices:?}");
    assert!(devices.iter().all(|d| d.abm.is_some()), "{devices:?}");
    let enrolled: Vec<_> = devices.iter().filter(|d| d.state == "enrolled").collect();
    let pending = devices.iter().filter(|d| d.state == "pending").count();
    assert_eq!((enrolled.len(), pending), (2, 3), "{devices:?}");
    let serial = enrolled[0].serial_number.clone().unwrap();
    let log = api
        .commands(&serial, &CommandListQuery::default())
        .await
        .unwrap();
    assert!(
        log.commands
            .iter()
            .any(|c| c.request_type == "DeviceConfigured"),
        "{log:?}"
    );
    let push = api.push_cert().await.unwrap();
    assert_eq!(push.status, "active", "{push:?}");

    // A second demo on the same data dir is refused while (and after) the first runs.
    let again = run(&["demo", "--data-dir", &data], "").await;
    assert!(!again.ok);
    assert!(again.stderr.contains("--data-dir"), "{}", again.stderr);

    let pid = child.id().unwrap().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = child.wait().await.unwrap();
    assert!(status.success(), "demo after Ctrl-C: {status:?}");
}

#[tokio::test]
async fn demo_refuses_more_enrollments_than_devices() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir_arg(&dir.path().join("demo"));
    let args = [
        "demo",
        "--data-dir",
        &data,
        "--devices",
        "2",
        "--enroll",
        "3",
    ];
    let r = run(&args, "").await;
    assert!(!r.ok);
    assert!(r.stderr.contains("--enroll"), "{}", r.stderr);
    assert!(!dir.path().join("demo").exists(), "nothing created");
    let r = run(&["demo", "--data-dir", &data, "--devices", "0"], "").await;
    assert!(!r.ok);
    assert!(r.stderr.contains("--devices"), "{}", r.stderr);
}

#[tokio::test]
async fn demo_json_prints_one_document_the_ready_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir_arg(&dir.path().join("demo"));
    let args = [
        "demo",
        "--data-dir",
        &data,
        "--devices",
        "2",
        "--enroll",
        "1",
        "--json",
    ];
    let mut child = cultivar(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut text = String::new();
    let doc = loop {
        let Some(line) = lines.next_line().await.unwrap() else {
            panic!("demo exited before its document: {text}");
        };
        text.push_str(&line);
        text.push('\n');
        if let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) {
            break doc;
        }
    };
    // The first (and only) document is the ready one: the enrollment report stays quiet.
    assert!(
        doc["url"].is_string() && doc["api_key"].is_string(),
        "{doc}"
    );
    assert_eq!(doc["enrolled"], 1, "{doc}");
    let pid = child.id().unwrap().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let mut rest = String::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        rest.push_str(&line);
    }
    assert!(rest.trim().is_empty(), "nothing after the document: {rest}");
    assert!(child.wait().await.unwrap().success());
}
