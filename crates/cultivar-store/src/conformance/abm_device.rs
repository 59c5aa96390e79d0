use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{abm_server::insert_server, at, found, must, unique};
use crate::{
    AbmDevice, AbmDeviceData, DeviceChange, NewSyncRun, PageCommit, PageCounts, Store, SyncPhase,
};

/// An ABM server with one running sync run, the usual target of a page.
#[derive(Debug, Clone, Copy)]
pub(super) struct Target {
    pub(super) server: Uuid,
    pub(super) run: Uuid,
}

pub(super) async fn new_run(store: &dyn Store, server: Uuid) -> Uuid {
    let run = NewSyncRun {
        abm_server_id: server,
        trigger: "manual".to_owned(),
        phase: SyncPhase::Fetch,
        started_at: at(1_700_000_000, 0),
    };
    must(store.insert_sync_run(&run).await, "insert_sync_run").id
}

pub(super) async fn target(store: &dyn Store) -> Target {
    let server = insert_server(store).await.id;
    let run = new_run(store, server).await;
    Target { server, run }
}

/// A serial number no other case uses (upper-case, as Apple's are).
pub(super) fn serial(tag: &str) -> String {
    unique(tag).to_ascii_uppercase()
}

/// A device with every field set, varied by `n`.
pub(super) fn full_device(serial: &str, n: i64) -> AbmDeviceData {
    AbmDeviceData {
        serial_number: serial.to_owned(),
        model: Some(format!("iPhone {n}")),
        description: Some(format!("IPHONE {n} BLACK 64GB")),
        color: Some("BLACK".to_owned()),
        asset_tag: Some(format!("tag-{n}")),
        os: Some("iOS".to_owned()),
        device_family: Some("iPhone".to_owned()),
        profile_status: Some("assigned".to_owned()),
        profile_uuid: Some(format!("PROFILE-{n}")),
        profile_assign_time: Some(at(1_690_000_000 + n, 123_456)),
        profile_push_time: Some(at(1_690_000_100 + n, 654_321)),
        device_assigned_date: Some(at(1_680_000_000 + n, 1)),
        device_assigned_by: Some("admin@example.com".to_owned()),
        extra: json!({ "future_field": n, "nested": { "ok": true, "list": [1, "two", null] } }),
    }
}

pub(super) fn fetched(data: AbmDeviceData) -> DeviceChange {
    DeviceChange::Upsert {
        data,
        op_type: None,
        op_date: None,
    }
}

pub(super) fn synced(data: AbmDeviceData, op: &str, op_date: OffsetDateTime) -> DeviceChange {
    DeviceChange::Upsert {
        data,
        op_type: Some(op.to_owned()),
        op_date: Some(op_date),
    }
}

pub(super) fn deleted(serial: &str, op_date: Option<OffsetDateTime>) -> DeviceChange {
    DeviceChange::Removed {
        serial_number: serial.to_owned(),
        op_date,
    }
}

/// Commits one sync-phase page at generation 1, panicking on failure.
pub(super) async fn commit(
    store: &dyn Store,
    t: Target,
    changes: &[DeviceChange],
    cursor: &str,
    now: OffsetDateTime,
) -> PageCounts {
    let page = PageCommit {
        abm_server_id: t.server,
        run_id: t.run,
        phase: SyncPhase::Sync,
        changes,
        cursor,
        fetch_generation: 1,
        now,
    };
    must(store.commit_sync_page(&page).await, "commit_sync_page")
}

pub(super) async fn device(store: &dyn Store, serial: &str) -> AbmDevice {
    found(store.abm_device(serial).await, "abm_device")
}

pub(super) fn counts(added: u64, modified: u64, deleted: u64) -> PageCounts {
    PageCounts {
        added,
        modified,
        deleted,
    }
}

/// A fetched page inserts devices exactly as given, stores the cursor and counts the run.
pub async fn abm_device_page_round_trip(store: &dyn Store) {
    let t = target(store).await;
    let (a, b) = (serial("rt"), serial("rt"));
    let full = full_device(&a, 7);
    let bare = AbmDeviceData::new(b.as_str());
    let now = at(1_700_000_100, 250_001);
    let page = PageCommit {
        abm_server_id: t.server,
        run_id: t.run,
        phase: SyncPhase::Fetch,
        changes: &[fetched(full.clone()), fetched(bare.clone())],
        cursor: &"C".repeat(1500),
        fetch_generation: 3,
        now,
    };
    let got = must(store.commit_sync_page(&page).await, "commit_sync_page");
    assert_eq!(got, counts(2, 0, 0), "two new devices count as added");

    let read = device(store, &a).await;
    let want = AbmDevice {
        data: full,
        abm_server_id: t.server,
        last_op_type: None,
        last_op_date: None,
        removed_at: None,
        first_seen_at: now,
        updated_at: now,
    };
    assert_eq!(read, want, "a fetched device must read back field by field");
    assert_eq!(
        device(store, &b).await.data,
        bare,
        "empty fields stay empty"
    );
    let none = must(store.abm_device("NO-SUCH-SERIAL").await, "abm_device");
    assert_eq!(none, None, "an unknown serial is None");

    let state = found(store.sync_state(t.server).await, "sync_state");
    assert_eq!(state.phase, SyncPhase::Fetch, "the page's phase is stored");
    assert_eq!(
        state.cursor.as_deref(),
        Some(page.cursor),
        "long cursors are kept whole"
    );
    assert_eq!(state.cursor_at, Some(now), "cursor_at = the page's now");
    let run = found(store.sync_run(t.run).await, "sync_run");
    assert_eq!(
        (run.pages, run.added, run.modified, run.deleted),
        (1, 2, 0, 0),
        "the run counts the page and its devices"
    );
}

/// Upserts: modified on the same server, taken over from another or after a removal,
/// ignored when stale; removals: counted only for an active device of the page's server.
pub async fn abm_device_page_rules(store: &dyn Store) {
    let (t, other) = (target(store).await, target(store).await);
    let s: Vec<String> = (0..7).map(|_| serial("rule")).collect();
    let t0 = at(1_700_000_000, 0);
    let first: Vec<DeviceChange> = (0..4)
        .map(|i| synced(full_device(&s[i], 1), "added", t0))
        .chain([fetched(full_device(&s[4], 1))])
        .collect();
    assert_eq!(commit(store, t, &first, "c1", t0).await, counts(5, 0, 0));
    let moved_away = [
        fetched(full_device(&s[5], 1)),
        fetched(full_device(&s[6], 1)),
    ];
    commit(store, other, &moved_away, "o1", t0).await;
    let before = device(store, &s[0]).await;
    let never = serial("never");

    let t1 = at(1_700_000_500, 7);
    let page = [
        synced(full_device(&s[0], 2), "modified", t1), // modified, data changed
        fetched(full_device(&s[1], 1)),                // modified, nothing changed
        synced(full_device(&s[2], 9), "modified", at(1_600_000_000, 0)), // stale
        deleted(&s[3], Some(t1)),                      // deleted
        synced(full_device(&s[5], 2), "added", t1),    // taken over from `other`
        deleted(&s[6], Some(t1)),                      // on another server: ignored
        deleted(&never, Some(t1)),                     // unknown: ignored
    ];
    let got = commit(store, t, &page, "c2", t1).await;
    assert_eq!(
        got,
        counts(1, 2, 1),
        "added, modified, deleted as the rules say"
    );

    let modified = device(store, &s[0]).await;
    assert_eq!(modified.data, full_device(&s[0], 2), "modified data stored");
    assert_eq!(
        modified.first_seen_at, before.first_seen_at,
        "first_seen_at kept"
    );
    assert_eq!(
        (
            modified.last_op_type.as_deref(),
            modified.last_op_date,
            modified.updated_at
        ),
        (Some("modified"), Some(t1), t1),
        "op and updated_at stored"
    );
    assert_eq!(
        device(store, &s[1]).await.last_op_type,
        None,
        "a fetch clears the op"
    );
    assert_eq!(
        device(store, &s[2]).await.data,
        full_device(&s[2], 1),
        "stale change ignored"
    );
    let gone = device(store, &s[3]).await;
    assert_eq!(
        (
            gone.removed_at,
            gone.last_op_type.as_deref(),
            gone.last_op_date
        ),
        (Some(t1), Some("deleted"), Some(t1)),
        "a deleted device is marked removed, not dropped"
    );
    assert_eq!(
        gone.data,
        full_device(&s[3], 1),
        "a removed device keeps its data"
    );
    let taken = device(store, &s[5]).await;
    assert_eq!(
        taken.abm_server_id, t.server,
        "a moved device shows under its new server"
    );
    assert_eq!(
        device(store, &s[6]).await.removed_at,
        None,
        "other server's device untouched"
    );
    let unknown = must(store.abm_device(&never).await, "abm_device");
    assert_eq!(
        unknown, None,
        "a delete of an unknown serial creates nothing"
    );

    let t2 = at(1_700_000_900, 0);
    let late = commit(store, other, &[deleted(&s[5], Some(t2))], "o2", t2).await;
    assert_eq!(
        late,
        counts(0, 0, 0),
        "the old server's delete after a move is ignored"
    );
    assert_eq!(
        device(store, &s[5]).await.removed_at,
        None,
        "the moved device stays active"
    );
    let back = [synced(full_device(&s[3], 3), "added", t2)];
    let got = commit(store, t, &back, "c3", t2).await;
    assert_eq!(
        got,
        counts(1, 0, 0),
        "a removed device that comes back counts as added"
    );
    assert_eq!(
        device(store, &s[3]).await.removed_at,
        None,
        "and is active again"
    );
    let got = commit(store, t, &[deleted(&s[3], Some(t1))], "c4", t2).await;
    assert_eq!(
        got,
        counts(0, 0, 0),
        "a delete older than the last op is ignored"
    );
    assert_eq!(
        device(store, &s[3]).await.removed_at,
        None,
        "stale delete: still active"
    );
    let got = commit(store, t, &[deleted(&s[0], None)], "c5", t2).await;
    assert_eq!(got, counts(0, 0, 1), "a delete without op_date applies");
    let got = commit(store, t, &[deleted(&s[0], None)], "c6", t2).await;
    assert_eq!(got, counts(0, 0, 0), "deleting a removed device is ignored");

    let run = found(store.sync_run(t.run).await, "sync_run");
    assert_eq!(
        (run.pages, run.added, run.modified, run.deleted),
        (6, 7, 2, 2),
        "the run adds up every page"
    );
}
