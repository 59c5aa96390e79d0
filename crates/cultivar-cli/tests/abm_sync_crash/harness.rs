//! A crash rig: the simulator and `cultivar serve` as child processes on one data directory
//! (SQLite, or a fresh PostgreSQL database), the token exchange through the CLI, and what the
//! tests check against: the store itself, opened next to the running server.

use std::{collections::BTreeSet, process::Stdio, sync::Arc};

use cultivar_abm_sim::{admin_types::DeviceQuery, Fault, SimAdminClient};
use cultivar_store::{testing::TestDatabase, AbmDeviceQuery, Store, SyncRun};
use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::Child,
};
use uuid::Uuid;

use crate::common::{cultivar, dir_arg, run, sim_serve};

/// Long enough that a held request is still held when the test kills its client.
const HOLD_MS: u64 = 120_000;

pub enum Db {
    Sqlite,
    Postgres,
}

pub struct Rig {
    pub sim: SimAdminClient,
    pub id: Uuid,
    pub sim_uuid: String,
    /// Another MDM server at the simulator, where moved devices go.
    pub elsewhere: String,
    pub store: Arc<dyn Store>,
    http: reqwest::Client,
    url: String,
    key: String,
    data: String,
    database_url: Option<String>,
    server: Option<Child>,
    _sim_child: Child,
    _db: Option<TestDatabase>,
    dir: tempfile::TempDir,
}

impl Rig {
    /// A rig with `devices` devices assigned to the ABM entry; `None` when PostgreSQL is wanted
    /// but unreachable outside CI.
    pub async fn start(db: Db, devices: u32) -> Option<Rig> {
        let pg = match db {
            Db::Sqlite => None,
            Db::Postgres => Some(cultivar_store::testing::postgres_test_database().await?),
        };
        let dir = tempfile::tempdir().unwrap();
        let data = dir_arg(&dir.path().join("data"));
        let database_url = pg.as_ref().map(|d| d.url.clone());
        let mut key_args = vec![
            "admin",
            "create-api-key",
            "--name",
            "crash",
            "--data-dir",
            &data,
        ];
        if let Some(url) = &database_url {
            key_args.extend(["--database-url", url]);
        }
        let key = run(&key_args, "").await;
        assert!(key.ok, "{}", key.stderr);
        let (sim_child, sim_url) = sim_serve(&["--devices", "0"]).await;
        let store_url = database_url.clone().unwrap_or_else(|| {
            cultivar_store::sqlite_url_for_data_dir(dir.path().join("data").as_path())
        });
        let store = cultivar_store::open(&store_url).await.unwrap();
        let mut rig = Rig {
            sim: SimAdminClient::new(&sim_url),
            id: Uuid::nil(),
            sim_uuid: String::new(),
            elsewhere: String::new(),
            store,
            http: reqwest::Client::new(),
            url: String::new(),
            key: key.stdout.trim().to_owned(),
            data,
            database_url,
            server: None,
            _sim_child: sim_child,
            _db: pg,
            dir,
        };
        rig.serve().await;
        rig.connect(&sim_url, devices).await;
        Some(rig)
    }

    /// Starts `cultivar serve` on the rig's data (the first start or a restart).
    pub async fn serve(&mut self) {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--data-dir", &self.data];
        if let Some(url) = &self.database_url {
            args.extend(["--database-url", url]);
        }
        let mut child = cultivar(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("cultivar listening on ") {
                self.url = url.to_owned();
                self.server = Some(child);
                return;
            }
        }
        panic!(
            "serve exited without announcing its address: {:?}",
            child.wait().await
        );
    }

    /// `kill -9` of the server, waiting until it is gone.
    pub async fn kill_server(&mut self) {
        let mut child = self.server.take().expect("a running server");
        child.start_kill().unwrap();
        let status = child.wait().await.unwrap();
        assert!(
            !status.success(),
            "the server was killed, not stopped: {status}"
        );
    }

    /// The token exchange with the CLI; new simulator devices go to the entry's server.
    async fn connect(&mut self, sim_url: &str, devices: u32) {
        let cert = dir_arg(&self.dir.path().join("cultivar.pem"));
        let token = dir_arg(&self.dir.path().join("token.p7m"));
        let api = ["--url", &self.url, "--api-key", &self.key];
        let create = [
            "abm",
            "servers",
            "create",
            "Crash",
            "--base-url",
            sim_url,
            "--out",
            &cert,
        ];
        let created = json(&[&api[..], &create[..]].concat()).await;
        self.id = created["id"].as_str().unwrap().parse().unwrap();
        let register = [
            "sim",
            "abm",
            "register-server",
            "--url",
            sim_url,
            "--name",
            "crash-mdm",
            "--cert",
            &cert,
            "--out",
            &token,
        ];
        self.sim_uuid = json(&register).await["server_uuid"]
            .as_str()
            .unwrap()
            .to_owned();
        let id = self.id.to_string();
        let upload = ["abm", "servers", "upload-token", &id, &token];
        assert_eq!(
            json(&[&api[..], &upload[..]].concat()).await["status"],
            "active"
        );
        // Any certificate will do for a server that only receives moved devices.
        let pem = std::fs::read_to_string(self.dir.path().join("cultivar.pem")).unwrap();
        let other = self.sim.register_server("elsewhere", &pem).await.unwrap();
        self.elsewhere = other.server_uuid;
        self.sim
            .set_default_server(Some(&self.sim_uuid))
            .await
            .unwrap();
        self.sim.add_devices(devices, Some("mix")).await.unwrap();
    }

    /// Holds the request to `path` that comes after `skip` more requests to it (a latency fault
    /// far longer than the test), and returns the count at which it is held.
    pub async fn hold_after(&self, path: &str, skip: u32) -> u64 {
        let hold = Fault {
            endpoint: path.to_owned(),
            status: None,
            code: None,
            retry_after: None,
            count: 1,
            latency_ms: Some(HOLD_MS),
        };
        self.sim.add_fault_after(&hold, skip).await.unwrap();
        self.requests(path).await + u64::from(skip) + 1
    }

    /// Waits (long-poll at the simulator) until `path` has had `count` requests.
    pub async fn wait_requests(&self, path: &str, count: u64) {
        let waited = self
            .sim
            .wait_for_requests(path, count, Some(60_000))
            .await
            .unwrap();
        assert!(
            waited.reached,
            "{path}: {} requests, waited for {count}",
            waited.count
        );
    }

    pub async fn requests(&self, path: &str) -> u64 {
        let counts = self.sim.request_counts().await.unwrap().counts;
        counts.get(path).copied().unwrap_or(0)
    }

    /// Sync Now through the admin API; returns the run id at once.
    pub async fn start_sync(&self) -> Uuid {
        let body = self.post_sync(false).await;
        body["run_id"].as_str().unwrap().parse().unwrap()
    }

    /// Sync Now (joining a run in progress) and wait until that run has finished.
    pub async fn sync_to_end(&self) -> Value {
        let body = self.post_sync(true).await;
        let run_id = body["run_id"].as_str().unwrap().to_owned();
        let mut run = body;
        // 202 after the server's wait limit: follow the run until it has finished.
        while run.get("outcome").is_none() || run["outcome"] == "running" {
            let url = format!("{}/api/v1/abm/sync-runs/{run_id}?wait=true", self.url);
            run = self.get_json(&url).await;
        }
        run
    }

    async fn post_sync(&self, wait: bool) -> Value {
        let url = format!(
            "{}/api/v1/abm/servers/{}/sync?wait={wait}",
            self.url, self.id
        );
        let resp = self
            .http
            .post(url)
            .bearer_auth(&self.key)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body: Value = resp.json().await.unwrap();
        assert!(status.is_success(), "Sync Now: {status} {body}");
        body
    }

    async fn get_json(&self, url: &str) -> Value {
        let resp = self
            .http
            .get(url)
            .bearer_auth(&self.key)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{url}: {}", resp.status());
        resp.json().await.unwrap()
    }

    /// Serials of the entry's active devices in the store, in order, duplicates kept.
    pub async fn stored_serials(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut q = AbmDeviceQuery {
            abm_server_id: Some(self.id),
            removed: Some(false),
            limit: 1000,
            ..AbmDeviceQuery::default()
        };
        loop {
            let page = self.store.list_abm_devices(&q).await.unwrap();
            let Some(last) = page.last() else { return out };
            q.after_serial = Some(last.data.serial_number.clone());
            out.extend(page.into_iter().map(|d| d.data.serial_number));
        }
    }

    /// Serials the simulator has assigned to the entry's server.
    pub async fn sim_serials(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut q = DeviceQuery {
            server: Some(self.sim_uuid.clone()),
            limit: Some(10_000),
            ..DeviceQuery::default()
        };
        loop {
            let page = self.sim.devices(&q).await.unwrap();
            out.extend(page.devices.into_iter().map(|d| d.serial_number));
            match page.next_after {
                Some(next) => q.after = Some(next),
                None => return out,
            }
        }
    }

    /// The entry's sync history, newest first.
    pub async fn runs(&self) -> Vec<SyncRun> {
        self.store.list_sync_runs(self.id, 100, None).await.unwrap()
    }

    pub async fn run(&self, id: Uuid) -> SyncRun {
        self.store
            .sync_run(id)
            .await
            .unwrap()
            .expect("a stored run")
    }
}

/// A CLI command with `--json`; stdout must be one JSON document.
async fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = run(&all, "").await;
    assert!(out.ok, "{args:?} failed: {} {}", out.stdout, out.stderr);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", out.stdout))
}
