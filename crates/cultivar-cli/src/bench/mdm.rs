//! `cultivar bench mdm`: N simulated devices in the check-in/command loop against `cultivar
//! serve`, per backend. The server runs as a child process on a fresh data directory (and a
//! fresh PostgreSQL database), so its peak RSS (VmHWM) is its own; this process is the client:
//! it enrolls the devices from one-time links, queues a `DeviceInformation` per device per
//! iteration, then runs the load mode of `sim devices run` and reports its figures. Two
//! identity modes are measured on the same server: every body signed into `Mdm-Signature`
//! (RSA-2048, as a device does when the profile sets `SignMessage`), and the identity
//! certificate forwarded in a header, as a TLS-terminating proxy does (the device signs nothing
//! per request; its TLS handshake happened at the proxy).

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use super::report::{build, rss_cell, BackendOutcome};
use super::{mdm_setup, pg, BackendChoice};
use crate::output::{table, Output, Reported};
use crate::sim::devices::run_load;
use mdm_setup::CERT_HEADER;

#[derive(Args, Debug, Clone)]
pub struct MdmArgs {
    /// Simulated devices enrolled and run.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub devices: u32,
    /// Concurrent workers (each runs its devices' sessions one after another).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub workers: u32,
    /// Sessions per device; each device also gets one DeviceInformation per iteration.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub iterations: u32,
    /// Which identity modes to measure.
    #[arg(long, value_enum, default_value_t = IdentityChoice::Both)]
    pub identity: IdentityChoice,
    /// Which storage backends to measure.
    #[arg(long, value_enum, default_value_t = BackendChoice::Both)]
    pub backend: BackendChoice,
    /// PostgreSQL server on which a fresh database is created and dropped afterwards [default:
    /// $CULTIVAR_TEST_PG_URL, else postgres://postgres@127.0.0.1:5432/postgres].
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

/// How the simulated devices prove who they are during the load.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityChoice {
    /// `Mdm-Signature` on every request.
    Signature,
    /// The certificate in a trusted proxy's header (RFC 9440 `Client-Cert`).
    Forwarded,
    Both,
}

impl IdentityChoice {
    fn modes(self) -> &'static [IdentityChoice] {
        match self {
            IdentityChoice::Both => &[IdentityChoice::Signature, IdentityChoice::Forwarded],
            IdentityChoice::Signature => &[IdentityChoice::Signature],
            IdentityChoice::Forwarded => &[IdentityChoice::Forwarded],
        }
    }

    fn name(self) -> &'static str {
        match self {
            IdentityChoice::Signature => "Mdm-Signature",
            IdentityChoice::Forwarded => "proxy header",
            IdentityChoice::Both => "both",
        }
    }
}

/// One backend's figures in one identity mode.
#[derive(Debug, Clone, Serialize)]
pub struct MdmFigures {
    pub backend: String,
    /// `Mdm-Signature` or `proxy header`.
    pub identity: &'static str,
    pub devices: usize,
    pub workers: usize,
    pub iterations: u32,
    /// Milliseconds to enroll the devices (links, profile, SCEP, Authenticate, TokenUpdate).
    pub enroll_ms: f64,
    /// DeviceInformation commands queued before the load.
    pub commands_queued: u64,
    pub sessions: u64,
    pub round_trips: usize,
    /// Commands the devices received and answered during the load.
    pub commands: u64,
    pub errors: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
    pub elapsed_ms: f64,
    pub round_trips_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Peak resident set size of the `serve` process over the whole run (VmHWM).
    pub server_peak_rss_kib: Option<u64>,
}

/// What `bench mdm` prints.
#[derive(Debug, Clone, Serialize)]
pub struct MdmReport {
    pub benchmark: &'static str,
    /// `release` or `debug`: debug figures say little.
    pub build: &'static str,
    pub results: Vec<BackendOutcome<MdmFigures>>,
}

pub async fn run(args: MdmArgs, out: &Output) -> anyhow::Result<()> {
    let mut results = Vec::new();
    for backend in args.backend.backends() {
        eprintln!("bench mdm: {} ...", backend.name());
        let measured = match backend {
            BackendChoice::Postgres => {
                let server = pg::server_url(args.database_url.as_deref());
                match pg::BenchDatabase::create(&server).await {
                    Ok(db) => {
                        let figures = measure(&args, backend, &db.url).await;
                        db.drop_database().await;
                        figures
                    }
                    Err(e) => Err(e),
                }
            }
            _ => measure(&args, backend, "").await,
        };
        match measured {
            Ok(rows) => results.extend(rows.into_iter().map(BackendOutcome::Measured)),
            Err(e) => results.push(BackendOutcome::of(backend, Err(e))),
        }
    }
    let report = MdmReport {
        benchmark: "mdm",
        build: build(),
        results,
    };
    out.print(&report, || text(&report))?;
    match report.results.iter().filter(|r| r.failed()).count() {
        0 => Ok(()),
        n => Err(Reported(format!("bench mdm: {n} backend(s) failed (see above)")).into()),
    }
}

/// One backend: a fresh server, enrollment, then per identity mode the commands and the timed
/// load.
async fn measure(
    args: &MdmArgs,
    backend: BackendChoice,
    pg_url: &str,
) -> anyhow::Result<Vec<MdmFigures>> {
    let dir = tempfile::tempdir().context("bench: creating a temporary data directory")?;
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir).context("bench: creating the data directory")?;
    let database_url = match backend {
        BackendChoice::Postgres => pg_url.to_string(),
        _ => cultivar_store::sqlite_url_for_data_dir(&data_dir),
    };
    let server = mdm_setup::start(&data_dir, &database_url).await?;
    eprintln!("  enrolling {} devices ...", args.devices);
    let started = std::time::Instant::now();
    let fleet = mdm_setup::enroll(&server, args.devices).await?;
    let enroll_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut rows = Vec::new();
    for &mode in args.identity.modes() {
        let commands_queued = mdm_setup::queue_commands(&server, &fleet, args.iterations).await?;
        let devices = match mode {
            IdentityChoice::Forwarded => fleet
                .iter()
                .map(|(d, c)| Ok((d.clone(), c.clone().forwarding_certificate(CERT_HEADER)?)))
                .collect::<anyhow::Result<Vec<_>>>()?,
            _ => fleet.clone(),
        };
        eprintln!(
            "  load ({}): {} workers x {} iterations ...",
            mode.name(),
            args.workers,
            args.iterations
        );
        let load = run_load(devices, args.workers as usize, args.iterations).await;
        rows.push(MdmFigures {
            backend: backend.name().to_string(),
            identity: mode.name(),
            devices: load.devices,
            workers: load.workers,
            iterations: load.iterations,
            enroll_ms,
            commands_queued,
            sessions: load.sessions,
            round_trips: load.round_trips,
            commands: load.commands,
            errors: load.errors,
            first_error: load.first_error,
            elapsed_ms: load.elapsed_ms,
            round_trips_per_sec: load.round_trips_per_sec,
            p50_ms: load.p50_ms,
            p99_ms: load.p99_ms,
            // Peak so far: the second mode's figure covers both.
            server_peak_rss_kib: server.peak_rss_kib(),
        });
    }
    Ok(rows)
}

fn text(report: &MdmReport) -> String {
    let headers = [
        "backend",
        "identity",
        "devices",
        "workers",
        "round trips",
        "commands",
        "errors",
        "round trips/s",
        "p50",
        "p99",
        "server peak RSS",
    ];
    let mut rows = Vec::new();
    let mut failures = String::new();
    for r in &report.results {
        match r {
            BackendOutcome::Measured(f) => rows.push(vec![
                f.backend.clone(),
                f.identity.to_string(),
                f.devices.to_string(),
                f.workers.to_string(),
                f.round_trips.to_string(),
                f.commands.to_string(),
                f.errors.to_string(),
                format!("{:.0}", f.round_trips_per_sec),
                format!("{:.2} ms", f.p50_ms),
                format!("{:.2} ms", f.p99_ms),
                rss_cell(f.server_peak_rss_kib),
            ]),
            BackendOutcome::Failed { backend, error } => {
                failures.push_str(&format!("\n{backend}: FAILED: {error}"));
            }
        }
    }
    format!(
        "bench mdm ({} build)\n{}{failures}",
        report.build,
        table(&headers, &rows)
    )
}
