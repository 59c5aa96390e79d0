use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    abm_device::{
        commit, counts, deleted, device, fetched, full_device, serial, synced, target, Target,
    },
    at, found,
};
use crate::{AbmDeviceData, DeviceChange, PageCounts, Store};

/// The devices of [`abm_device_page_moves`], one per situation.
struct Serials {
    late_synced: String,
    late_fetched: String,
    late_removed: String,
    newer: String,
    released: String,
    fetch_takes: String,
}

/// `n` of [`full_device`]: 1 for the old server's first report, 2 for the new server's,
/// 3 for anything the old server reports afterwards.
fn data(serial: &str, n: i64, assigned: OffsetDateTime) -> AbmDeviceData {
    AbmDeviceData {
        device_assigned_date: Some(assigned),
        ..full_device(serial, n)
    }
}

const NONE: PageCounts = PageCounts {
    added: 0,
    modified: 0,
    deleted: 0,
};

fn t(seconds: i64) -> OffsetDateTime {
    at(1_700_000_000 + seconds, 0)
}

/// Moves between servers: the old server's late `added`/`modified` (older than what the new
/// server reported, or than the assignment date of a fetched row) are ignored, removed or not;
/// a newer record, a re-assignment after a release and a fetch record take the device over.
pub async fn abm_device_page_moves(store: &dyn Store) {
    let (old, new) = (target(store).await, target(store).await);
    let s = Serials {
        late_synced: serial("late-synced"),
        late_fetched: serial("late-fetched"),
        late_removed: serial("late-removed"),
        newer: serial("newer"),
        released: serial("released"),
        fetch_takes: serial("fetch-takes"),
    };
    let all = [
        &s.late_synced,
        &s.late_fetched,
        &s.late_removed,
        &s.newer,
        &s.released,
        &s.fetch_takes,
    ];
    let first: Vec<DeviceChange> = all
        .iter()
        .map(|serial| synced(data(serial, 1, t(0)), "added", t(0)))
        .collect();
    let got = commit(store, old, &first, "c", t(0)).await;
    assert_eq!(got, counts(6, 0, 0), "the old server's devices");
    move_to(store, new, &s, &all).await;
    late_records_are_ignored(store, (old, new), &s).await;
    newer_records_take_over(store, old, &s).await;
    let run = found(store.sync_run(old.run).await, "sync_run");
    let totals = (run.pages, run.added, run.modified, run.deleted);
    assert_eq!(totals, (3, 9, 0, 0), "ignored records are not counted");
}

/// The new server takes every device over at t(200) (`late_fetched` by a fetch record that
/// only carries its assignment date), then releases `late_removed` and `released` at t(300).
async fn move_to(store: &dyn Store, new: Target, s: &Serials, all: &[&String]) {
    let moved: Vec<DeviceChange> = all
        .iter()
        .map(|serial| match *serial {
            x if x == &s.late_fetched => fetched(data(x, 2, t(200))),
            x => synced(data(x, 2, t(200)), "added", t(200)),
        })
        .collect();
    let got = commit(store, new, &moved, "c", t(200)).await;
    assert_eq!(got, counts(6, 0, 0), "moved devices count as added");
    let release = [
        deleted(&s.late_removed, Some(t(300))),
        deleted(&s.released, Some(t(300))),
    ];
    let got = commit(store, new, &release, "c", t(300)).await;
    assert_eq!(got, counts(0, 0, 2), "released by the new server");
}

/// The old server's records from t(100), between its own report and the move, change nothing.
async fn late_records_are_ignored(store: &dyn Store, (old, new): (Target, Target), s: &Serials) {
    let before = [
        device(store, &s.late_synced).await,
        device(store, &s.late_fetched).await,
        device(store, &s.late_removed).await,
    ];
    let late = [
        synced(data(&s.late_synced, 3, t(0)), "modified", t(100)),
        synced(data(&s.late_fetched, 3, t(100)), "added", t(100)),
        synced(data(&s.late_removed, 3, t(0)), "modified", t(100)),
    ];
    let got = commit(store, old, &late, "c", t(400)).await;
    assert_eq!(got, NONE, "late records of the old server are ignored");
    let after = [
        device(store, &s.late_synced).await,
        device(store, &s.late_fetched).await,
        device(store, &s.late_removed).await,
    ];
    assert_eq!(
        after, before,
        "late records leave the moved devices as they were"
    );
    let servers: Vec<Uuid> = after.iter().map(|d| d.abm_server_id).collect();
    assert_eq!(
        servers, [new.server; 3],
        "the devices stay with the new server"
    );
    assert!(
        after[2].removed_at.is_some(),
        "a late record does not bring a released device back"
    );
}

/// Records newer than what is stored, and fetch records, move the devices back.
async fn newer_records_take_over(store: &dyn Store, old: Target, s: &Serials) {
    let page = [
        synced(data(&s.newer, 3, t(0)), "modified", t(250)),
        synced(data(&s.released, 3, t(350)), "added", t(350)),
        fetched(data(&s.fetch_takes, 3, t(0))),
    ];
    let got = commit(store, old, &page, "c", t(400)).await;
    assert_eq!(
        got,
        counts(3, 0, 0),
        "newer, re-assigned and fetched take over"
    );
    let want = [
        (&s.newer, Some("modified"), Some(t(250))),
        (&s.released, Some("added"), Some(t(350))),
        (&s.fetch_takes, None, None),
    ];
    for (serial, op_type, op_date) in want {
        let d = device(store, serial).await;
        let placed = (d.abm_server_id, d.removed_at);
        assert_eq!(
            placed,
            (old.server, None),
            "{serial}: back on the old server"
        );
        assert_eq!(
            d.data.model,
            full_device(serial, 3).model,
            "{serial}: data stored"
        );
        let op = (d.last_op_type.as_deref(), d.last_op_date);
        assert_eq!(op, (op_type, op_date), "{serial}: op stored");
    }
}
