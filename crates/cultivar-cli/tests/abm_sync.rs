//! ABM device sync through the built binary: `cultivar serve` and the simulator as child
//! processes, Sync Now, history, the device list and its CSV export as an administrator runs them.
#![allow(clippy::unwrap_used)]

mod common;

use common::{dir_arg, run, serve, sim_serve};
use serde_json::Value;

/// Runs with `--json`; stdout must be exactly one JSON document.
async fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = run(&all, "").await;
    assert!(out.ok, "{args:?} failed: {} {}", out.stdout, out.stderr);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", out.stdout))
}

/// An API key, a running server and simulator, and an ABM entry connected to a simulator
/// server that new simulator devices go to. Returns (api args, sim url, entry id, children).
struct Setup {
    api: Vec<String>,
    sim: String,
    id: String,
    sim_uuid: String,
    _children: Vec<tokio::process::Child>,
    dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let data = dir_arg(&dir.path().join("data"));
    let key = run(
        &[
            "admin",
            "create-api-key",
            "--data-dir",
            &data,
            "--name",
            "sync",
        ],
        "",
    )
    .await;
    assert!(key.ok, "{}", key.stderr);
    let (server, url) = serve(&data).await;
    let (sim_child, sim) = sim_serve(&[]).await;
    let api = vec![
        "--url".to_owned(),
        url,
        "--api-key".to_owned(),
        key.stdout.trim().to_owned(),
    ];
    let cert = dir_arg(&dir.path().join("cultivar.pem"));
    let token = dir_arg(&dir.path().join("token.p7m"));
    let api_ref: Vec<&str> = api.iter().map(String::as_str).collect();
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
    let created = json(&[&api_ref[..], &create[..]].concat()).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let sim_args = ["--url", sim.as_str()];
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
    ];
    let registered = json(&[&register[..], &sim_args[..]].concat()).await;
    let uploaded = json(
        &[
            &api_ref[..],
            &["abm", "servers", "upload-token", &id, &token],
        ]
        .concat(),
    )
    .await;
    assert_eq!(uploaded["status"], "active", "{uploaded}");
    let uuid = registered["server_uuid"].as_str().unwrap();
    json(
        &[
            &["sim", "abm", "set-default-server", uuid][..],
            &sim_args[..],
        ]
        .concat(),
    )
    .await;
    Setup {
        api,
        sim,
        id,
        sim_uuid: uuid.to_owned(),
        _children: vec![server, sim_child],
        dir,
    }
}

impl Setup {
    async fn cli(&self, args: &[&str]) -> Value {
        let api: Vec<&str> = self.api.iter().map(String::as_str).collect();
        json(&[&api[..], args].concat()).await
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

#[tokio::test]
async fn sync_history_and_devices_through_the_cli() {
    let s = setup().await;
    let id = s.id.as_str();
    let phones = s.add_devices(7, "iOS").await;
    s.add_devices(3, "macOS").await;
    let set = s.cli(&["abm", "servers", "set-batch-size", id, "4"]).await;
    assert_eq!(set, serde_json::json!({"sync_batch_size": 4}));

    // Sync Now with --wait --json: one summary object with the simulator's numbers.
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

    // Without --wait: the run id, at once; the history lists it first.
    let api: Vec<&str> = s.api.iter().map(String::as_str).collect();
    let started = run(&[&api[..], &["abm", "sync", id]].concat(), "").await;
    assert!(started.ok, "{}", started.stderr);
    let run_id = started.stdout.trim();
    assert!(uuid::Uuid::parse_str(run_id).is_ok(), "{}", started.stdout);
    let history = s.cli(&["abm", "sync-runs", id, "--limit", "3"]).await;
    let runs = history["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0]["id"], run_id);
    assert_eq!(runs[1]["id"], second["run_id"]);
    assert_eq!(runs[2]["id"], first["run_id"]);
    let table = run(&[&api[..], &["abm", "sync-runs", id]].concat(), "").await;
    assert!(table.stdout.starts_with("RUN"), "{}", table.stdout);

    // The device list: active ones by default, removed ones, everything, by OS.
    let active = s.cli(&["abm", "devices"]).await;
    assert_eq!(active["total"], 9, "{active}");
    assert_eq!(active["devices"].as_array().unwrap().len(), 9);
    assert!(active["devices"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["removed"] == false));
    let removed = s.cli(&["abm", "devices", "--removed"]).await;
    assert_eq!(removed["total"], 2);
    assert_eq!(s.cli(&["abm", "devices", "--all"]).await["total"], 11);
    let server = [
        "abm", "devices", "--server", id, "--os", "macOS", "--limit", "2",
    ];
    let macs = s.cli(&server).await;
    assert_eq!(
        (
            macs["total"].as_u64(),
            macs["devices"].as_array().unwrap().len()
        ),
        (Some(3), 2)
    );
    assert!(macs["next_after"].is_string(), "{macs}");

    // --csv: a header and one row per active device.
    let file = s.dir.path().join("devices.csv");
    let path = dir_arg(&file);
    let wrote = s.cli(&["abm", "devices", "--csv", &path]).await;
    assert!(wrote["bytes"].as_u64().unwrap() > 0, "{wrote}");
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("serial_number,model,"), "{}", lines[0]);
    assert_eq!(lines.len(), 10, "header + 9 devices");
    assert!(lines[1..]
        .iter()
        .all(|l| !phones[..2].iter().any(|p| l.starts_with(p.as_str()))));

    // Text mode off a terminal: the summary, no progress bar.
    let text = run(&[&api[..], &["abm", "sync", id, "--wait"]].concat(), "").await;
    assert!(text.ok, "{}", text.stderr);
    assert!(
        text.stdout.contains("outcome:   success"),
        "{}",
        text.stdout
    );
    assert!(
        !text.stdout.contains('\u{1b}') && !text.stderr.contains('\u{1b}'),
        "no terminal codes"
    );

    // A failed run: still exactly one summary object, and a failing exit code.
    let expire = ["sim", "abm", "expire-token", &s.sim_uuid, "--url", &s.sim];
    json(&expire).await;
    let failed = run(
        &[&api[..], &["abm", "sync", id, "--wait", "--json"]].concat(),
        "",
    )
    .await;
    assert!(!failed.ok, "a failed run fails the command");
    let summary: Value = serde_json::from_str(&failed.stdout).unwrap();
    assert_eq!(summary["outcome"], "failed", "{summary}");
    assert!(summary["error"].is_string(), "{summary}");

    // A filter value that names nothing fails with one line naming it.
    let bad = run(
        &[&api[..], &["abm", "devices", "--os", "Windows"]].concat(),
        "",
    )
    .await;
    assert!(!bad.ok);
    assert!(
        bad.stderr.starts_with("error: os: must be one of"),
        "{}",
        bad.stderr
    );
}
