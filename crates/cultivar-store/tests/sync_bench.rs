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

use std::time::Instant;

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

async fn bench(name: &str, store: &dyn Store) {
    let total = devices();
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
    let new_run = |phase| NewSyncRun {
        abm_server_id: server,
        trigger: "manual".into(),
        phase,
        started_at: now,
    };
    let run = store
        .insert_sync_run(&new_run(SyncPhase::Fetch))
        .await
        .expect("run");

    let started = Instant::now();
    for first in (0..total).step_by(PAGE) {
        let changes: Vec<DeviceChange> = (first..(first + PAGE).min(total))
            .map(|n| DeviceChange::Upsert {
                data: device(n, 0),
                op_type: None,
                op_date: None,
            })
            .collect();
        let cursor = format!("cursor-{first}-{}", "x".repeat(1000));
        let page = PageCommit {
            abm_server_id: server,
            run_id: run.id,
            phase: SyncPhase::Fetch,
            changes: &changes,
            cursor: &cursor,
            fetch_generation: state.fetch_generation,
            now,
        };
        store.commit_sync_page(&page).await.expect("commit page");
    }
    let gone = store
        .finish_full_fetch(server, run.id, state.fetch_generation, now)
        .await
        .expect("finish");
    let fetch = started.elapsed();
    assert_eq!(gone, 0);

    // Sync pages of 1000 changes: 800 modified, 100 added, 100 deleted.
    let run = store
        .insert_sync_run(&new_run(SyncPhase::Sync))
        .await
        .expect("run");
    let mut syncs = Vec::new();
    for round in 0..3 {
        let changes = sync_changes(total, round, now);
        let page = PageCommit {
            abm_server_id: server,
            run_id: run.id,
            phase: SyncPhase::Sync,
            changes: &changes,
            cursor: "sync-cursor",
            fetch_generation: state.fetch_generation,
            now,
        };
        let started = Instant::now();
        let counts = store.commit_sync_page(&page).await.expect("sync page");
        syncs.push(format!("{:.0}", started.elapsed().as_secs_f64() * 1000.0));
        assert_eq!(
            (counts.added, counts.modified, counts.deleted),
            (100, 800, 100)
        );
    }
    let sync = syncs.join(", ");

    let q = AbmDeviceQuery {
        abm_server_id: Some(server),
        removed: Some(false),
        ..Default::default()
    };
    let active = store.count_abm_devices(&q).await.expect("count");
    assert_eq!(active, total as u64);
    eprintln!(
        "{name}: fetch {total} devices in {:.2} s ({:.0} devices/s); pages of 1000 sync \
         changes in {sync} ms; peak RSS so far {} MiB",
        fetch.as_secs_f64(),
        total as f64 / fetch.as_secs_f64(),
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
