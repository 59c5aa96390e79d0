//! `cultivar bench abm-sync`: measures ABM device sync at scale — a full fetch of N devices, then
//! an incremental sync of a mix of changes — on SQLite and PostgreSQL. `cultivar bench
//! ade-assign`: N freshly synced devices resolved, planned, defined and assigned through the
//! simulator ([`ade`]).
//!
//! Each backend runs in a child process of its own (`bench abm-sync --child`, hidden), so the
//! peak RSS it reports (VmHWM) is that of the process doing the sync and nothing else; that child
//! in turn runs the ABM simulator as a child process (`sim abm serve`), so the simulator's
//! memory is not counted either. The parent creates (and afterwards drops) a fresh PostgreSQL
//! database, collects each child's JSON figures and prints them.
//!
//! - `child`: the measured process (setup, the two timed syncs, peak RSS).
//! - `setup`: the simulator process, the token exchange and the devices.
//! - `changes`: the deterministic mix of changes made at the simulator.
//! - `pg`: the throwaway PostgreSQL database. `report`: figures and their text table.
//! - `ade`, `ade_report`: the ADE assignment benchmark and its figures.
//! - `mdm`, `mdm_setup`: simulated devices in the check-in/command loop against `serve`.

mod ade;
mod ade_report;
mod changes;
mod child;
mod mdm;
mod mdm_setup;
mod pg;
mod report;
mod setup;

use std::process::Stdio;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use serde::de::DeserializeOwned;

use crate::output::{Output, Reported};
use report::{BackendOutcome, BenchReport};

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// ABM device sync: full fetch of N simulated devices, then an incremental sync of changes.
    AbmSync(AbmSyncArgs),
    /// ADE assignment: N freshly synced devices resolved, planned, defined and assigned
    /// through the simulator in batches of 1000.
    AdeAssign(ade::AdeAssignArgs),
    /// MDM check-in/command round trips: N simulated devices against `cultivar serve`.
    Mdm(mdm::MdmArgs),
}

#[derive(Args, Debug, Clone)]
pub struct AbmSyncArgs {
    /// Devices assigned to the benchmark's ABM server.
    #[arg(long)]
    pub devices: u32,
    /// Page size (`sync_batch_size`, 1–1000).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub batch: u32,
    /// Changes made at the simulator before the incremental sync (modify, move, release, add).
    #[arg(long, default_value_t = 1000)]
    pub changes: u32,
    /// Which storage backends to measure.
    #[arg(long, value_enum, default_value_t = BackendChoice::Both)]
    pub backend: BackendChoice,
    /// PostgreSQL server on which a fresh database is created and dropped afterwards [default:
    /// $CULTIVAR_TEST_PG_URL, else postgres://postgres@127.0.0.1:5432/postgres]. With --child:
    /// the database to use as it is.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Internal: run one backend in this process and print its figures as JSON.
    #[arg(long, hide = true)]
    pub child: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendChoice {
    Sqlite,
    Postgres,
    Both,
}

impl BackendChoice {
    fn backends(self) -> Vec<BackendChoice> {
        match self {
            BackendChoice::Both => vec![BackendChoice::Sqlite, BackendChoice::Postgres],
            one => vec![one],
        }
    }

    fn name(self) -> &'static str {
        match self {
            BackendChoice::Sqlite => "sqlite",
            BackendChoice::Postgres => "postgres",
            BackendChoice::Both => "both",
        }
    }
}

pub async fn run(command: BenchCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        BenchCommand::AbmSync(args) => abm_sync(args, out).await,
        BenchCommand::AdeAssign(args) => ade::run(args, out).await,
        BenchCommand::Mdm(args) => mdm::run(args, out).await,
    }
}

async fn abm_sync(args: AbmSyncArgs, out: &Output) -> anyhow::Result<()> {
    if args.child {
        let figures = child::run(&args).await?;
        // The parent reads exactly this one line.
        println!("{}", serde_json::to_string(&figures)?);
        return Ok(());
    }
    let mut outcomes = Vec::new();
    for backend in args.backend.backends() {
        eprintln!("bench abm-sync: {} ...", backend.name());
        let child_args = vec![
            "--devices".to_string(),
            args.devices.to_string(),
            "--batch".to_string(),
            args.batch.to_string(),
            "--changes".to_string(),
            args.changes.to_string(),
        ];
        let measured = measure(
            "abm-sync",
            child_args,
            backend,
            args.database_url.as_deref(),
        );
        outcomes.push(BackendOutcome::of(backend, measured.await));
    }
    let report = BenchReport::new(&args, outcomes);
    out.print(&report, || report.text())?;
    match report.failures() {
        0 => Ok(()),
        // The report (which names the failures) is the one document already printed.
        n => Err(Reported(format!("bench abm-sync: {n} backend(s) failed (see above)")).into()),
    }
}

/// One backend in a child process (with a fresh PostgreSQL database when needed):
/// `cultivar bench VERB --child --backend B ARGS…`, whose last stdout line is its figures.
async fn measure<F: DeserializeOwned>(
    verb: &str,
    args: Vec<String>,
    backend: BackendChoice,
    database_url: Option<&str>,
) -> anyhow::Result<F> {
    match backend {
        BackendChoice::Postgres => {
            let server = pg::server_url(database_url);
            let db = pg::BenchDatabase::create(&server).await?;
            let figures = spawn_child(verb, args, backend, Some(&db.url)).await;
            db.drop_database().await;
            figures
        }
        _ => spawn_child(verb, args, backend, None).await,
    }
}

async fn spawn_child<F: DeserializeOwned>(
    verb: &str,
    args: Vec<String>,
    backend: BackendChoice,
    database_url: Option<&str>,
) -> anyhow::Result<F> {
    let exe = std::env::current_exe().context("bench: locating the cultivar binary")?;
    let mut command = tokio::process::Command::new(exe);
    command.args(["bench", verb, "--child", "--backend", backend.name()]);
    command.args(args);
    if let Some(url) = database_url {
        command.args(["--database-url", url]);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    // Not `output()`: it would capture stderr, where the child reports its progress.
    let output = command
        .spawn()
        .context("bench: starting the measuring process")?
        .wait_with_output()
        .await
        .context("bench: waiting for the measuring process")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        // The child printed its error on stderr (inherited); its stdout may add the JSON error.
        anyhow::bail!(
            "{}: the measuring process failed ({}) {}",
            backend.name(),
            output.status,
            stdout.trim()
        );
    }
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line)
        .with_context(|| format!("{}: unreadable figures {line:?}", backend.name()))
}
