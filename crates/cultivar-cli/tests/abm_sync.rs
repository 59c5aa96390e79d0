//! ABM device sync through the built binary: `cultivar serve` and the simulator as child
//! processes, Sync Now, history, the device list and its CSV export as an administrator runs them.
#![allow(clippy::unwrap_used)]

mod common;

use common::{dir_arg, run, serve, sim_serve, Run};
use serde_json::Value;

/// Runs with `--json`; stdout must be exactly one JSON document.
async fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = run(&all, "").await;
    assert!(out.ok, "{args:?} failed: {} {}", out.stdout, out.stderr);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", out.stdout))
}

/// A running server and simulator, an API key, and an ABM entry connected to a simulator
/// server that new simulator devices go to.
struct Setup {
    api: Vec<String>,
    sim: String,
    id: String,
    sim_uuid: String,
    _children: Vec<tokio::process::Child>,
    dir: tempfile::TempDir,
}

impl Setup {
    async fn start() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let data = dir_arg(&dir.path().join("data"));
        let key_args = [
            "admin",
            "create-api-key",
            "--data-dir",
            &data,
            "--name",
            "sync",
        ];
        let key = run(&key_args, "").await;
        assert!(key.ok, "{}", key.stderr);
        let (server, url) = serve(&data).await;
        let (sim_child, sim) = sim_serve(&[]).await;
        let key = key.stdout.trim().to_owned();
        let mut s = Setup {
            api: vec!["--url".to_owned(), url, "--api-key".to_owned(), key],
            sim,
            id: String::new(),
            sim_uuid: String::new(),
            _children: vec![server, sim_child],
            dir,
        };
        s.connect().await;
        s
    }

    /// The token exchange, and the new server as the simulator's default for new devices.
    async fn connect(&mut self) {
        let cert = dir_arg(&self.dir.path().join("cultivar.pem"));
        let token = dir_arg(&self.dir.path().join("token.p7m"));
        let sim = self.sim.clone();
        let create = [
            "abm",
            "servers",
            "create",
            "Fleet",
            "--base-url",
            &sim,
            "--out",
            &cert,
        ];
        self.id = self.cli(&create).await["id"].as_str().unwrap().to_owned();
        let register = [
            "sim",
            "abm",
            "register-server",
            "--name",
            "fleet",
            "--cert",
            &cert,
            "--out",
            &token,
            "--url",
            &sim,
        ];
        let registered = json(&register).await;
        let upload = ["abm", "servers", "upload-token", &self.id, &token];
        assert_eq!(self.cli(&upload).await["status"], "active");
        self.sim_uuid = registered["server_uuid"].as_str().unwrap().to_owned();
        json(&[
            "sim",
            "abm",
            "set-default-server",
            &self.sim_uuid,
            "--url",
            &sim,
        ])
        .await;
    }

    fn with_api<'a>(&'a self, args: &[&'a str]) -> Vec<&'a str> {
        let api: Vec<&str> = self.api.iter().map(String::as_str).collect();
        [&api[..], args].concat()
    }

    /// An admin CLI command with `--json`.
    async fn cli(&self, args: &[&str]) -> Value {
        json(&self.with_api(args)).await
    }

    /// An admin CLI command in text mode.
    async fn text(&self, args: &[&str]) -> Run {
        run(&self.with_api(args), "").await
    }

    /// `n` new simulator devices with `os`, assigned to the entry's server; their serials.
    async fn add_devices(&self, n: u32, os: &str) -> Vec<String> {
        let count = n.to_string();
        let args = [
            "sim",
            "abm",
            "add-devices",
            "--count",
            &count,
            "--os",
            os,
            "--url",
            &self.sim,
        ];
        let added = json(&args).await;
        let serials = added["serials"].as_array().unwrap();
        serials
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    }
}

fn counts(summary: &Value) -> [u64; 4] {
    ["pages", "added", "modified", "deleted"].map(|k| summary[k].as_u64().unwrap())
}

/// Two waited runs with the simulator's numbers, a third started without waiting; the history
/// lists all three, newest first. Returns the iPhones (the first two are released).
async fn three_runs(s: &Setup) -> Vec<String> {
    let id = s.id.as_str();
    let phones = s.add_devices(7, "iOS").await;
    s.add_devices(3, "macOS").await;
    let set = s.cli(&["abm", "servers", "set-batch-size", id, "4"]).await;
    assert_eq!(set, serde_json::json!({"sync_batch_size": 4}));
    let first = s.cli(&["abm", "sync", id, "--wait"]).await;
    assert_eq!(first["outcome"], "success", "{first}");
    assert_eq!(
        counts(&first),
        [3, 10, 0, 0],
        "10 devices in pages of 4: {first}"
    );
    assert!(
        first["run_id"].is_string() && first["duration_ms"].is_u64(),
        "{first}"
    );
    // Changes in ABM: two released, one new.
    let released = phones[..2].join(",");
    json(&[
        "sim",
        "abm",
        "release",
        "--serials",
        &released,
        "--url",
        &s.sim,
    ])
    .await;
    s.add_devices(1, "iPadOS").await;
    let second = s.cli(&["abm", "sync", id, "--wait"]).await;
    assert_eq!(counts(&second), [1, 1, 0, 2], "{second}");
    // Without --wait: the run id, at once.
    let started = s.text(&["abm", "sync", id]).await;
    assert!(started.ok, "{}", started.stderr);
    let run_id = started.stdout.trim();
    assert!(uuid::Uuid::parse_str(run_id).is_ok(), "{}", started.stdout);
    let history = s.cli(&["abm", "sync-runs", id, "--limit", "3"]).await;
    let ids: Vec<&Value> = history["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["id"])
        .collect();
    assert_eq!(
        ids,
        [&Value::from(run_id), &second["run_id"], &first["run_id"]]
    );
    assert!(s
        .text(&["abm", "sync-runs", id])
        .await
        .stdout
        .starts_with("RUN"));
    phones
}

/// Active devices by default, removed ones, everything, by server and OS, a page at a time.
async fn device_lists(s: &Setup) {
    let active = s.cli(&["abm", "devices"]).await;
    assert_eq!(active["total"], 9, "{active}");
    let devices = active["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 9);
    assert!(devices.iter().all(|d| d["removed"] == false));
    assert_eq!(s.cli(&["abm", "devices", "--removed"]).await["total"], 2);
    assert_eq!(s.cli(&["abm", "devices", "--all"]).await["total"], 11);
    let query = [
        "abm", "devices", "--server", &s.id, "--os", "macOS", "--limit", "2",
    ];
    let macs = s.cli(&query).await;
    let page = (
        macs["total"].as_u64(),
        macs["devices"].as_array().unwrap().len(),
    );
    assert_eq!(page, (Some(3), 2));
    assert!(macs["next_after"].is_string(), "{macs}");
}

/// `--csv`: a header and one row per active device.
async fn csv_file(s: &Setup, released: &[String]) {
    let file = s.dir.path().join("devices.csv");
    let wrote = s.cli(&["abm", "devices", "--csv", &dir_arg(&file)]).await;
    assert!(wrote["bytes"].as_u64().unwrap() > 0, "{wrote}");
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("serial_number,model,"), "{}", lines[0]);
    assert_eq!(lines.len(), 10, "header + 9 devices");
    let exported_released = lines
        .iter()
        .any(|l| released.iter().any(|p| l.starts_with(p.as_str())));
    assert!(!exported_released, "released devices are not active");
}

#[tokio::test]
async fn sync_history_and_devices_through_the_cli() {
    let s = Setup::start().await;
    let phones = three_runs(&s).await;
    device_lists(&s).await;
    csv_file(&s, &phones[..2]).await;

    // Text mode off a terminal: the summary, no progress bar.
    let text = s.text(&["abm", "sync", &s.id, "--wait"]).await;
    assert!(text.ok, "{}", text.stderr);
    assert!(
        text.stdout.contains("outcome:   success"),
        "{}",
        text.stdout
    );
    let escapes = text.stdout.contains('\u{1b}') || text.stderr.contains('\u{1b}');
    assert!(!escapes, "no terminal codes");

    // A failed run: still exactly one summary object, and a failing exit code.
    json(&["sim", "abm", "expire-token", &s.sim_uuid, "--url", &s.sim]).await;
    let failed = s.text(&["abm", "sync", &s.id, "--wait", "--json"]).await;
    assert!(!failed.ok, "a failed run fails the command");
    let summary: Value = serde_json::from_str(&failed.stdout).unwrap();
    assert_eq!(summary["outcome"], "failed", "{summary}");
    assert!(summary["error"].is_string(), "{summary}");

    // A filter value that names nothing fails with one line naming it.
    let bad = s.text(&["abm", "devices", "--os", "Windows"]).await;
    assert!(!bad.ok);
    assert!(
        bad.stderr.starts_with("error: os: must be one of"),
        "{}",
        bad.stderr
    );
}
