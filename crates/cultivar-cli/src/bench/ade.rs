//! `cultivar bench ade-assign`: N freshly synced iOS devices, an iOS default profile and a
//! static group with its own profile holding every tenth device (so resolution takes both
//! paths), then one timed push: resolution, plan, definition of both profiles and assignment
//! of every device through the simulator in batches of 1000 — per backend, each in a child
//! process of its own like `bench abm-sync`.

use std::{sync::Arc, time::Instant};

use anyhow::Context;
use clap::Args;
use cultivar_abm_proto::paths;
use cultivar_core::{
    ade::{AdeOs, AdeService},
    clock::SystemClock,
    sync::{Trigger, OUTCOME_SUCCESS},
};
use cultivar_store::{GroupKind, NewDeviceGroup, Store};

use super::ade_report::{AdeFigures, AdeReport};
use super::report::{peak_rss_kib, reset_peak_rss, BackendOutcome};
use super::setup::{self, Bench, Fleet};
use super::{child::database_url, measure, BackendChoice};
use crate::output::{Output, Reported};

/// Every `GROUP_EVERY`-th device (in serial order) is in the benchmark's group.
pub const GROUP_EVERY: usize = 10;
/// Devices read per page when filling the group.
const PAGE: u32 = 1000;

#[derive(Args, Debug, Clone)]
pub struct AdeAssignArgs {
    /// Devices assigned to the benchmark's ABM server, all resolved and assigned.
    #[arg(long, default_value_t = 100_000)]
    pub devices: u32,
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

pub async fn run(args: AdeAssignArgs, out: &Output) -> anyhow::Result<()> {
    if args.child {
        let figures = child(&args).await?;
        // The parent reads exactly this one line.
        println!("{}", serde_json::to_string(&figures)?);
        return Ok(());
    }
    let mut outcomes = Vec::new();
    for backend in args.backend.backends() {
        eprintln!("bench ade-assign: {} ...", backend.name());
        let child_args = vec!["--devices".to_string(), args.devices.to_string()];
        let measured = measure(
            "ade-assign",
            child_args,
            backend,
            args.database_url.as_deref(),
        );
        outcomes.push(BackendOutcome::of(backend, measured.await));
    }
    let report = AdeReport::new(&args, outcomes);
    out.print(&report, || report.text())?;
    match report.failures() {
        0 => Ok(()),
        n => Err(Reported(format!(
            "bench ade-assign: {n} backend(s) failed (see above)"
        ))
        .into()),
    }
}

/// The measuring process: one backend, one simulator.
async fn child(args: &AdeAssignArgs) -> anyhow::Result<AdeFigures> {
    let data_dir = tempfile::tempdir().context("bench: creating a temporary data directory")?;
    let url = database_url(args.backend, args.database_url.as_deref(), data_dir.path())?;
    let fleet = Fleet {
        devices: args.devices,
        batch: 1000,
        changes: 0,
        os: "iOS",
    };
    let bench = setup::prepare(&fleet, data_dir.path(), &url).await?;
    let figures = measure_push(args, &bench).await;
    bench.store.close().await;
    figures
}

async fn measure_push(args: &AdeAssignArgs, bench: &Bench) -> anyhow::Result<AdeFigures> {
    eprintln!("  syncing {} devices ...", args.devices);
    let started = Instant::now();
    let synced = bench
        .sync
        .sync_now(bench.server_id, Trigger::Manual)
        .await?;
    let sync_ms = elapsed_ms(started);
    if synced.outcome != OUTCOME_SUCCESS || synced.added != u64::from(args.devices) {
        anyhow::bail!(
            "sync: {} with {} devices added, expected success with {}",
            synced.outcome,
            synced.added,
            args.devices
        );
    }
    let ade = AdeService::new(
        bench.store.clone(),
        bench.abm.clone(),
        Arc::new(SystemClock),
        "https://cultivar.bench.invalid".to_string(),
    );
    let group_devices = configure(&ade, &*bench.store).await?;
    let before = bench.sim.request_counts().await?.counts;
    eprintln!("  resolving, planning, defining and assigning ...");
    // The sync is not what is measured: the peak counts from here.
    reset_peak_rss();
    let started = Instant::now();
    let summary = ade.apply().await?;
    let assign_ms = elapsed_ms(started);
    let peak_rss_kib = peak_rss_kib();
    let after = bench.sim.request_counts().await?.counts;
    let calls =
        |path: &str| after.get(path).copied().unwrap_or(0) - before.get(path).copied().unwrap_or(0);
    if summary.assigned != u64::from(args.devices) || summary.failed > 0 {
        anyhow::bail!(
            "push: {summary:?}, expected all {} devices assigned",
            args.devices
        );
    }
    // Apple's answers settle every device: nothing is left to push. Until the next sync
    // every device still reads as Assign and is settled by its push state, so this is the
    // plan's worst case.
    let started = Instant::now();
    let left = ade.plan().await?.len();
    let replan_ms = elapsed_ms(started);
    Ok(AdeFigures {
        backend: args.backend.name().to_string(),
        devices: synced.added,
        group_devices,
        sync_ms,
        defined: summary.defined,
        assigned: summary.assigned,
        assign_ms,
        devices_per_second: per_second(summary.assigned, assign_ms),
        define_calls: calls(paths::PROFILE),
        assign_calls: calls(paths::PROFILE_DEVICES),
        left_to_push: left as u64,
        replan_ms,
        peak_rss_kib,
    })
}

/// Two iOS profiles: the iOS default, and the profile of a static group holding every
/// [`GROUP_EVERY`]-th device. Returns the group's size.
async fn configure(ade: &AdeService, store: &dyn Store) -> anyhow::Result<u64> {
    let profile = |name: &str| {
        serde_json::json!({"profile_name": name, "os": "iOS", "is_mdm_removable": true}).to_string()
    };
    ade.create_profile(&profile("bench-default")).await?;
    ade.create_profile(&profile("bench-group")).await?;
    ade.set_os_default(AdeOs::Ios, "bench-default").await?;
    let new = NewDeviceGroup {
        name: "bench-slice".to_string(),
        kind: GroupKind::Static,
        os: None,
        priority: 10,
        profile_id: None,
    };
    let group = ade.create_group(new, Some("bench-group")).await?;
    let mut members = 0;
    let mut after: Option<String> = None;
    loop {
        let rows = store.list_ade_devices(after.as_deref(), PAGE).await?;
        let Some(last) = rows.last() else {
            break;
        };
        after = Some(last.device.data.serial_number.clone());
        let slice: Vec<String> = rows
            .iter()
            .step_by(GROUP_EVERY)
            .map(|r| r.device.data.serial_number.clone())
            .collect();
        members += ade.add_group_members(group.id, &slice).await?.added;
    }
    Ok(members)
}

fn elapsed_ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

fn per_second(devices: u64, ms: f64) -> f64 {
    if ms <= 0.0 {
        return 0.0;
    }
    // Device counts are far below 2^52, so the conversion is exact.
    devices as f64 * 1000.0 / ms
}
