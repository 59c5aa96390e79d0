use uuid::Uuid;

use super::{
    abm_device::{commit, deleted, device, fetched, full_device, new_run, serial, target, Target},
    assert_invalid, assert_not_found, at, found, must,
};
use crate::{DeviceChange, PageCommit, Store, SyncPhase};

/// Commits one fetch-phase page stamped with `generation`.
async fn fetch_page(store: &dyn Store, t: Target, changes: &[DeviceChange], generation: i64) {
    let page = PageCommit {
        abm_server_id: t.server,
        run_id: t.run,
        phase: SyncPhase::Fetch,
        changes,
        cursor: "fetch-cursor",
        fetch_generation: generation,
        now: at(1_700_000_000, 0),
    };
    must(store.commit_sync_page(&page).await, "commit_sync_page");
}

/// A full fetch bumps the generation and resets the cursor; finishing it switches to sync
/// and keeps the cursor.
pub async fn abm_full_fetch_phases(store: &dyn Store) {
    let t = target(store).await;
    assert_eq!(must(store.sync_state(t.server).await, "sync_state"), None);
    let t0 = at(1_700_000_000, 5);
    let state = must(store.start_full_fetch(t.server, t0).await, "start");
    let got = (state.phase, state.cursor.as_deref(), state.fetch_generation);
    assert_eq!(
        got,
        (SyncPhase::Fetch, None, 1),
        "the first full fetch: generation 1"
    );
    fetch_page(store, t, &[fetched(full_device(&serial("phase"), 1))], 1).await;
    let removed = must(
        store.finish_full_fetch(t.server, t.run, 1, t0).await,
        "finish",
    );
    assert_eq!(removed, 0, "a device returned by the fetch is not removed");
    let state = found(store.sync_state(t.server).await, "sync_state");
    assert_eq!(
        state.phase,
        SyncPhase::Sync,
        "finishing a fetch switches to sync"
    );
    assert_eq!(
        state.cursor.as_deref(),
        Some("fetch-cursor"),
        "and keeps the cursor"
    );

    let t1 = at(1_700_100_000, 9);
    let state = must(store.start_full_fetch(t.server, t1).await, "start again");
    let got = (
        state.phase,
        state.cursor,
        state.cursor_at,
        state.fetch_generation,
    );
    let want = (SyncPhase::Fetch, None, Some(t1), 2);
    assert_eq!(got, want, "a new full fetch: generation + 1, cursor reset");

    let nobody = Uuid::new_v4();
    assert_not_found(store.start_full_fetch(nobody, t1).await, "unknown server");
    let fresh = target(store).await;
    let no_state = store
        .finish_full_fetch(fresh.server, fresh.run, 1, t1)
        .await;
    assert_not_found(no_state, "finish_full_fetch without a sync state");
}

/// Finishing a full fetch removes the server's active devices it did not return, counts them
/// on the run, and leaves removed devices and other servers alone.
pub async fn abm_full_fetch_reconcile(store: &dyn Store) {
    let (t, other) = (target(store).await, target(store).await);
    let t0 = at(1_700_000_000, 5);
    let s: Vec<String> = (0..4).map(|_| serial("recon")).collect();
    let all: Vec<DeviceChange> = s.iter().map(|x| fetched(full_device(x, 1))).collect();
    fetch_page(store, t, &all, 1).await;
    let theirs = serial("recon");
    fetch_page(store, other, &[fetched(full_device(&theirs, 1))], 0).await;
    commit(store, t, &[deleted(&s[3], None)], "sync-cursor", t0).await;

    let t1 = at(1_700_100_000, 9);
    let generation = must(store.start_full_fetch(t.server, t1).await, "start").fetch_generation;
    let run2 = Target {
        server: t.server,
        run: new_run(store, t.server).await,
    };
    fetch_page(store, run2, &all[..1], generation).await;
    let bogus = store.finish_full_fetch(t.server, Uuid::new_v4(), generation, t1);
    assert_not_found(bogus.await, "finish_full_fetch with an unknown run");
    let kept = device(store, &s[1]).await.removed_at;
    assert_eq!(kept, None, "a failed finish removes nothing");

    let finish = store.finish_full_fetch(t.server, run2.run, generation, t1);
    assert_eq!(
        must(finish.await, "finish"),
        2,
        "the two devices not returned"
    );
    assert_eq!(
        device(store, &s[0]).await.removed_at,
        None,
        "returned device stays"
    );
    for x in &s[1..3] {
        let removed = device(store, x).await.removed_at;
        assert_eq!(
            removed,
            Some(t1),
            "a device the fetch did not return is removed"
        );
    }
    let earlier = device(store, &s[3]).await.removed_at;
    assert_eq!(earlier, Some(t0), "a removed device keeps its removal time");
    let run = found(store.sync_run(run2.run).await, "sync_run");
    assert_eq!(run.deleted, 2, "reconciled removals count on the run");
    let theirs = device(store, &theirs).await;
    assert_eq!(theirs.removed_at, None, "other servers are untouched");
}

/// Success clears the last error; an error keeps the last success.
pub async fn abm_sync_health(store: &dyn Store) {
    let t = target(store).await;
    let (t1, t2, t3) = (
        at(1_700_000_001, 1),
        at(1_700_000_002, 2),
        at(1_700_000_003, 3),
    );
    must(
        store.record_sync_error(t.server, "HTTP 503", t1).await,
        "record_sync_error",
    );
    let state = found(store.sync_state(t.server).await, "health before any page");
    assert_eq!(
        (
            state.last_error.as_deref(),
            state.last_error_at,
            state.last_success_at
        ),
        (Some("HTTP 503"), Some(t1), None),
        "an error before the first page creates the state"
    );
    must(
        store.record_sync_success(t.server, t2).await,
        "record_sync_success",
    );
    let state = found(store.sync_state(t.server).await, "after success");
    assert_eq!(
        (state.last_error, state.last_error_at, state.last_success_at),
        (None, None, Some(t2)),
        "a success clears the last error"
    );
    must(
        store.record_sync_error(t.server, "expired", t3).await,
        "record_sync_error",
    );
    let state = found(store.sync_state(t.server).await, "after error");
    assert_eq!(
        state.last_success_at,
        Some(t2),
        "an error keeps the last success"
    );
    assert_eq!(state.last_error.as_deref(), Some("expired"));

    let blank = store.record_sync_error(t.server, " ", t3).await;
    assert_invalid(blank, "error", "empty error");
    let nobody = Uuid::new_v4();
    assert_not_found(
        store.record_sync_success(nobody, t3).await,
        "unknown server",
    );
    assert_not_found(
        store.record_sync_error(nobody, "x", t3).await,
        "unknown server",
    );
}

/// Deleting an ABM server deletes its devices, sync state and history.
pub async fn abm_server_delete_cascades_sync_data(store: &dyn Store) {
    let t = target(store).await;
    let s = serial("cascade");
    commit(
        store,
        t,
        &[fetched(full_device(&s, 1))],
        "c",
        at(1_700_000_000, 0),
    )
    .await;
    assert!(must(
        store.delete_abm_server(t.server).await,
        "delete_abm_server"
    ));
    assert_eq!(
        must(store.abm_device(&s).await, "abm_device"),
        None,
        "device deleted"
    );
    assert_eq!(
        must(store.sync_state(t.server).await, "state"),
        None,
        "state deleted"
    );
    assert_eq!(
        must(store.sync_run(t.run).await, "run"),
        None,
        "history deleted"
    );
}
