//! The `cultivar` binary: `serve`, offline `admin` operations, and (added by their own modules)
//! the admin CLI over the REST API and the simulators.
//!
//! `main` only parses and dispatches: each subcommand lives in its own module with its clap
//! `Args`/`Subcommand` type and an async `run`. To add an area, add a variant to [`Command`]
//! wrapping that module's type and one arm in [`dispatch`]. Output goes through [`output`] so
//! every command honours `--json` the same way.
#![forbid(unsafe_code)]

mod abm;
mod abm_sync;
mod admin;
mod bench;
mod output;
mod serve;
mod sim;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::output::Output;

#[derive(Parser)]
#[command(
    name = "cultivar",
    version,
    about = "Apple device management server (ABM, ADE, User Enrollment)"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalOpts,
    #[command(subcommand)]
    command: Command,
}

/// Options every subcommand accepts.
#[derive(Args, Debug, Clone)]
pub struct GlobalOpts {
    /// Base URL of the cultivar server (env CULTIVAR_URL, default http://127.0.0.1:8420); for
    /// `sim` commands, of the simulator (env CULTIVAR_SIM_URL, default http://127.0.0.1:8421).
    #[arg(long, global = true)]
    pub url: Option<String>,
    /// Admin API key (cvk_…) for the admin CLI commands.
    #[arg(long, global = true, env = "CULTIVAR_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Print exactly one JSON document (also for errors) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (API, console, device endpoints).
    Serve(serve::ServeArgs),
    /// Offline operations on a data directory or database.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Simulators (`sim abm`: Apple Business Manager).
    Sim(sim::SimArgs),
    /// Apple Business Manager: server entries, tokens and device sync (over the admin API).
    #[command(subcommand)]
    Abm(abm::AbmCommand),
    /// Benchmarks (`bench abm-sync`: device sync at scale on SQLite and PostgreSQL).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

async fn dispatch(command: Command, global: &GlobalOpts, out: &Output) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve::run(args).await,
        Command::Admin(command) => admin::run(command, out).await,
        Command::Sim(args) => sim::run(args, &global.sim_url(), global.json).await,
        Command::Abm(command) => abm::run(command, global, out).await,
        Command::Bench(command) => bench::run(command, out).await,
    }
}

/// The admin API client for the REST commands (`--url`, `--api-key`).
pub fn api_client(global: &GlobalOpts) -> anyhow::Result<cultivar_client::AdminClient> {
    let key = global.api_key.clone().ok_or_else(|| {
        anyhow::anyhow!(
            "api_key: required for this command; pass --api-key or set CULTIVAR_API_KEY"
        )
    })?;
    Ok(cultivar_client::AdminClient::new(
        &global.api_url(),
        Some(key),
    ))
}

impl GlobalOpts {
    /// `--url`, else `$env`, else `default`. The variables are read here rather than by clap
    /// because one flag serves two kinds of commands with different variables.
    fn url_or(&self, env: &str, default: &str) -> String {
        self.url
            .clone()
            .or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
            .unwrap_or_else(|| default.to_string())
    }

    /// The cultivar server the admin CLI talks to.
    pub fn api_url(&self) -> String {
        self.url_or("CULTIVAR_URL", "http://127.0.0.1:8420")
    }

    /// The ABM simulator the `sim` commands talk to.
    pub fn sim_url(&self) -> String {
        self.url_or("CULTIVAR_SIM_URL", sim::DEFAULT_SIM_URL)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output::new(cli.global.json);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return out.fail(&anyhow::Error::new(e).context("starting the async runtime")),
    };
    match runtime.block_on(dispatch(cli.command, &cli.global, &out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => out.fail(&e),
    }
}
