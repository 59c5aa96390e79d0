//! Crash safety with real processes: `cultivar serve` is killed with SIGKILL in the middle of an
//! ABM full fetch and in the middle of an incremental sync, restarted on the same data, and must
//! end up with exactly the simulator's devices — none lost, none twice — having continued from
//! the cursor it had committed rather than fetching again. On SQLite and on PostgreSQL.
//!
//! The kill lands mid-run without sleeping: the simulator holds one request (a latency fault on
//! the Nth request to the endpoint) and the test long-polls its request counter until that
//! request has arrived, so the server is provably between pages when it dies.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "abm_sync_crash/harness.rs"]
mod harness;

use std::collections::BTreeSet;

use cultivar_abm_sim::state::DevicePatch;
use cultivar_store::SyncRun;
use harness::{Db, Rig};

const FETCH: &str = "/server/devices";
const SYNC: &str = "/devices/sync";
/// Many pages at the default batch size (100).
const DEVICES: u32 = 20_000;
const BATCH: u64 = 100;
const FETCH_PAGES: u64 = DEVICES as u64 / BATCH;
/// Pages let through before the held one.
const FETCH_PAGES_BEFORE_KILL: u32 = 60;
const SYNC_PAGES_BEFORE_KILL: u32 = 5;

#[tokio::test]
async fn kill_9_mid_fetch_and_mid_sync_loses_and_duplicates_nothing_on_sqlite() {
    let rig = Rig::start(Db::Sqlite, DEVICES).await.unwrap();
    crash_scenario(rig).await;
}

#[tokio::test]
async fn kill_9_mid_fetch_and_mid_sync_loses_and_duplicates_nothing_on_postgres() {
    if let Some(rig) = Rig::start(Db::Postgres, DEVICES).await {
        crash_scenario(rig).await;
    }
}

async fn crash_scenario(mut rig: Rig) {
    crash_during_full_fetch(&mut rig).await;
    crash_during_incremental_sync(&mut rig).await;
}

async fn crash_during_full_fetch(rig: &mut Rig) {
    let held = rig.hold_after(FETCH, FETCH_PAGES_BEFORE_KILL).await;
    let run_id = rig.start_sync().await;
    rig.wait_requests(FETCH, held).await;
    rig.kill_server().await;

    // A real crash: the run is still marked running, and the store holds whole pages only.
    let crashed = rig.run(run_id).await;
    assert_eq!(crashed.outcome, "running", "{crashed:?}");
    let pages = crashed.pages;
    assert!(
        0 < pages && pages < FETCH_PAGES,
        "not mid-fetch: {crashed:?}"
    );
    assert_eq!(rig.stored_serials().await.len() as u64, pages * BATCH);

    rig.serve().await;
    let last = rig.sync_to_end().await;
    assert_eq!(last["outcome"], "success", "{last}");
    // Continued from the committed cursor: only the pages not yet stored were fetched again.
    let fetched_after = rig.requests(FETCH).await - held;
    assert_eq!(fetched_after, FETCH_PAGES - pages);
    let later = interrupted_then_later(rig, run_id).await;
    assert_eq!(
        later.iter().map(|r| r.added).sum::<u64>(),
        u64::from(DEVICES) - pages * BATCH,
        "{later:?}"
    );
    same_devices(rig).await;
}

async fn crash_during_incremental_sync(rig: &mut Rig) {
    let (events, edited) = make_changes(rig).await;
    let sync_pages = events.div_ceil(BATCH);
    let held = rig.hold_after(SYNC, SYNC_PAGES_BEFORE_KILL).await;
    let run_id = rig.start_sync().await;
    rig.wait_requests(SYNC, held).await;
    rig.kill_server().await;

    let crashed = rig.run(run_id).await;
    assert_eq!(
        (crashed.outcome.as_str(), crashed.phase.as_str()),
        ("running", "sync")
    );
    let pages = crashed.pages;
    assert!(0 < pages && pages < sync_pages, "not mid-sync: {crashed:?}");

    rig.serve().await;
    let last = rig.sync_to_end().await;
    assert_eq!(last["outcome"], "success", "{last}");
    let synced_after = rig.requests(SYNC).await - held;
    assert_eq!(synced_after, sync_pages - pages);
    let later = interrupted_then_later(rig, run_id).await;
    assert_eq!(
        later.iter().map(|r| r.pages).sum::<u64>(),
        sync_pages - pages
    );
    same_devices(rig).await;
    for serial in &edited {
        let device = rig.store.abm_device(serial).await.unwrap().unwrap();
        assert_eq!(
            device.data.color.as_deref(),
            Some("CRASH-RED"),
            "{device:?}"
        );
    }
}

/// Changes at the simulator, as an ABM administrator makes them: 1,000 new devices, 300
/// released, 300 moved to another MDM server, 20 edited. Returns the events they make and the
/// edited serials.
async fn make_changes(rig: &Rig) -> (u64, Vec<String>) {
    let serials = rig.stored_serials().await;
    rig.sim.add_devices(1000, Some("mix")).await.unwrap();
    let released = rig.sim.release(&serials[..300]).await.unwrap();
    assert_eq!(released.applied.len(), 300, "{released:?}");
    let moved = rig
        .sim
        .move_devices(&serials[300..600], &rig.elsewhere)
        .await
        .unwrap();
    assert_eq!(moved.applied.len(), 300, "{moved:?}");
    let patch = DevicePatch {
        color: Some("CRASH-RED".into()),
        ..DevicePatch::default()
    };
    let edited = serials[600..620].to_vec();
    for serial in &edited {
        rig.sim.modify_device(serial, &patch).await.unwrap();
    }
    (1000 + 300 + 300 + 20, edited)
}

/// The interrupted run is recorded as failed (interrupted); returns the runs after it, which
/// must all have succeeded.
async fn interrupted_then_later(rig: &Rig, interrupted: uuid::Uuid) -> Vec<SyncRun> {
    let run = rig.run(interrupted).await;
    assert_eq!(run.outcome, "failed", "{run:?}");
    let error = run.error.clone().unwrap_or_default();
    assert!(error.contains("interrupted"), "{run:?}");
    let later: Vec<SyncRun> = rig
        .runs()
        .await
        .into_iter()
        .filter(|r| r.started_at > run.started_at)
        .collect();
    assert!(!later.is_empty());
    assert!(later.iter().all(|r| r.outcome == "success"), "{later:?}");
    later
}

/// Cultivar's active devices are exactly the simulator's: same set, same count, no duplicate.
async fn same_devices(rig: &Rig) {
    let stored = rig.stored_serials().await;
    let unique: BTreeSet<String> = stored.iter().cloned().collect();
    assert_eq!(unique.len(), stored.len(), "a serial is stored twice");
    let expected = rig.sim_serials().await;
    assert_eq!(stored.len(), expected.len());
    let missing: Vec<&String> = expected.difference(&unique).take(5).collect();
    let extra: Vec<&String> = unique.difference(&expected).take(5).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
}
