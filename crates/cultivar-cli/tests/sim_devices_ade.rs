//! ADE end to end through the built binary: `cultivar serve` trusting the ABM simulator's
//! device CA for MachineInfo, its ADE profile (await-configured) applied to the simulator's
//! iPhones, then `cultivar sim devices enroll --ade`: activation, MachineInfo to
//! `/mdm/ade/enroll`, SCEP, check-in, DeviceConfigured; then the load mode over them. On
//! SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)]

mod common;

use common::{cultivar, dir_arg, run, sim_serve};
use cultivar_store::testing::TestDatabase;
use cultivar_store::MdmPushActive;
use serde_json::Value;
use time::{Duration, OffsetDateTime};
use tokio::io::{AsyncBufReadExt, BufReader};

const TOPIC: &str = "com.apple.mgmt.External.11111111-2222-3333-4444-555555555555";

struct World {
    url: String,
    key: String,
    sim: String,
    dir: tempfile::TempDir,
    // Before the database: the server stops before its database is dropped.
    _children: Vec<tokio::process::Child>,
    _db: Option<TestDatabase>,
}

/// `serve` on a port chosen beforehand so the URLs it writes into profiles reach it.
async fn serve_public(
    data_dir: &str,
    database_url: Option<&str>,
    anchors: &str,
) -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (listen, url) = (
        format!("127.0.0.1:{port}"),
        format!("http://127.0.0.1:{port}"),
    );
    let mut args = vec![
        "serve",
        "--listen",
        &listen,
        "--public-url",
        &url,
        "--data-dir",
        data_dir,
    ];
    if let Some(db) = database_url {
        args.extend(["--database-url", db]);
    }
    let mut child = cultivar(&args)
        .env("CULTIVAR_MDM_MACHINE_INFO_ANCHORS", anchors)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        if line.starts_with("cultivar listening on ") {
            return (child, url);
        }
    }
    panic!(
        "serve exited without announcing its address: {:?}",
        child.wait().await
    );
}

impl World {
    /// SQLite in the data directory, or PostgreSQL when `db` is given.
    async fn start(db: Option<TestDatabase>) -> World {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let data_arg = dir_arg(&data);
        let db_url = db.as_ref().map(|d| d.url.clone());
        let mut args = vec![
            "admin",
            "create-api-key",
            "--data-dir",
            &data_arg,
            "--name",
            "f",
        ];
        if let Some(url) = &db_url {
            args.extend(["--database-url", url]);
        }
        let key = run(&args, "").await;
        assert!(key.ok, "{}", key.stderr);
        let (sim_child, sim) = sim_serve(&[]).await;
        let ca = reqwest::get(format!("{sim}/_sim/device-ca.pem"))
            .await
            .unwrap();
        let anchors = dir.path().join("device-ca.pem");
        std::fs::write(&anchors, ca.text().await.unwrap()).unwrap();
        let (server, url) = serve_public(&data_arg, db_url.as_deref(), &dir_arg(&anchors)).await;
        let store_url = db_url.unwrap_or_else(|| cultivar_store::sqlite_url_for_data_dir(&data));
        let store = cultivar_store::open(&store_url).await.unwrap();
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
            sim,
            dir,
            _children: vec![server, sim_child],
            _db: db,
        }
    }

    fn path(&self, name: &str) -> String {
        dir_arg(&self.dir.path().join(name))
    }

    /// A command with `--json` (plus the API flags when `api`), which must succeed.
    async fn json(&self, args: &[&str], api: bool) -> Value {
        let mut all = args.to_vec();
        if api {
            all.extend(["--url", &self.url, "--api-key", &self.key]);
        }
        all.push("--json");
        let r = run(&all, "").await;
        assert!(r.ok, "{args:?}: {} {}", r.stdout, r.stderr);
        serde_json::from_str(&r.stdout).unwrap()
    }

    /// ABM entry, token, two synced iPhones and an await-configured default iOS profile applied.
    async fn ade_ready(&self) -> Vec<String> {
        let (cert, token, sim) = (self.path("c.pem"), self.path("t.p7m"), self.sim.as_str());
        let create = [
            "abm",
            "servers",
            "create",
            "Fleet",
            "--base-url",
            sim,
            "--out",
            &cert,
        ];
        let id = self.json(&create, true).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
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
            sim,
        ];
        let uuid = self.json(&register, false).await["server_uuid"]
            .as_str()
            .unwrap()
            .to_owned();
        self.json(&["abm", "servers", "upload-token", &id, &token], true)
            .await;
        self.json(
            &["sim", "abm", "set-default-server", &uuid, "--url", sim],
            false,
        )
        .await;
        let add = [
            "sim",
            "abm",
            "add-devices",
            "--count",
            "2",
            "--os",
            "iOS",
            "--url",
            sim,
        ];
        let added = self.json(&add, false).await;
        self.json(&["abm", "sync", &id, "--wait"], true).await;
        let profile = self.path("p.json");
        let text = r#"{"os":"iOS","profile_name":"Phones","org_magic":"1",
            "await_device_configured":true,"is_supervised":true}"#;
        std::fs::write(&profile, text).unwrap();
        self.json(&["ade", "profiles", "create", "--file", &profile], true)
            .await;
        self.json(&["ade", "defaults", "set", "--os", "ios", "Phones"], true)
            .await;
        self.json(&["ade", "apply"], true).await;
        let serials = added["serials"].as_array().unwrap();
        serials
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    }
}

#[tokio::test]
async fn ade_enrollment_end_to_end_on_sqlite() {
    scenario(World::start(None).await).await;
}

#[tokio::test]
async fn ade_enrollment_end_to_end_on_postgres() {
    let Some(db) = cultivar_store::testing::postgres_test_database().await else {
        return;
    };
    scenario(World::start(Some(db)).await).await;
}

/// Two iPhones enroll by ADE, the activity log shows DeviceConfigured, the load mode runs.
async fn scenario(w: World) {
    let serials = w.ade_ready().await;
    let state = w.path("devices.json");
    let enroll = [
        "sim",
        "devices",
        "enroll",
        "--server",
        &w.url,
        "--count",
        "2",
        "--ade",
        "--abm-sim",
        &w.sim,
        // One at a time: concurrent first check-ins can hit SQLite "database is locked" (500)
        // in the server (reported); the flow, not the server's write concurrency, is tested.
        "--concurrency",
        "1",
        "--state",
        &state,
    ];
    let doc = w.json(&enroll, false).await;
    assert_eq!(
        (&doc["enrolled"], &doc["failed"]),
        (&2.into(), &0.into()),
        "{doc}"
    );
    let mut enrolled: Vec<&str> = doc["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["serial_number"].as_str().unwrap())
        .collect();
    enrolled.sort_unstable();
    let mut want: Vec<&str> = serials.iter().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(enrolled, want);
    let log = w.json(&["commands", "list", enrolled[0]], true).await;
    let text = log.to_string();
    assert!(text.contains("DeviceConfigured"), "{text}");
    let load = [
        "sim",
        "devices",
        "run",
        "--server",
        &w.url,
        "--devices",
        "2",
        "--workers",
        "2",
        "--iterations",
        "2",
        "--state",
        &state,
    ];
    let report = w.json(&load, false).await;
    assert_eq!(
        (&report["sessions"], &report["errors"]),
        (&4.into(), &0.into()),
        "{report}"
    );
}
