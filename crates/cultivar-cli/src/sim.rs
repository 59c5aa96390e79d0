//! `cultivar sim abm …`: run the ABM simulator, and drive it the way an administrator drives the
//! ABM web portal (servers, tokens, devices, assignment, ADE profiles) plus its test knobs (faults,
//! injected assign results, clock, sessions, terms).
//!
//! The simulator's URL is the global `--url` (env `CULTIVAR_SIM_URL`, default
//! `http://127.0.0.1:8421`); outside `sim` commands `--url` names the cultivar server.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use cultivar_abm_sim::admin_types::{BatchResult, ServerInfo};
use cultivar_abm_sim::{Fault, Sim, SimAdminClient, SimOptions};
use serde::Serialize;

use crate::output::Output;

mod ade;
mod apns;
#[path = "sim_devices.rs"]
pub mod devices;

/// Default simulator address (`serve --listen` and `--url` of the other verbs).
pub const DEFAULT_SIM_URL: &str = "http://127.0.0.1:8421";

#[derive(Args, Debug)]
pub struct SimArgs {
    #[command(subcommand)]
    pub command: SimCommand,
}

#[derive(Subcommand, Debug)]
pub enum SimCommand {
    /// Apple Business Manager (Device Assignment API) simulator.
    #[command(subcommand)]
    Abm(AbmCommand),
    /// Simulated Apple devices: ADE or profile enrollment, and the load mode.
    #[command(subcommand)]
    Devices(devices::DevicesCommand),
    /// APNs stand-in: records cultivar's pushes and feeds them to simulated devices.
    #[command(subcommand)]
    Apns(apns::ApnsCommand),
}

#[derive(Subcommand, Debug)]
pub enum AbmCommand {
    /// Run the simulator until interrupted.
    Serve(ServeArgs),
    /// Register an MDM server with a PEM certificate and download its first token.
    RegisterServer(RegisterArgs),
    /// Download a new token for a server (the previous one stops working).
    DownloadToken(TokenArgs),
    /// Add devices to the organisation (they go to the default server, if one is set).
    AddDevices(AddDevicesArgs),
    /// Make new devices go to this server (existing devices are not moved).
    SetDefaultServer { server_uuid: String },
    /// Assign serials to a server, from a list or a CSV file (one serial a row).
    Assign(AssignArgs),
    /// Release serials from their server.
    Release(SerialsArg),
    /// Move serials to another server.
    Move(MoveArgs),
    /// Queue a fault for an Apple endpoint.
    Fault(FaultArgs),
    /// Forget every auth session (clients must call /session again).
    InvalidateSessions,
    /// Make a server's current token stop working.
    ExpireToken { server_uuid: String },
    /// `true`: every API call answers 403 T_C_NOT_SIGNED until set back to `false`.
    TermsNotSigned {
        #[arg(action = clap::ArgAction::Set)]
        value: bool,
    },
    /// Answer the next assign attempts for these serials with FAILED, THROTTLED or NOT_ACCESSIBLE.
    AssignResult(ade::AssignResultArgs),
    /// Drop every injected assign result.
    ClearAssignResults,
    /// Remove the serials' ADE profile assignments, as an ABM administrator would.
    UnassignProfile(SerialsArg),
    /// The device activated and fetched its ADE profile (profile_status pushed).
    MarkPushed { serial: String },
    /// ADE profiles a server has defined, with the serials that have them.
    Profiles {
        #[arg(long = "server", value_name = "UUID")]
        server_uuid: String,
    },
    /// Move the simulator's clock forward.
    AdvanceClock {
        #[arg(long)]
        seconds: u64,
    },
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (printed on stdout).
    #[arg(long, default_value = "127.0.0.1:8421")]
    pub listen: SocketAddr,
    /// Devices to create at start (unassigned unless the state file has a default server).
    #[arg(long, default_value_t = 0)]
    pub devices: u32,
    /// Seed for serials and UUIDs.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Load state from this file if present; save it after changes and at shutdown.
    #[arg(long, value_name = "FILE")]
    pub state_file: Option<PathBuf>,
    /// Auth session lifetime in simulated seconds.
    #[arg(long, default_value_t = 1800)]
    pub session_ttl: u64,
    /// Hand out a new X-ADM-Auth-Session every N API calls of a session.
    #[arg(long, value_name = "N")]
    pub rotate_session_every: Option<u32>,
}

#[derive(Args, Debug)]
pub struct RegisterArgs {
    #[arg(long)]
    pub name: String,
    /// PEM certificate to encrypt tokens to.
    #[arg(long, value_name = "PEM")]
    pub cert: PathBuf,
    /// Where to write the token (.p7m).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[arg(long, value_name = "N")]
    pub valid_days: Option<u32>,
}

#[derive(Args, Debug)]
pub struct TokenArgs {
    #[arg(long = "server", value_name = "UUID")]
    pub server_uuid: String,
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[arg(long, value_name = "N")]
    pub valid_days: Option<u32>,
}

#[derive(Args, Debug)]
pub struct AddDevicesArgs {
    #[arg(long)]
    pub count: u32,
    /// iOS, iPadOS, macOS, tvOS, visionOS or mix.
    #[arg(long, default_value = "mix")]
    pub os: String,
}

#[derive(Args, Debug)]
pub struct SerialsArg {
    /// Comma-separated serials.
    #[arg(long, value_delimiter = ',', required = true)]
    pub serials: Vec<String>,
}

#[derive(Args, Debug)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["serials", "csv"]))]
pub struct AssignArgs {
    #[arg(long = "server", value_name = "UUID")]
    pub server_uuid: String,
    #[arg(long, value_delimiter = ',')]
    pub serials: Vec<String>,
    /// CSV file: one serial a row, header optional.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct MoveArgs {
    #[command(flatten)]
    pub serials: SerialsArg,
    #[arg(long, value_name = "UUID")]
    pub to: String,
}

#[derive(Args, Debug)]
pub struct FaultArgs {
    /// Apple path such as /devices/sync, or * for every endpoint.
    #[arg(long)]
    pub endpoint: String,
    #[arg(long)]
    pub status: Option<u16>,
    /// Error code for the body (e.g. EXPIRED_CURSOR); defaults to Apple's for the status.
    #[arg(long)]
    pub code: Option<String>,
    /// Retry-After in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub retry_after: Option<u64>,
    #[arg(long, default_value_t = 1)]
    pub count: u32,
    #[arg(long, value_name = "MS")]
    pub latency_ms: Option<u64>,
    /// Let this many requests to the endpoint through before the fault fires (aim at the Nth).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub skip: u32,
}

/// Runs a `sim` command; `sim_url` is where the running simulator answers.
pub async fn run(args: SimArgs, sim_url: &str, json: bool) -> anyhow::Result<()> {
    let out = Output::new(json);
    let command = match args.command {
        SimCommand::Abm(command) => command,
        SimCommand::Devices(command) => return devices::run(command, out).await,
        SimCommand::Apns(command) => return apns::run(command, out).await,
    };
    let c = SimAdminClient::new(sim_url);
    let at = || format!("ABM simulator at {sim_url}");
    match command {
        AbmCommand::Serve(a) => serve(a, out).await,
        AbmCommand::RegisterServer(a) => register(&c, a, out).await.with_context(at),
        AbmCommand::DownloadToken(a) => download(&c, a, out).await.with_context(at),
        AbmCommand::AddDevices(a) => add_devices(&c, a, out).await.with_context(at),
        AbmCommand::SetDefaultServer { server_uuid } => {
            set_default(&c, &server_uuid, out).await.with_context(at)
        }
        AbmCommand::Assign(a) => assign(&c, a, out).await.with_context(at),
        AbmCommand::Release(a) => release(&c, a, out).await.with_context(at),
        AbmCommand::Move(a) => move_serials(&c, a, out).await.with_context(at),
        AbmCommand::Fault(a) => fault(&c, a, out).await.with_context(at),
        AbmCommand::InvalidateSessions => invalidate(&c, out).await.with_context(at),
        AbmCommand::ExpireToken { server_uuid } => {
            expire(&c, &server_uuid, out).await.with_context(at)
        }
        AbmCommand::TermsNotSigned { value } => terms(&c, value, out).await.with_context(at),
        AbmCommand::AdvanceClock { seconds } => advance(&c, seconds, out).await.with_context(at),
        AbmCommand::AssignResult(a) => ade::assign_result(&c, a, out).await.with_context(at),
        AbmCommand::ClearAssignResults => ade::clear_assign_results(&c, out).await.with_context(at),
        AbmCommand::UnassignProfile(a) => ade::unassign(&c, a, out).await.with_context(at),
        AbmCommand::MarkPushed { serial } => ade::pushed(&c, &serial, out).await.with_context(at),
        AbmCommand::Profiles { server_uuid } => {
            ade::profiles(&c, &server_uuid, out).await.with_context(at)
        }
    }
}

async fn serve(args: ServeArgs, out: Output) -> anyhow::Result<()> {
    let sim = Sim::new(SimOptions {
        seed: args.seed,
        devices: args.devices,
        state_file: args.state_file,
        sessions: cultivar_abm_sim::SessionConfig {
            ttl_secs: args.session_ttl.max(1),
            rotate_every: args.rotate_session_every,
            ..Default::default()
        },
        ..SimOptions::default()
    })?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listen on {}", args.listen))?;
    let url = format!("http://{}", listener.local_addr()?);
    out.print(&serde_json::json!({ "listening": url }), || {
        format!("cultivar ABM simulator listening on {url}")
    })?;
    cultivar_abm_sim::serve(sim, listener, shutdown_signal()).await?;
    Ok(())
}

/// Resolves on Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

#[derive(Serialize)]
struct TokenWritten<'a> {
    #[serde(flatten)]
    server: &'a ServerInfo,
    token_file: String,
}

async fn write_token(
    client: &SimAdminClient,
    server: &ServerInfo,
    out_path: &PathBuf,
    valid_days: Option<u32>,
    out: Output,
) -> anyhow::Result<()> {
    let token = client
        .download_token(&server.server_uuid, valid_days, None)
        .await?;
    std::fs::write(out_path, &token.bytes)
        .with_context(|| format!("out: cannot write {}", out_path.display()))?;
    // The expiry is the new token's, so list the server again after the download.
    let fresh = client
        .servers()
        .await?
        .into_iter()
        .find(|s| s.server_uuid == server.server_uuid)
        .unwrap_or_else(|| server.clone());
    let written = TokenWritten {
        server: &fresh,
        token_file: out_path.display().to_string(),
    };
    out.print(&written, || {
        format!(
            "{}\ntoken written to {} (expires {})",
            fresh.server_uuid,
            written.token_file,
            fresh.token_expiry.as_deref().unwrap_or("?")
        )
    })
}

async fn register(c: &SimAdminClient, a: RegisterArgs, out: Output) -> anyhow::Result<()> {
    let pem = std::fs::read_to_string(&a.cert)
        .with_context(|| format!("cert: cannot read {}", a.cert.display()))?;
    let server = c.register_server(&a.name, &pem).await?;
    write_token(c, &server, &a.out, a.valid_days, out).await
}

async fn download(c: &SimAdminClient, a: TokenArgs, out: Output) -> anyhow::Result<()> {
    let server = c
        .servers()
        .await?
        .into_iter()
        .find(|s| s.server_uuid == a.server_uuid)
        .with_context(|| format!("server: no MDM server {}", a.server_uuid))?;
    write_token(c, &server, &a.out, a.valid_days, out).await
}

async fn add_devices(c: &SimAdminClient, a: AddDevicesArgs, out: Output) -> anyhow::Result<()> {
    let added = c.add_devices(a.count, Some(&a.os)).await?;
    out.print(&added, || added.serials.join("\n"))
}

async fn set_default(c: &SimAdminClient, uuid: &str, out: Output) -> anyhow::Result<()> {
    let set = c.set_default_server(Some(uuid)).await?;
    out.print(&set, || format!("default server: {uuid}"))
}

async fn assign(c: &SimAdminClient, a: AssignArgs, out: Output) -> anyhow::Result<()> {
    let result = match &a.csv {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("csv: cannot read {}", path.display()))?;
            c.assign_csv(&a.server_uuid, &text).await?
        }
        None => c.assign(&a.server_uuid, &a.serials).await?,
    };
    print_batch(&result, "assigned", out)
}

async fn release(c: &SimAdminClient, a: SerialsArg, out: Output) -> anyhow::Result<()> {
    print_batch(&c.release(&a.serials).await?, "released", out)
}

async fn move_serials(c: &SimAdminClient, a: MoveArgs, out: Output) -> anyhow::Result<()> {
    print_batch(
        &c.move_devices(&a.serials.serials, &a.to).await?,
        "moved",
        out,
    )
}

async fn fault(c: &SimAdminClient, a: FaultArgs, out: Output) -> anyhow::Result<()> {
    let fault = Fault {
        endpoint: a.endpoint,
        status: a.status,
        code: a.code,
        retry_after: a.retry_after,
        count: a.count,
        latency_ms: a.latency_ms,
    };
    let queued = c.add_fault_after(&fault, a.skip).await?;
    out.print(&queued, || format!("{} fault(s) queued", queued.len()))
}

async fn invalidate(c: &SimAdminClient, out: Output) -> anyhow::Result<()> {
    let r = c.invalidate_sessions().await?;
    out.print(&r, || format!("{} session(s) invalidated", r.removed))
}

async fn expire(c: &SimAdminClient, uuid: &str, out: Output) -> anyhow::Result<()> {
    let s = c.expire_token(uuid).await?;
    out.print(&s, || format!("token of {} expired", s.server_uuid))
}

async fn terms(c: &SimAdminClient, not_signed: bool, out: Output) -> anyhow::Result<()> {
    let org = c.set_terms_signed(!not_signed).await?;
    out.print(&org, || format!("terms signed: {}", org.terms_signed))
}

async fn advance(c: &SimAdminClient, seconds: u64, out: Output) -> anyhow::Result<()> {
    let clock = c.advance_clock(seconds).await?;
    out.print(&clock, || format!("simulator time: {}", clock.now))
}

fn print_batch(result: &BatchResult, verb: &str, out: Output) -> anyhow::Result<()> {
    out.print(result, || {
        let mut lines = vec![format!(
            "{verb} {}, unchanged {}, refused {}",
            result.applied.len(),
            result.unchanged.len(),
            result.errors.len()
        )];
        lines.extend(result.errors.iter().map(|e| match e.row {
            Some(row) => format!("row {row}: {}: {}", e.value, e.error),
            None => format!("{}: {}", e.value, e.error),
        }));
        lines.join("\n")
    })
}

#[cfg(test)]
mod tests;
