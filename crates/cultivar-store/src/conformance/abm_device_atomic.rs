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

    // The run check comes after every device write, so this proves the rollback.
    let unknown_run = Target {
        server: t.server,
        run: Uuid::new_v4(),
    };
    let r = store
        .commit_sync_page(&page(unknown_run, &changes, "cursor-2"))
        .await;
    assert_not_found(r, "commit_sync_page with an unknown run");
    let after = snapshot(store, t, &serials).await;
    assert_eq!(
        after, before,
        "a page with an unknown run must store nothing"
    );

    let foreign_run = Target {
        server: t.server,
        run: other.run,
    };
    let r = store
        .commit_sync_page(&page(foreign_run, &changes, "cursor-2"))
        .await;
    assert_not_found(r, "commit_sync_page with another server's run");
    let after = snapshot(store, t, &serials).await;
    assert_eq!(
        after, before,
        "a page with another server's run must store nothing"
    );
    let other_run = found(store.sync_run(other.run).await, "other run");
    assert_eq!(other_run.pages, 0, "the other server's run is not counted");

    let nowhere = Target {
        server: Uuid::new_v4(),
        run: t.run,
    };
    let r = store
        .commit_sync_page(&page(nowhere, &changes, "cursor-2"))
        .await;
    assert_not_found(r, "commit_sync_page for an unknown server");
    let state = must(store.sync_state(nowhere.server).await, "sync_state");
    assert_eq!(state, None, "no state for an unknown server");
    assert_eq!(snapshot(store, t, &serials).await, before, "nothing stored");

    let got = must(
        store.commit_sync_page(&page(t, &changes, "cursor-2")).await,
        "the same page with the right run",
    );
    assert_eq!(got, counts(1, 1, 1), "the retried page applies in full");
    assert_eq!(device(store, &new).await.data, full_device(&new, 1));
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
