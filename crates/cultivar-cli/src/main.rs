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
mod ade;
mod ade_report;
mod admin;
mod bench;
mod commands;
mod demo;
mod devices;
mod enroll;
mod groups;
mod mdm;
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
    /// ADE profiles, per-OS defaults, and why each device gets its profile (over the admin API).
    #[command(subcommand)]
    Ade(ade::AdeCommand),
    /// Device groups: static or by OS, with a priority and an ADE profile.
    #[command(subcommand)]
    Groups(groups::GroupsCommand),
    /// Devices with their state (list, show) and per-device settings (the explicit ADE profile).
    #[command(subcommand)]
    Devices(devices::DevicesCommand),
    /// MDM commands: send, the per-device activity log, cancel.
    #[command(subcommand)]
    Commands(commands::CommandsCommand),
    /// Profile-based enrollment: a signed enrollment profile, or a one-time download link.
    #[command(subcommand)]
    Enroll(enroll::EnrollCommand),
    /// MDM settings: the APNs push certificate (push-cert csr, upload, show).
    #[command(subcommand)]
    Mdm(mdm::MdmCommand),
    /// The whole flow on loopback without Apple: server, ABM and APNs simulators, enrolled
    /// simulated devices (demo only).
    Demo(demo::DemoArgs),
}

async fn dispatch(command: Command, global: &GlobalOpts, out: &Output) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve::run(args).await,
        Command::Admin(command) => admin::run(command, out).await,
        Command::Sim(args) => sim::run(args, &global.sim_url(), global.json).await,
        Command::Abm(command) => abm::run(command, global, out).await,
        Command::Bench(command) => bench::run(command, out).await,
        Command::Ade(command) => ade::run(command, global, out).await,
        Command::Groups(command) => groups::run(command, global, out).await,
        Command::Devices(command) => devices::run(command, global, out).await,
        Command::Commands(command) => commands::run(command, global, out).await,
        Command::Enroll(command) => enroll::run(command, global, out).await,
        Command::Mdm(command) => mdm::run(command, global, out).await,
        Command::Demo(args) => demo::run(args, out).await,
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parses(args: &[&str]) -> bool {
        Cli::try_parse_from(["cultivar"].iter().chain(args)).is_ok()
    }

    #[test]
    fn command_definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn set_profile_takes_a_profile_or_clear_but_not_both() {
        for verb in [
            ["groups", "set-profile", "Lab"],
            ["devices", "set-profile", "C02X1"],
        ] {
            assert!(parses(&[verb[0], verb[1], verb[2], "Staff"]));
            assert!(parses(&[verb[0], verb[1], verb[2], "--clear"]));
            assert!(!parses(&verb), "{verb:?} without a profile");
            assert!(!parses(&[verb[0], verb[1], verb[2], "Staff", "--clear"]));
        }
    }

    #[test]
    fn add_devices_takes_serials_or_a_csv() {
        assert!(parses(&[
            "groups",
            "add-devices",
            "Lab",
            "--serials",
            "A1B2C3,D4E5F6"
        ]));
        assert!(parses(&[
            "groups",
            "add-devices",
            "Lab",
            "--csv",
            "lab.csv"
        ]));
        assert!(!parses(&["groups", "add-devices", "Lab"]));
        let both = [
            "groups",
            "add-devices",
            "Lab",
            "--serials",
            "A1B2C3",
            "--csv",
            "x.csv",
        ];
        assert!(!parses(&both));
    }
}
