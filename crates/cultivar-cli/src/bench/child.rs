//! The measured process: one backend, one simulator, a timed full fetch and a timed
//! incremental sync, and the process's peak RSS.

use std::time::Instant;

use anyhow::Context;
use cultivar_core::sync::{SyncService, SyncSummary, Trigger, OUTCOME_SUCCESS};
use cultivar_store::{AbmDeviceQuery, Store};
use uuid::Uuid;

use super::report::{peak_rss_kib, reset_peak_rss, BackendFigures};
use super::setup::{self, Bench};
use super::{changes, AbmSyncArgs, BackendChoice};

pub async fn run(args: &AbmSyncArgs) -> anyhow::Result<BackendFigures> {
    let data_dir = tempfile::tempdir().context("bench: creating a temporary data directory")?;
    let database_url = database_url(args.backend, args.database_url.as_deref(), data_dir.path())?;
    let fleet = setup::Fleet {
        devices: args.devices,
        batch: args.batch,
        changes: args.changes,
        os: "mix",
    };
    let bench = setup::prepare(&fleet, data_dir.path(), &database_url).await?;
    let figures = measure(args, &bench).await;
    bench.store.close().await;
    figures
}

/// The measuring process's database: a file in `data_dir`, or the fresh PostgreSQL database
/// the parent created.
pub fn database_url(
    backend: BackendChoice,
    flag: Option<&str>,
    data_dir: &std::path::Path,
) -> anyhow::Result<String> {
    Ok(match backend {
        BackendChoice::Sqlite => cultivar_store::sqlite_url_for_data_dir(data_dir),
        BackendChoice::Postgres => flag
            .context("database_url: the measuring process needs its fresh database")?
            .to_string(),
        BackendChoice::Both => anyhow::bail!("backend: the measuring process takes one backend"),
    })
}

async fn measure(args: &AbmSyncArgs, bench: &Bench) -> anyhow::Result<BackendFigures> {
    // Setup (devices, tokens) is not what is measured: the peak counts from here.
    reset_peak_rss();
    eprintln!("  full fetch of {} devices ...", args.devices);
    let (fetch, fetch_ms) = timed_sync(&bench.sync, bench.server_id).await?;
    let stored = active_devices(&*bench.store, bench.server_id).await?;
    if fetch.added != u64::from(args.devices) || stored != u64::from(args.devices) {
        anyhow::bail!(
            "full fetch: {} devices added and {stored} stored, expected {}",
            fetch.added,
            args.devices
        );
    }
    eprintln!("  {} changes at the simulator ...", args.changes);
    let made = changes::apply(&bench.sim, &bench.plan).await?;
    eprintln!("  incremental sync ...");
    let (incremental, incremental_ms) = timed_sync(&bench.sync, bench.server_id).await?;
    let expected = u64::from(args.devices) + made.added - made.removed();
    let stored = active_devices(&*bench.store, bench.server_id).await?;
    if stored != expected {
        anyhow::bail!("incremental sync: {stored} active devices stored, expected {expected}");
    }
    Ok(BackendFigures {
        backend: args.backend.name().to_string(),
        devices: fetch.added,
        batch: args.batch,
        pages: fetch.pages,
        full_fetch_ms: fetch_ms,
        devices_per_second: per_second(fetch.added, fetch_ms),
        changes: made.total(),
        incremental_pages: incremental.pages,
        incremental_added: incremental.added,
        incremental_modified: incremental.modified,
        incremental_deleted: incremental.deleted,
        incremental_ms,
        peak_rss_kib: peak_rss_kib(),
    })
}

/// Sync Now, timed by the wall clock; anything but success is an error.
async fn timed_sync(sync: &SyncService, server_id: Uuid) -> anyhow::Result<(SyncSummary, f64)> {
    let started = Instant::now();
    let summary = sync.sync_now(server_id, Trigger::Manual).await?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if summary.outcome != OUTCOME_SUCCESS {
        anyhow::bail!(
            "sync run {}: {} ({})",
            summary.run_id,
            summary.outcome,
            summary
                .error
                .or(summary.warning)
                .unwrap_or_else(|| "no message".into())
        );
    }
    Ok((summary, ms))
}

async fn active_devices(store: &dyn Store, server_id: Uuid) -> anyhow::Result<u64> {
    let query = AbmDeviceQuery {
        abm_server_id: Some(server_id),
        removed: Some(false),
        ..AbmDeviceQuery::default()
    };
    Ok(store.count_abm_devices(&query).await?)
}

fn per_second(devices: u64, ms: f64) -> f64 {
    if ms <= 0.0 {
        return 0.0;
    }
    // Device counts are far below 2^52, so the conversion is exact.
    devices as f64 * 1000.0 / ms
}
