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

/// Commits `changes` on `t` and checks what they counted as.
async fn expect(
    store: &dyn Store,
    t: Target,
    changes: &[DeviceChange],
    now: OffsetDateTime,
    want: PageCounts,
    what: &str,
) {
    let got = commit(store, t, changes, "cursor", now).await;
    assert_eq!(got, want, "{what}: counts");
}

async fn assert_active(store: &dyn Store, serial: &str, server: Uuid, what: &str) {
    let d = device(store, serial).await;
    assert_eq!((d.abm_server_id, d.removed_at), (server, None), "{what}");
}

/// Upserts: modified on the same server (even unchanged), taken over from another server,
/// ignored when older than the device's last op.
pub async fn abm_device_page_upserts(store: &dyn Store) {
    let (t, other) = (target(store).await, target(store).await);
    let s: Vec<String> = (0..4).map(|_| serial("upsert")).collect();
    let t0 = at(1_700_000_000, 0);
    let mine: Vec<DeviceChange> = (0..3)
        .map(|i| synced(full_device(&s[i], 1), "added", t0))
        .collect();
    expect(store, t, &mine, t0, counts(3, 0, 0), "new devices").await;
    let theirs = [synced(full_device(&s[3], 1), "added", t0)];
    expect(store, other, &theirs, t0, counts(1, 0, 0), "other server").await;
    let before = device(store, &s[0]).await;

    let t1 = at(1_700_000_500, 7);
    let page = [
        synced(full_device(&s[0], 2), "modified", t1),
        fetched(full_device(&s[1], 1)),
        synced(full_device(&s[2], 9), "modified", at(1_600_000_000, 0)),
        synced(full_device(&s[3], 2), "added", t1),
    ];
    let want = counts(1, 2, 0);
    expect(
        store,
        t,
        &page,
        t1,
        want,
        "modified, unchanged, stale, moved",
    )
    .await;

    let modified = device(store, &s[0]).await;
    assert_eq!(modified.data, full_device(&s[0], 2), "modified data stored");
    assert_eq!(
        modified.first_seen_at, before.first_seen_at,
        "first_seen_at kept"
    );
    let op = (modified.last_op_type.as_deref(), modified.last_op_date);
    assert_eq!(op, (Some("modified"), Some(t1)), "op stored");
    assert_eq!(modified.updated_at, t1, "updated_at = now");
    let refetched = device(store, &s[1]).await;
    assert_eq!(refetched.last_op_type, None, "a fetch record has no op");
    let stale = device(store, &s[2]).await;
    assert_eq!(
        stale.data,
        full_device(&s[2], 1),
        "a stale change is ignored"
    );
    assert_active(
        store,
        &s[3],
        t.server,
        "a moved device shows under its new server",
    )
    .await;
    let run = found(store.sync_run(t.run).await, "sync_run");
    let totals = (run.pages, run.added, run.modified, run.deleted);
    assert_eq!(totals, (2, 4, 2, 0), "the run adds up every page");
}

const NONE: PageCounts = PageCounts {
    added: 0,
    modified: 0,
    deleted: 0,
};

/// Removals: counted only for an active device of the page's server; deletes of another
/// server's device or of an unknown serial are ignored.
pub async fn abm_device_page_removals(store: &dyn Store) {
    let (t, other) = (target(store).await, target(store).await);
    let s: Vec<String> = (0..4).map(|_| serial("removal")).collect();
    let never = serial("never");
    let t0 = at(1_700_000_000, 0);
    let mine = [
        fetched(full_device(&s[0], 1)),
        fetched(full_device(&s[1], 1)),
    ];
    expect(store, t, &mine, t0, counts(2, 0, 0), "fetched").await;
    let theirs = [
        fetched(full_device(&s[2], 1)),
        fetched(full_device(&s[3], 1)),
    ];
    expect(store, other, &theirs, t0, counts(2, 0, 0), "theirs").await;

    let t1 = at(1_700_000_500, 7);
    let page = [
        deleted(&s[0], Some(t1)),
        deleted(&s[2], Some(t1)),
        deleted(&never, Some(t1)),
        fetched(full_device(&s[3], 2)),
    ];
    let got = commit(store, t, &page, "c", t1).await;
    assert_eq!(got, counts(1, 0, 1), "own, other's, unknown, moved");
    let gone = device(store, &s[0]).await;
    let removal = (
        gone.removed_at,
        gone.last_op_type.as_deref(),
        gone.last_op_date,
    );
    assert_eq!(
        removal,
        (Some(t1), Some("deleted"), Some(t1)),
        "marked removed"
    );
    assert_eq!(gone.data, full_device(&s[0], 1), "removal keeps the data");
    assert_active(store, &s[2], other.server, "other's device untouched").await;
    let unknown = must(store.abm_device(&never).await, "abm_device");
    assert_eq!(
        unknown, None,
        "a delete of an unknown serial creates nothing"
    );

    removal_follow_ups(store, (t, other), &s, t1).await;
    let run = found(store.sync_run(t.run).await, "sync_run");
    let totals = (run.pages, run.added, run.modified, run.deleted);
    assert_eq!(totals, (6, 4, 0, 2), "the run adds up every page");
}

/// After `abm_device_page_removals`' pages (s0 removed at t1, s1 active, s3 moved from
/// `other` to `t`): late, stale and repeated deletes are ignored; a comeback is added.
async fn removal_follow_ups(
    store: &dyn Store,
    (t, other): (Target, Target),
    s: &[String],
    t1: OffsetDateTime,
) {
    let t2 = at(1_700_000_900, 0);
    let late = [deleted(&s[3], Some(t2))];
    let got = commit(store, other, &late, "c", t2).await;
    assert_eq!(got, NONE, "the old server's late delete is ignored");
    assert_active(store, &s[3], t.server, "the moved device stays").await;
    let back = [synced(full_device(&s[0], 3), "added", t2)];
    let got = commit(store, t, &back, "c", t2).await;
    assert_eq!(got, counts(1, 0, 0), "a comeback counts as added");
    assert_active(store, &s[0], t.server, "and is active again").await;
    let stale = [deleted(&s[0], Some(t1))];
    let got = commit(store, t, &stale, "c", t2).await;
    assert_eq!(got, NONE, "a delete older than the last op is ignored");
    assert_active(store, &s[0], t.server, "stale delete: no change").await;
    let plain = [deleted(&s[1], None)];
    let got = commit(store, t, &plain, "c", t2).await;
    assert_eq!(got, counts(0, 0, 1), "a delete without op_date applies");
    let got = commit(store, t, &plain, "c", t2).await;
    assert_eq!(got, NONE, "deleting a removed device is ignored");
}
