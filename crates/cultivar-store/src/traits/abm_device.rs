use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{AbmDevice, AbmDeviceQuery, PageCommit, PageCounts, StoreError, SyncState};

/// ABM devices and each ABM server's sync cursor, written together so a crash can never
/// separate a page's devices from the cursor that follows them.
///
/// Rules of [`AbmDeviceStore::commit_sync_page`] (S = the page's server):
/// - `Upsert` of an unknown serial inserts it on S: **added**.
/// - `Upsert` of a device on S that is not removed updates it: **modified** (even when
///   nothing changed).
/// - `Upsert` of a device on another server, or removed, takes it over (server S, not
///   removed): **added**. A moved device shows under its new server; a re-assigned one returns.
/// - Stale guard: a change whose `op_date` is older than the `last_op_date` of a device on S
///   is ignored (not counted), whichever kind it is.
/// - Stale guard across servers: an `Upsert` with an `op_date` of a device on another server
///   (removed or not) is ignored (not counted) when that `op_date` is older than the device's
///   `last_op_date` or, when it has none (a fetched row), its `device_assigned_date`. Apple
///   orders its logs per server only, so the old server's late `added`/`modified` would
///   otherwise pull a moved device back. A re-assignment after a release is newer than the
///   stored `deleted` and applies; fetch records (no `op_date`) always apply.
/// - `Removed` of a device on S that is not removed sets `removed_at = now` and
///   `last_op_type = "deleted"`: **deleted**. Anything else (another server, already
///   removed, unknown) is ignored, so a late `deleted` from the old server after a move
///   cannot hide the device from the new one.
/// - Every applied upsert sets `fetch_generation`, `updated_at = now`, `last_op_type` and
///   `last_op_date`; `first_seen_at` is set once, on insert.
#[async_trait]
pub trait AbmDeviceStore: Send + Sync {
    /// ONE transaction: applies the page's changes, stores the cursor (phase, cursor,
    /// `cursor_at = now`) and adds the counts and one page to the run. Either all of it is
    /// stored or none. `NotFound` when the server or the run (of that server) does not exist;
    /// `Invalid` for an empty cursor or serial number, two changes for one serial, or an
    /// `extra` that is not a JSON object.
    async fn commit_sync_page(&self, page: &PageCommit<'_>) -> Result<PageCounts, StoreError>;

    /// The server's sync state; `None` before its first sync.
    async fn sync_state(&self, abm_server_id: Uuid) -> Result<Option<SyncState>, StoreError>;

    /// Starts a full fetch: phase = fetch, cursor = NULL (`cursor_at = now`), fetch_generation
    /// + 1 (the row is created with generation 1 when missing). `NotFound` for an unknown server.
    async fn start_full_fetch(
        &self,
        abm_server_id: Uuid,
        now: OffsetDateTime,
    ) -> Result<SyncState, StoreError>;

    /// Ends a full fetch in ONE transaction: every device of this server that is not removed
    /// and carries a generation older than `generation` is marked removed (the count is
    /// returned and added to the run's `deleted`); phase = sync, cursor kept. `NotFound` when
    /// the run (of that server) or the sync state does not exist; nothing is changed then.
    async fn finish_full_fetch(
        &self,
        abm_server_id: Uuid,
        run_id: Uuid,
        generation: i64,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError>;

    /// Records a successful run: `last_success_at = at`, clears the last error.
    /// `NotFound` for an unknown server.
    async fn record_sync_success(
        &self,
        abm_server_id: Uuid,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Records a failed run: `last_error`, `last_error_at = at` (the last success is kept).
    /// `NotFound` for an unknown server; `Invalid` for an empty error.
    async fn record_sync_error(
        &self,
        abm_server_id: Uuid,
        error: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// The device with this serial number, removed or not; `None` if never seen.
    async fn abm_device(&self, serial: &str) -> Result<Option<AbmDevice>, StoreError>;

    /// Up to `q.limit` devices matching the filters, ordered by serial number, starting after
    /// `q.after_serial` (exclusive) — keyset pagination.
    async fn list_abm_devices(&self, q: &AbmDeviceQuery) -> Result<Vec<AbmDevice>, StoreError>;

    /// Which of `serials` (at most 1000) ABM has reported, removed ones included, in one
    /// query; in serial order.
    async fn known_abm_serials(&self, serials: &[String]) -> Result<Vec<String>, StoreError>;

    /// How many devices match the filters (`after_serial` and `limit` are ignored).
    async fn count_abm_devices(&self, q: &AbmDeviceQuery) -> Result<u64, StoreError>;
}
