//! Helpers for tests that run the built `cultivar` binary.
#![allow(clippy::unwrap_used, dead_code)]

pub mod served;

use std::{path::Path, process::Stdio};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    process::{Child, Command},
};

pub fn cultivar(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cultivar"));
    command.args(args).kill_on_drop(true);
    // The developer's own settings must not leak into the test.
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("CULTIVAR_")) {
        command.env_remove(name);
    }
    command
}

pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

pub async fn run(args: &[&str], stdin: &str) -> Run {
    let mut child = cultivar(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    let output = child.wait_with_output().await.unwrap();
    Run {
        ok: output.status.success(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

pub fn dir_arg(dir: &Path) -> String {
    dir.to_str().unwrap().to_owned()
}

/// Starts `cultivar serve` on port 0 and reads the bound address from its stdout.
pub async fn serve(data_dir: &str) -> (Child, String) {
    let args = ["serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir];
    spawn_announcing(&args, "cultivar listening on ").await
}

/// Starts `cultivar sim abm serve` on port 0 and reads its address from stdout.
pub async fn sim_serve(extra: &[&str]) -> (Child, String) {
    let mut args = vec!["sim", "abm", "serve", "--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    spawn_announcing(&args, "cultivar ABM simulator listening on ").await
}

/// Spawns `cultivar ARGS` and returns once it prints `PREFIX<url>` (the bound socket is the
/// readiness signal, so no waiting or polling).
pub async fn spawn_announcing(args: &[&str], prefix: &str) -> (Child, String) {
    let mut child = cultivar(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(url) = line.strip_prefix(prefix) {
            return (child, url.to_owned());
        }
    }
    panic!(
        "`cultivar {}` exited without announcing its address: {:?}",
        args.join(" "),
        child.wait().await
    );
}

/// Starts `cultivar serve` on port 0 with `data_dir`, and its database at `database_url` when
/// given (PostgreSQL), else the data directory's SQLite file.
pub async fn serve_on(data_dir: &str, database_url: Option<&str>) -> (Child, String) {
    let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir];
    if let Some(url) = database_url {
        args.extend(["--database-url", url]);
    }
    spawn_announcing(&args, "cultivar listening on ").await
}
