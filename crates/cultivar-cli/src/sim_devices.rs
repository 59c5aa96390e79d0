//! `cultivar sim devices …`: simulated iPhones, iPads, Macs and Apple TVs (cultivar-device-sim).
//!
//! - `enroll`: N devices enroll with a cultivar server, either by ADE (each asks the ABM
//!   simulator's activation service for its profile, signs MachineInfo and follows the profile
//!   URL) or from a profile download link (`--profile-url`). The enrolled devices (identity,
//!   endpoints) are written to a state file so `run` can use them.
//! - `listen`: the enrolled devices wake on pushes from the APNs stand-in's feed.
//! - `run`: the load mode. W workers run I sessions per device (Idle, then every queued
//!   command) and print round trips per second and p50/p99 latency.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::{ArgGroup, Args, Subcommand};
use cultivar_device_sim::{
    enroll_ade, enroll_with_profile, AdeMethod, Family, LatencySummary, MdmClient, SimDevice,
};
use cultivar_mdm_proto::EnrollmentKind;
use serde::Serialize;

use crate::output::{Output, Reported};

#[path = "sim_devices/listen.rs"]
mod listen;
#[path = "sim_devices/saved.rs"]
mod saved;

pub use saved::{run_load, SavedDevice, StateFile};

/// Where `enroll` writes and `run` reads the enrolled devices unless `--state` says otherwise.
pub const DEFAULT_STATE_FILE: &str = "cultivar-sim-devices.json";
/// Default enrollments in flight at once (each generates an RSA key).
const ENROLL_CONCURRENCY: usize = 4;

#[derive(Subcommand, Debug)]
pub enum DevicesCommand {
    /// Enroll N simulated devices by ADE (--ade --abm-sim URL) or a profile link (--profile-url).
    Enroll(EnrollArgs),
    /// Load mode: workers run check-in/command sessions for the enrolled devices.
    Run(RunArgs),
    /// Wake on pushes: listen on the APNs stand-in's feed and check in when pushed.
    Listen(listen::ListenArgs),
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("mode").required(true).args(["ade", "profile_url"])))]
pub struct EnrollArgs {
    /// The cultivar server the devices enroll with.
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// How many devices enroll.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub count: u32,
    /// Automated Device Enrollment: devices with an ADE profile in the ABM simulator.
    #[arg(long, requires = "abm_sim")]
    pub ade: bool,
    /// The ABM simulator playing Apple's activation service (with --ade).
    #[arg(long, value_name = "URL", requires = "ade")]
    pub abm_sim: Option<String>,
    /// A download link answering the enrollment profile (profile-based enrollment). Repeat it
    /// to give each device its own link (cultivar's links are one-time); devices take the
    /// links in turn.
    #[arg(long, value_name = "URL")]
    pub profile_url: Vec<String>,
    /// Seed of the devices' identifiers: the same seed gives the same devices.
    #[arg(long, value_name = "S", default_value = "cultivar")]
    pub seed: String,
    /// ADE only: send MachineInfo by GET with x-apple-aspen-deviceinfo instead of POST.
    #[arg(long, requires = "ade")]
    pub get: bool,
    /// Where the enrolled devices are written.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_STATE_FILE)]
    pub state: PathBuf,
    /// Enrollments in flight at once.
    #[arg(long, value_name = "N", default_value_t = ENROLL_CONCURRENCY)]
    pub concurrency: usize,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The cultivar server; every device in the state file must be enrolled with it.
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// How many of the enrolled devices take part.
    #[arg(long, value_name = "N")]
    pub devices: usize,
    /// Concurrent workers (each runs its devices' sessions one after another).
    #[arg(long, value_name = "W", default_value_t = 4)]
    pub workers: usize,
    /// Sessions per device.
    #[arg(long, value_name = "I", default_value_t = 10)]
    pub iterations: u32,
    /// The state file written by `enroll`.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_STATE_FILE)]
    pub state: PathBuf,
    /// Send each device's identity certificate in this header (RFC 9440 `:base64-DER:`) instead
    /// of signing every request, as a TLS-terminating proxy in front of the server would; the
    /// server must trust the header (`mdm_cert_header`).
    #[arg(long, value_name = "HEADER")]
    pub client_cert_header: Option<String>,
}

/// Runs a `sim devices` command.
pub async fn run(command: DevicesCommand, out: Output) -> anyhow::Result<()> {
    match command {
        DevicesCommand::Enroll(a) => enroll(a, out).await,
        DevicesCommand::Run(a) => load(a, out).await,
        DevicesCommand::Listen(a) => listen::listen(a, out).await,
    }
}

/// One device's enrollment, as printed.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub index: u64,
    pub family: String,
    pub serial_number: String,
    pub udid: String,
    pub enrolled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Milliseconds from the first request to the end of enrollment.
    pub elapsed_ms: u64,
}

#[derive(Debug, Serialize)]
struct EnrollReport {
    mode: &'static str,
    requested: u32,
    enrolled: usize,
    failed: usize,
    state_file: String,
    devices: Vec<Outcome>,
}

/// How one device enrolls.
#[derive(Debug, Clone)]
pub(crate) enum Mode {
    Ade { abm_sim: String, method: AdeMethod },
    Profile { urls: Vec<String> },
}

async fn enroll(a: EnrollArgs, out: Output) -> anyhow::Result<()> {
    if a.count == 0 {
        bail!("--count: must be at least 1");
    }
    let (mode, devices) = match (&a.abm_sim, a.profile_url.is_empty()) {
        (Some(abm), _) if a.ade => {
            let method = if a.get {
                AdeMethod::Get
            } else {
                AdeMethod::Post
            };
            let devices = ade_devices(abm, &a.seed, a.count).await?;
            let mode = Mode::Ade {
                abm_sim: abm.clone(),
                method,
            };
            (mode, devices)
        }
        (_, false) => {
            let kind = EnrollmentKind::Device;
            let devices = SimDevice::fleet(&a.seed, u64::from(a.count), kind);
            let mode = Mode::Profile {
                urls: a.profile_url.clone(),
            };
            (mode, devices.into_iter().enumerate().map(index).collect())
        }
        _ => bail!("give --ade --abm-sim URL or --profile-url URL"),
    };
    let http = reqwest::Client::new();
    let results = enroll_all(&http, &mode, devices, a.concurrency.max(1)).await;
    let saved: Vec<SavedDevice> = results.iter().filter_map(|(_, s)| s.clone()).collect();
    StateFile::new(&a.seed, &a.server, saved).write(&a.state)?;
    let outcomes: Vec<Outcome> = results.into_iter().map(|(o, _)| o).collect();
    report_enrollment(&a, &mode, outcomes, out)
}

fn index((i, d): (usize, SimDevice)) -> (u64, SimDevice) {
    (u64::try_from(i).unwrap_or(u64::MAX), d)
}

fn report_enrollment(
    a: &EnrollArgs,
    mode: &Mode,
    devices: Vec<Outcome>,
    out: Output,
) -> anyhow::Result<()> {
    let enrolled = devices.iter().filter(|o| o.enrolled).count();
    let report = EnrollReport {
        mode: match mode {
            Mode::Ade { .. } => "ade",
            Mode::Profile { .. } => "profile",
        },
        requested: a.count,
        enrolled,
        failed: devices.len() - enrolled,
        state_file: a.state.display().to_string(),
        devices,
    };
    out.print(&report, || {
        let mut text = String::new();
        for o in &report.devices {
            let status = if o.enrolled { "enrolled" } else { "FAILED  " };
            let error = o
                .error
                .as_deref()
                .map(|e| format!("  {e}"))
                .unwrap_or_default();
            text.push_str(&format!(
                "{status} {:<8} {} {} ({} ms){error}\n",
                o.family, o.serial_number, o.udid, o.elapsed_ms
            ));
        }
        text.push_str(&format!(
            "{} of {} enrolled, {} failed; state in {}",
            report.enrolled, report.requested, report.failed, report.state_file
        ));
        text
    })?;
    if report.failed > 0 {
        return Err(Reported(format!("{} device(s) failed to enroll", report.failed)).into());
    }
    Ok(())
}

/// The first `count` devices of the ABM simulator that have an ADE profile, as simulated
/// devices of their family (serials from ABM, the rest from the seed).
async fn ade_devices(
    abm_url: &str,
    seed: &str,
    count: u32,
) -> anyhow::Result<Vec<(u64, SimDevice)>> {
    let abm = cultivar_abm_sim::SimAdminClient::new(abm_url);
    let mut query = cultivar_abm_sim::admin_types::DeviceQuery {
        limit: Some(1000),
        ..Default::default()
    };
    let mut found = Vec::new();
    let want = usize::try_from(count).unwrap_or(usize::MAX);
    loop {
        let page = abm
            .devices(&query)
            .await
            .with_context(|| format!("ABM simulator at {abm_url}"))?;
        for d in page.devices {
            let Some(family) = family_of(&d.device_family) else {
                continue;
            };
            if found.len() < want && d.server_uuid.is_some() && d.profile_uuid.is_some() {
                let i = u64::try_from(found.len()).unwrap_or(u64::MAX);
                let mut device = SimDevice::new(family, seed, i, EnrollmentKind::Ade);
                device.serial_number = d.serial_number;
                found.push((i, device));
            }
        }
        match page.next_after {
            Some(after) if found.len() < want => query.after = Some(after),
            _ => break,
        }
    }
    if found.len() < want {
        bail!(
            "--count: {count} devices asked for, but the ABM simulator at {abm_url} has {} \
             device(s) with an ADE profile (assign a profile to more devices first)",
            found.len()
        );
    }
    Ok(found)
}

/// ABM's `device_family` as a simulator family; `None` for kinds it does not simulate.
fn family_of(device_family: &str) -> Option<Family> {
    let f = device_family.to_ascii_lowercase();
    match f.as_str() {
        "iphone" => Some(Family::IPhone),
        "ipad" => Some(Family::IPad),
        "mac" => Some(Family::Mac),
        "appletv" | "apple tv" | "tv" => Some(Family::AppleTv),
        _ => None,
    }
}

/// Enrolls `devices` a few at a time (also used by `bench mdm`).
pub(crate) async fn enroll_all(
    http: &reqwest::Client,
    mode: &Mode,
    devices: Vec<(u64, SimDevice)>,
    concurrency: usize,
) -> Vec<(Outcome, Option<SavedDevice>)> {
    let mut lanes: Vec<Vec<(u64, SimDevice)>> = (0..concurrency).map(|_| Vec::new()).collect();
    for (n, d) in devices.into_iter().enumerate() {
        lanes[n % concurrency].push(d);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for lane in lanes {
        let (http, mode) = (http.clone(), mode.clone());
        tasks.spawn(async move {
            let mut done = Vec::new();
            for (i, mut device) in lane {
                done.push(enroll_one(&http, &mode, i, &mut device).await);
            }
            done
        });
    }
    let mut all = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        all.extend(joined.unwrap_or_default());
    }
    all.sort_by_key(|(o, _)| o.index);
    all
}

async fn enroll_one(
    http: &reqwest::Client,
    mode: &Mode,
    index: u64,
    device: &mut SimDevice,
) -> (Outcome, Option<SavedDevice>) {
    let started = Instant::now();
    let result = match mode {
        Mode::Ade { abm_sim, method } => enroll_ade(http, device, abm_sim, *method)
            .await
            .map(|e| e.client)
            .map_err(anyhow::Error::from),
        Mode::Profile { urls } => {
            let n = usize::try_from(index).unwrap_or(0) % urls.len().max(1);
            match urls.get(n) {
                Some(url) => enroll_by_link(http, url, device).await,
                None => Err(anyhow::anyhow!("--profile-url: required")),
            }
        }
    };
    let outcome = Outcome {
        index,
        family: device.family().as_str().to_string(),
        serial_number: device.serial_number.clone(),
        udid: device.udid.clone(),
        enrolled: result.is_ok(),
        error: result.as_ref().err().map(|e| format!("{e:#}")),
        elapsed_ms: millis(started.elapsed()),
    };
    let saved = result
        .ok()
        .map(|client| SavedDevice::new(index, device, &client));
    (outcome, saved)
}

/// Downloads the profile from the link (each device its own download: links may hand out
/// one-time SCEP challenges) and installs it.
async fn enroll_by_link(
    http: &reqwest::Client,
    url: &str,
    device: &mut SimDevice,
) -> anyhow::Result<MdmClient> {
    let response = http
        .get(url)
        .send()
        .await
        .with_context(|| format!("download the enrollment profile from {url}"))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .context("read the enrollment profile")?;
    if !status.is_success() {
        let text = String::from_utf8_lossy(&body)
            .chars()
            .take(300)
            .collect::<String>();
        bail!(
            "--profile-url: {url} answered HTTP {}: {text}",
            status.as_u16()
        );
    }
    Ok(enroll_with_profile(http, device, &body).await?)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn ms_f64(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The load mode's result.
#[derive(Debug, Serialize)]
pub struct LoadReport {
    pub devices: usize,
    pub workers: usize,
    pub iterations: u32,
    pub sessions: u64,
    pub round_trips: usize,
    pub commands: u64,
    pub errors: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
    pub elapsed_ms: f64,
    pub round_trips_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

async fn load(a: RunArgs, out: Output) -> anyhow::Result<()> {
    if a.devices == 0 || a.workers == 0 || a.iterations == 0 {
        bail!("--devices, --workers and --iterations: must each be at least 1");
    }
    let state = StateFile::read(&a.state)?;
    let http = reqwest::Client::new();
    let mut fleet = state.restore(&http, &a.server, a.devices, &a.state)?;
    if let Some(header) = &a.client_cert_header {
        fleet = fleet
            .into_iter()
            .map(|(d, c)| Ok((d, c.forwarding_certificate(header)?)))
            .collect::<anyhow::Result<_>>()?;
    }
    let report = saved::run_load(fleet, a.workers, a.iterations).await;
    out.print(&report, || {
        format!(
            "{} devices, {} workers, {} iterations: {} round trips ({} commands) in {:.0} ms\n\
             {:.0} round trips/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {} errors{}",
            report.devices,
            report.workers,
            report.iterations,
            report.round_trips,
            report.commands,
            report.elapsed_ms,
            report.round_trips_per_sec,
            report.p50_ms,
            report.p99_ms,
            report.max_ms,
            report.errors,
            report
                .first_error
                .as_deref()
                .map(|e| format!(" (first: {e})"))
                .unwrap_or_default()
        )
    })?;
    if report.errors > 0 {
        return Err(Reported(format!("{} session(s) failed", report.errors)).into());
    }
    Ok(())
}

/// Latency figures for the report.
fn summary(latencies: &[Duration]) -> (f64, f64, f64) {
    let s = LatencySummary::from_samples(latencies);
    (ms_f64(s.p50), ms_f64(s.p99), ms_f64(s.max))
}
