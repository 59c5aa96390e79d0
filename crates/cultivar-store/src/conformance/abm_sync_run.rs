use uuid::Uuid;

use super::{abm_server::insert_server, assert_invalid, assert_not_found, at, found, must};
use crate::{NewSyncRun, Store, SyncPhase, SyncRun, SyncRunEnd};

fn new_run(server: Uuid, trigger: &str, started: i64) -> NewSyncRun {
    NewSyncRun {
        abm_server_id: server,
        trigger: trigger.to_owned(),
        phase: SyncPhase::Sync,
        started_at: at(started, 500),
    }
}

fn end(outcome: &str, error: Option<&str>, finished: i64, micros: u32) -> SyncRunEnd {
    SyncRunEnd {
        outcome: outcome.to_owned(),
        error: error.map(str::to_owned),
        phase: SyncPhase::Fetch,
        finished_at: at(finished, micros),
    }
}

/// Runs start "running" with zero counters and finish with outcome, phase and duration.
pub async fn abm_sync_run_round_trip(store: &dyn Store) {
    let server = insert_server(store).await.id;
    let new = new_run(server, "periodic", 1_700_000_000);
    let run = must(store.insert_sync_run(&new).await, "insert_sync_run");
    let want = SyncRun {
        id: run.id,
        abm_server_id: server,
        trigger: "periodic".to_owned(),
        phase: "sync".to_owned(),
        started_at: new.started_at,
        finished_at: None,
        pages: 0,
        added: 0,
        modified: 0,
        deleted: 0,
        outcome: "running".to_owned(),
        error: None,
        duration_ms: None,
    };
    assert_eq!(run, want, "a new run is running with zero counters");
    assert_eq!(
        found(store.sync_run(run.id).await, "sync_run"),
        want,
        "reads back"
    );

    let fin = end("warning", Some("cursor echoed"), 1_700_000_002, 250_500);
    let done = must(store.finish_sync_run(run.id, &fin).await, "finish_sync_run");
    let finished = SyncRun {
        phase: "fetch".to_owned(),
        finished_at: Some(fin.finished_at),
        outcome: "warning".to_owned(),
        error: Some("cursor echoed".to_owned()),
        // 2.250 s between the start and the end: whole milliseconds.
        duration_ms: Some(2_250),
        ..want
    };
    assert_eq!(
        done, finished,
        "outcome, error, phase, end and duration stored"
    );
    let read = found(store.sync_run(run.id).await, "sync_run");
    assert_eq!(read, finished, "a finished run reads back");

    let early = end("success", None, 1_600_000_000, 0);
    let skewed = must(
        store.finish_sync_run(run.id, &early).await,
        "finish before start",
    );
    assert_eq!(
        skewed.duration_ms,
        Some(0),
        "a clock going back gives 0, not negative"
    );
}

/// Unknown ids and servers are NotFound; triggers and outcomes outside their sets are refused.
pub async fn abm_sync_run_rules(store: &dyn Store) {
    let server = insert_server(store).await.id;
    let run = must(
        store.insert_sync_run(&new_run(server, "startup", 1)).await,
        "insert_sync_run",
    );
    let fin = end("success", None, 2, 0);
    assert_eq!(must(store.sync_run(Uuid::new_v4()).await, "sync_run"), None);
    let r = store.finish_sync_run(Uuid::new_v4(), &fin).await;
    assert_not_found(r, "finish_sync_run of an unknown run");
    let r = store
        .insert_sync_run(&new_run(Uuid::new_v4(), "manual", 1))
        .await;
    assert_not_found(r, "insert_sync_run for an unknown server");
    let r = store.insert_sync_run(&new_run(server, "hourly", 1)).await;
    assert_invalid(r, "trigger", "unknown trigger");
    let r = store
        .finish_sync_run(run.id, &end("running", None, 1, 0))
        .await;
    assert_invalid(r, "outcome", "finishing as running");
}

/// History is per server, newest first, paged by the last id of the previous page.
pub async fn abm_sync_run_history(store: &dyn Store) {
    let server = insert_server(store).await.id;
    let other = insert_server(store).await.id;
    let mut runs = Vec::new();
    // Two runs share a start time, so the id breaks the tie.
    for (i, started) in [10, 30, 20, 30, 40].into_iter().enumerate() {
        let trigger = ["manual", "periodic", "startup"][i % 3];
        let new = new_run(server, trigger, 1_700_000_000 + started);
        runs.push(must(store.insert_sync_run(&new).await, "insert_sync_run"));
    }
    must(
        store
            .insert_sync_run(&new_run(other, "manual", 1_800_000_000))
            .await,
        "another server's run",
    );
    let mut want = runs.clone();
    want.sort_by_key(|r| std::cmp::Reverse((r.started_at, r.id)));

    let all = must(
        store.list_sync_runs(server, 10, None).await,
        "list_sync_runs",
    );
    assert_eq!(
        all, want,
        "newest first (started_at, then id), this server's only"
    );
    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = must(store.list_sync_runs(server, 2, before).await, "page");
        assert!(page.len() <= 2, "a page holds at most `limit` runs");
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        paged.extend(page);
    }
    assert_eq!(paged, want, "paging by `before` walks the same order");
    let none = must(store.list_sync_runs(server, 0, None).await, "limit 0");
    assert!(none.is_empty(), "limit 0 returns nothing");
    let foreign = must(
        store.list_sync_runs(other, 10, Some(want[0].id)).await,
        "before another server's run",
    );
    assert!(
        foreign.is_empty(),
        "`before` naming no run of this server: empty"
    );
}

/// Runs left running by a crash are failed; finished ones are left alone.
pub async fn abm_sync_interrupted_runs(store: &dyn Store) {
    let server = insert_server(store).await.id;
    let mut running = Vec::new();
    for started in [1, 2] {
        let new = new_run(server, "startup", 1_700_000_000 + started);
        running.push(must(store.insert_sync_run(&new).await, "insert_sync_run"));
    }
    let new = new_run(server, "manual", 1_700_000_003);
    let finished = must(store.insert_sync_run(&new).await, "insert_sync_run");
    let fin = end("success", None, 1_700_000_004, 0);
    let finished = must(store.finish_sync_run(finished.id, &fin).await, "finish");

    let now = at(1_700_000_100, 77);
    let n = must(
        store.fail_interrupted_sync_runs(now).await,
        "fail_interrupted",
    );
    assert!(n >= 2, "both running runs are counted (got {n})");
    for run in &running {
        let read = found(store.sync_run(run.id).await, "sync_run");
        assert_eq!(
            (
                read.outcome.as_str(),
                read.error.as_deref(),
                read.finished_at
            ),
            ("failed", Some("interrupted (cultivar stopped)"), Some(now)),
            "an interrupted run is failed"
        );
        assert_eq!(read.duration_ms, None, "its real duration is unknown");
    }
    let read = found(store.sync_run(finished.id).await, "sync_run");
    assert_eq!(read, finished, "a finished run is untouched");
    let again = must(store.fail_interrupted_sync_runs(now).await, "again");
    assert_eq!(again, 0, "nothing is left running");
}
