use std::{fmt, str::FromStr};

use time::OffsetDateTime;
use uuid::Uuid;

use super::DeviceChange;
use crate::StoreError;

/// Which ABM endpoint a server's cursor belongs to: `/server/devices` (a full fetch) or
/// `/devices/sync` (incremental changes).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum SyncPhase {
    Fetch,
    Sync,
}

impl SyncPhase {
    /// The stored spelling: `"fetch"` or `"sync"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncPhase::Fetch => "fetch",
            SyncPhase::Sync => "sync",
        }
    }
}

impl fmt::Display for SyncPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SyncPhase {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "fetch" => Ok(SyncPhase::Fetch),
            "sync" => Ok(SyncPhase::Sync),
            other => Err(StoreError::invalid(
                "phase",
                format!("must be \"fetch\" or \"sync\" (got {other:?})"),
            )),
        }
    }
}

/// Where one ABM server's sync stands: the resumable cursor and its health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncState {
    pub abm_server_id: Uuid,
    pub phase: SyncPhase,
    /// Apple's cursor; `None` at the start of a full fetch.
    pub cursor: Option<String>,
    /// When `cursor` was stored (Apple expires cursors after 7 days).
    pub cursor_at: Option<OffsetDateTime>,
    /// Incremented by every full fetch; devices not stamped with it after the fetch are gone.
    pub fetch_generation: i64,
    pub last_success_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
    pub last_error_at: Option<OffsetDateTime>,
}

/// One page of a run, committed atomically by [`crate::AbmDeviceStore::commit_sync_page`].
#[derive(Debug, Clone, Copy)]
pub struct PageCommit<'a> {
    pub abm_server_id: Uuid,
    pub run_id: Uuid,
    pub phase: SyncPhase,
    /// At most one change per serial number (the engine resolved duplicates).
    pub changes: &'a [DeviceChange],
    /// The page's new cursor, stored in the same transaction.
    pub cursor: &'a str,
    /// Stamped on every upserted device.
    pub fetch_generation: i64,
    pub now: OffsetDateTime,
}

/// What a page (or a reconcile) did to the devices.
#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
pub struct PageCounts {
    pub added: u64,
    pub modified: u64,
    pub deleted: u64,
}

/// The triggers a run may have.
pub const SYNC_TRIGGERS: &[&str] = &["manual", "periodic", "startup"];
/// The outcomes a finished run may have (a started one is `"running"`).
pub const SYNC_OUTCOMES: &[&str] = &["success", "warning", "failed"];

/// Input for [`crate::AbmSyncRunStore::insert_sync_run`]; the store assigns the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSyncRun {
    pub abm_server_id: Uuid,
    /// One of [`SYNC_TRIGGERS`].
    pub trigger: String,
    pub phase: SyncPhase,
    pub started_at: OffsetDateTime,
}

/// One sync run in a server's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRun {
    pub id: Uuid,
    pub abm_server_id: Uuid,
    pub trigger: String,
    /// The phase the run ended in (`"fetch"` or `"sync"`).
    pub phase: String,
    pub started_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
    pub pages: u64,
    pub added: u64,
    pub modified: u64,
    pub deleted: u64,
    /// `"running"` or one of [`SYNC_OUTCOMES`].
    pub outcome: String,
    pub error: Option<String>,
    pub duration_ms: Option<u64>,
}

/// Input for [`crate::AbmSyncRunStore::finish_sync_run`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRunEnd {
    /// One of [`SYNC_OUTCOMES`].
    pub outcome: String,
    pub error: Option<String>,
    pub phase: SyncPhase,
    pub finished_at: OffsetDateTime,
}
