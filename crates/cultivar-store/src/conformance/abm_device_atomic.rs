use serde_json::json;
use uuid::Uuid;

use super::{
    abm_device::{
        commit, counts, deleted, device, fetched, full_device, serial, synced, target, Target,
    },
    assert_invalid, assert_not_found, at, found, must,
};
use crate::{AbmDevice, DeviceChange, PageCommit, Store, SyncPhase, SyncRun, SyncState};

/// Everything a failed page could have touched.
#[derive(Debug, PartialEq)]
struct Snapshot {
    devices: Vec<Option<AbmDevice>>,
    state: Option<SyncState>,
    run: Option<SyncRun>,
}

async fn snapshot(store: &dyn Store, t: Target, serials: &[&str]) -> Snapshot {
    let mut devices = Vec::new();
    for s in serials {
        devices.push(must(store.abm_device(s).await, "abm_device"));
    }
    Snapshot {
        devices,
        state: must(store.sync_state(t.server).await, "sync_state"),
        run: must(store.sync_run(t.run).await, "sync_run"),
    }
}

fn page<'a>(t: Target, changes: &'a [DeviceChange], cursor: &'a str) -> PageCommit<'a> {
    PageCommit {
        abm_server_id: t.server,
        run_id: t.run,
        phase: SyncPhase::Sync,
        changes,
        cursor,
        fetch_generation: 2,
        now: at(1_700_001_000, 0),
    }
}

/// Commits `changes` as `as_target`, expects NotFound, and checks `t` is as `before`.
async fn refused_unchanged(
    store: &dyn Store,
    (t, as_target): (Target, Target),
    changes: &[DeviceChange],
    serials: &[&str],
    before: &Snapshot,
    what: &str,
) {
    let r = store
        .commit_sync_page(&page(as_target, changes, "cursor-2"))
        .await;
    assert_not_found(r, what);
    let after = snapshot(store, t, serials).await;
    assert_eq!(&after, before, "{what}: the page must store nothing");
}

/// A page that fails stores nothing: no device change, no cursor, no run counters.
pub async fn abm_device_page_is_atomic(store: &dyn Store) {
    let (t, other) = (target(store).await, target(store).await);
    let (kept, gone, new) = (serial("atom"), serial("atom"), serial("atom"));
    let first = [
        fetched(full_device(&kept, 1)),
        fetched(full_device(&gone, 1)),
    ];
    commit(store, t, &first, "cursor-1", at(1_700_000_000, 0)).await;
    let serials = [kept.as_str(), gone.as_str(), new.as_str()];
    let before = snapshot(store, t, &serials).await;
    let t1 = at(1_700_000_500, 0);
    let changes = [
        synced(full_device(&kept, 2), "modified", t1),
        deleted(&gone, Some(t1)),
        synced(full_device(&new, 1), "added", t1),
    ];

    // The run is checked after every device write, so these prove the rollback.
    let cases = [
        (Uuid::new_v4(), t.server, "an unknown run"),
        (other.run, t.server, "another server's run"),
        (t.run, Uuid::new_v4(), "an unknown server"),
    ];
    for (run, server, what) in cases {
        let as_target = Target { server, run };
        refused_unchanged(store, (t, as_target), &changes, &serials, &before, what).await;
    }
    let other_run = found(store.sync_run(other.run).await, "other run");
    assert_eq!(other_run.pages, 0, "the other server's run is not counted");

    let retried = store.commit_sync_page(&page(t, &changes, "cursor-2")).await;
    let got = must(retried, "the same page with the right run");
    assert_eq!(got, counts(1, 1, 1), "the retried page applies in full");
    assert_eq!(device(store, &new).await.data, full_device(&new, 1));
    let state = found(store.sync_state(t.server).await, "sync_state");
    assert_eq!(
        state.cursor.as_deref(),
        Some("cursor-2"),
        "and stores its cursor"
    );
}

/// Pages the batch cannot apply as one unit are refused before anything is written.
pub async fn abm_device_page_rules_refused(store: &dyn Store) {
    let t = target(store).await;
    let s = serial("refuse");
    let serials = [s.as_str()];
    let before = snapshot(store, t, &serials).await;
    let twice = [fetched(full_device(&s, 1)), deleted(&s, None)];
    let r = store.commit_sync_page(&page(t, &twice, "c")).await;
    assert_invalid(r, "changes", "two changes for one serial");
    let one = [fetched(full_device(&s, 1))];
    let r = store.commit_sync_page(&page(t, &one, "")).await;
    assert_invalid(r, "cursor", "empty cursor");
    let mut odd = full_device(&s, 1);
    odd.extra = json!(["not", "an", "object"]);
    let r = store.commit_sync_page(&page(t, &[fetched(odd)], "c")).await;
    assert_invalid(r, "extra", "extra must be an object");
    let blank = [deleted(" ", None)];
    let r = store.commit_sync_page(&page(t, &blank, "c")).await;
    assert_invalid(r, "serial_number", "blank serial");
    assert_eq!(
        snapshot(store, t, &serials).await,
        before,
        "refused pages store nothing"
    );

    let empty = must(
        store.commit_sync_page(&page(t, &[], "only-cursor")).await,
        "a page without devices",
    );
    assert_eq!(empty, counts(0, 0, 0), "an empty page changes no device");
    let state = found(store.sync_state(t.server).await, "sync_state");
    assert_eq!(
        state.cursor.as_deref(),
        Some("only-cursor"),
        "its cursor is stored"
    );
    let run = found(store.sync_run(t.run).await, "sync_run");
    assert_eq!(run.pages, 1, "and it counts as a page");
}
