//! A throughput measurement of `commit_sync_page`, not a pass/fail test (it asserts only that
//! every device arrived). Run it in release mode:
//!
//! ```text
//! cargo test --release -p cultivar-store --test sync_bench -- --ignored --nocapture
//! ```
//!
//! `CULTIVAR_BENCH_DEVICES` (default 500000) devices are fetched 1000 per page into a fresh
//! database, then three sync pages of 1000 changes each are applied; times go to stderr.

mod common;

use std::time::{Duration, Instant};

use cultivar_store::{
    AbmDeviceData, AbmDeviceQuery, DeviceChange, NewAbmServer, NewSyncRun, PageCommit, Store,
    SyncPhase,
};
use time::OffsetDateTime;

const PAGE: usize = 1000;

fn devices() -> usize {
    std::env::var("CULTIVAR_BENCH_DEVICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500_000)
}

fn device(n: usize, generation: usize) -> AbmDeviceData {
    let at = OffsetDateTime::from_unix_timestamp(1_700_000_000 + n as i64).expect("time");
    let mut d = AbmDeviceData::new(format!("C02X{n:08}"));
    d.model = Some("MacBook Pro 14-inch".into());
    d.description = Some(format!("MBP 14 SPACE GRAY {generation}"));
    d.color = Some("SPACE GRAY".into());
    let (os, family) = match n % 3 {
        0 => ("OSX", "Mac"),
        _ => ("iOS", "iPhone"),
    };
    d.os = Some(os.into());
    d.device_family = Some(family.into());
    d.profile_status = Some("assigned".into());
    d.profile_uuid = Some("9F2C5E4A1B3D4E6F8A0B1C2D3E4F5A6B".into());
    d.profile_assign_time = Some(at);
    d.device_assigned_date = Some(at);
    d.device_assigned_by = Some("it@example.com".into());
    d.extra = serde_json::json!({ "unknown_field": n });
    d
}

/// Round `r` of sync changes: every device touched lies in its own stripe, so each round
/// modifies, adds and removes devices no earlier round touched.
fn sync_changes(total: usize, round: usize, now: OffsetDateTime) -> Vec<DeviceChange> {
    let op_date = Some(now);
    let existing = |i: usize| (i * 7 + round * 7001) % total;
    (0..PAGE)
        .map(|i| match i {
            0..800 => DeviceChange::Upsert {
                data: device(existing(i), 1),
                op_type: Some("modified".into()),
                op_date,
            },
            800..900 => DeviceChange::Upsert {
                data: device(total + round * PAGE + i, 1),
                op_type: Some("added".into()),
                op_date,
            },
            _ => DeviceChange::Removed {
                serial_number: format!("C02X{:08}", existing(i)),
                op_date,
            },
        })
        .collect()
}

fn rss_peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The bench's ABM server, the generation of its full fetch and the pages' clock.
struct Setup {
    server: uuid::Uuid,
    generation: i64,
    now: OffsetDateTime,
}

async fn setup(store: &dyn Store) -> Setup {
    let new = NewAbmServer {
        name: "bench".into(),
        base_url: "https://example.invalid".into(),
        private_key_enc: vec![1],
        certificate_pem: "cert".into(),
        status: "ok".into(),
    };
    let server = store.insert_abm_server(&new).await.expect("server").id;
    let now = OffsetDateTime::now_utc();
    let state = store.start_full_fetch(server, now).await.expect("start");
    Setup {
        server,
        generation: state.fetch_generation,
        now,
    }
}

async fn run(store: &dyn Store, s: &Setup, phase: SyncPhase) -> uuid::Uuid {
    let new = NewSyncRun {
        abm_server_id: s.server,
        trigger: "manual".into(),
        phase,
        started_at: s.now,
    };
    store.insert_sync_run(&new).await.expect("run").id
}

/// The full fetch of `total` devices, 1000 per page, then its reconcile.
async fn fetch(store: &dyn Store, s: &Setup, total: usize) -> Duration {
    let run_id = run(store, s, SyncPhase::Fetch).await;
    let started = Instant::now();
    for first in (0..total).step_by(PAGE) {
        let changes: Vec<DeviceChange> = (first..(first + PAGE).min(total))
            .map(|n| DeviceChange::Upsert {
                data: device(n, 0),
                op_type: None,
                op_date: None,
            })
            .collect();
        // Apple's cursors run to 1000+ characters.
        let cursor = format!("cursor-{first}-{}", "x".repeat(1000));
        let page = PageCommit {
            abm_server_id: s.server,
            run_id,
            phase: SyncPhase::Fetch,
            changes: &changes,
            cursor: &cursor,
            fetch_generation: s.generation,
            now: s.now,
        };
        store.commit_sync_page(&page).await.expect("commit page");
    }
    let gone = store
        .finish_full_fetch(s.server, run_id, s.generation, s.now)
        .await
        .expect("finish");
    assert_eq!(gone, 0);
    started.elapsed()
}

/// Three sync pages of 1000 changes (800 modified, 100 added, 100 deleted), each timed.
async fn sync(store: &dyn Store, s: &Setup, total: usize) -> Vec<Duration> {
    let run_id = run(store, s, SyncPhase::Sync).await;
    let mut times = Vec::new();
    for round in 0..3 {
        let changes = sync_changes(total, round, s.now);
        let page = PageCommit {
            abm_server_id: s.server,
            run_id,
            phase: SyncPhase::Sync,
            changes: &changes,
            cursor: "sync-cursor",
            fetch_generation: s.generation,
            now: s.now,
        };
        let started = Instant::now();
        let counts = store.commit_sync_page(&page).await.expect("sync page");
        times.push(started.elapsed());
        assert_eq!(
            (counts.added, counts.modified, counts.deleted),
            (100, 800, 100)
        );
    }
    times
}

async fn bench(name: &str, store: &dyn Store) {
    let total = devices();
    let s = setup(store).await;
    let fetched = fetch(store, &s, total).await;
    let synced = sync(store, &s, total).await;
    let q = AbmDeviceQuery {
        abm_server_id: Some(s.server),
        removed: Some(false),
        ..Default::default()
    };
    let active = store.count_abm_devices(&q).await.expect("count");
    assert_eq!(active, total as u64, "every device arrived, none twice");
    let ms: Vec<String> = synced
        .iter()
        .map(|d| format!("{:.0}", d.as_secs_f64() * 1000.0))
        .collect();
    eprintln!(
        "{name}: fetch {total} devices in {:.2} s ({:.0} devices/s); pages of 1000 sync \
         changes in {} ms; peak RSS {} MiB",
        fetched.as_secs_f64(),
        total as f64 / fetched.as_secs_f64(),
        ms.join(", "),
        rss_peak_kib() / 1024,
    );
}

#[tokio::test]
#[ignore = "measurement; run in release mode with --ignored --nocapture"]
async fn sqlite_fetch_throughput() {
    let h = common::sqlite().await.expect("sqlite");
    bench("sqlite", h.store.as_ref()).await;
    h.finish().await;
}

#[tokio::test]
#[ignore = "measurement; run in release mode with --ignored --nocapture"]
async fn postgres_fetch_throughput() {
    let Some(h) = common::postgres().await else {
        return;
    };
    bench("postgres", h.store.as_ref()).await;
    h.finish().await;
}
