use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{NewSyncRun, StoreError, SyncRun, SyncRunEnd};

/// The sync history of each ABM server. Page counters are added by
/// [`crate::AbmDeviceStore::commit_sync_page`], in the page's transaction.
#[async_trait]
pub trait AbmSyncRunStore: Send + Sync {
    /// Starts a run with a fresh id, outcome `"running"` and zero counters.
    /// `NotFound` for an unknown server; `Invalid` for a trigger not in
    /// [`crate::SYNC_TRIGGERS`].
    async fn insert_sync_run(&self, run: &NewSyncRun) -> Result<SyncRun, StoreError>;

    /// Ends a run: outcome, error, final phase, `finished_at` and `duration_ms`
    /// (finished − started, never negative). `NotFound` for an unknown id; `Invalid` for an
    /// outcome not in [`crate::SYNC_OUTCOMES`].
    async fn finish_sync_run(&self, id: Uuid, end: &SyncRunEnd) -> Result<SyncRun, StoreError>;

    /// The run with this id; `None` if there is none.
    async fn sync_run(&self, id: Uuid) -> Result<Option<SyncRun>, StoreError>;

    /// Up to `limit` runs of the server, newest first (by `started_at`, then id), restricted
    /// to runs older than the run `before` when given (pass the last id of the previous page).
    /// Empty when `before` names no run of this server.
    async fn list_sync_runs(
        &self,
        abm_server_id: Uuid,
        limit: u32,
        before: Option<Uuid>,
    ) -> Result<Vec<SyncRun>, StoreError>;

    /// Marks runs left `"running"` by a crash as failed with error
    /// "interrupted (cultivar stopped)" and `finished_at = at` (`duration_ms` stays empty:
    /// when the run really stopped is unknown). Returns how many. Call at startup, before any
    /// new run starts.
    async fn fail_interrupted_sync_runs(&self, at: OffsetDateTime) -> Result<u64, StoreError>;
}
