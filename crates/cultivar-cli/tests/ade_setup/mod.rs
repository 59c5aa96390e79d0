//! The world of the ADE CLI tests: `cultivar serve`, the ABM simulator and an API key, and
//! the helpers that run admin and simulator commands against them.
#![allow(dead_code)]

use crate::common::{dir_arg, run, serve_on, sim_serve, Run};
use cultivar_store::testing::TestDatabase;
use serde_json::Value;

/// Runs with `--json`; stdout must be exactly one JSON document.
pub async fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = run(&all, "").await;
    assert!(out.ok, "{args:?} failed: {} {}", out.stdout, out.stderr);
    parse(&out.stdout)
}

pub fn parse(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not one JSON document: {e}: {stdout}"))
}

/// A running server and simulator, an API key, and an ABM entry whose simulator server gets
/// every new simulator device.
pub struct Setup {
    pub api: Vec<String>,
    pub sim: String,
    // Before the database: the server stops before its database is dropped.
    _children: Vec<tokio::process::Child>,
    _db: Option<TestDatabase>,
    pub dir: tempfile::TempDir,
}

impl Setup {
    /// A server on SQLite, or on `db` (PostgreSQL) when given.
    pub async fn start(db: Option<TestDatabase>) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let data = dir_arg(&dir.path().join("data"));
        let url = db.as_ref().map(|d| d.url.clone());
        let mut key_args = vec![
            "admin",
            "create-api-key",
            "--data-dir",
            &data,
            "--name",
            "ade",
        ];
        if let Some(url) = &url {
            key_args.extend(["--database-url", url]);
        }
        let key = run(&key_args, "").await;
        assert!(key.ok, "{}", key.stderr);
        let (server, url) = serve_on(&data, url.as_deref()).await;
        let (sim_child, sim) = sim_serve(&[]).await;
        let key = key.stdout.trim().to_owned();
        Setup {
            api: vec!["--url".to_owned(), url, "--api-key".to_owned(), key],
            sim,
            _children: vec![server, sim_child],
            _db: db,
            dir,
        }
    }

    /// The token exchange; returns the entry id. New simulator devices go to its server.
    pub async fn connect(&self) -> String {
        let cert = self.path("cultivar.pem");
        let token = self.path("token.p7m");
        let sim = self.sim.as_str();
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
        let id = self.cli(&create).await["id"].as_str().unwrap().to_owned();
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
        let registered = json(&register).await;
        let upload = ["abm", "servers", "upload-token", &id, &token];
        assert_eq!(self.cli(&upload).await["status"], "active");
        let uuid = registered["server_uuid"].as_str().unwrap();
        json(&["sim", "abm", "set-default-server", uuid, "--url", sim]).await;
        id
    }

    pub fn path(&self, name: &str) -> String {
        dir_arg(&self.dir.path().join(name))
    }

    /// Writes `text` to a file in the test's directory; its path.
    pub fn file(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn with_api<'a>(&'a self, args: &[&'a str]) -> Vec<&'a str> {
        let api: Vec<&str> = self.api.iter().map(String::as_str).collect();
        [&api[..], args].concat()
    }

    /// An admin CLI command with `--json`, which must succeed.
    pub async fn cli(&self, args: &[&str]) -> Value {
        json(&self.with_api(args)).await
    }

    /// An admin CLI command as given (text mode unless `args` has `--json`).
    pub async fn raw(&self, args: &[&str]) -> Run {
        run(&self.with_api(args), "").await
    }

    /// A simulator command with `--json`.
    pub async fn sim(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--url", &self.sim]);
        json(&all).await
    }

    /// `n` new simulator devices of `os`; their serials.
    pub async fn add_devices(&self, n: u32, os: &str) -> Vec<String> {
        let count = n.to_string();
        let added = self
            .sim(&["sim", "abm", "add-devices", "--count", &count, "--os", os])
            .await;
        let serials = added["serials"].as_array().unwrap();
        serials
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    }

    /// Creates a profile from a file; the saved document.
    pub async fn profile(&self, name: &str, os: &str, extra: &str) -> Value {
        let text = format!(r#"{{"os":"{os}","profile_name":"{name}","org_magic":"1"{extra}}}"#);
        let file = self.file(&format!("{name}.json"), &text);
        self.cli(&["ade", "profiles", "create", "--file", &file])
            .await
    }
}

/// The serials of a list of objects, under `key`.
pub fn serials(list: &Value, key: &str) -> Vec<String> {
    let mut out: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d[key].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

pub fn sorted(serials: &[&String]) -> Vec<String> {
    let mut out: Vec<String> = serials.iter().map(|s| (*s).clone()).collect();
    out.sort();
    out
}
