//! What the sync engine reports: triggers, live progress, run summaries and health.

use cultivar_store::SyncRun;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Why a run started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// Sync Now (API, CLI, console).
    Manual,
    /// The 5-minute scheduler.
    Periodic,
    /// The first run after cultivar started.
    Startup,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Periodic => "periodic",
            Trigger::Startup => "startup",
        }
    }

    pub fn parse(s: &str) -> Option<Trigger> {
        [Trigger::Manual, Trigger::Periodic, Trigger::Startup]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

/// Run outcomes as stored and reported.
pub const OUTCOME_SUCCESS: &str = "success";
pub const OUTCOME_WARNING: &str = "warning";
pub const OUTCOME_FAILED: &str = "failed";

/// Answer of [`super::SyncService::start`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunTicket {
    pub run_id: Uuid,
    /// True when a run of this ABM server was already going and the caller joined it.
    pub joined: bool,
}

/// A running run, as of its last committed page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProgress {
    pub run_id: Uuid,
    pub trigger: Trigger,
    /// `fetch` (full fetch through `/server/devices`) or `sync` (`/devices/sync`).
    pub phase: String,
    pub pages: u64,
    /// Device records received so far, duplicates included.
    pub devices_seen: u64,
    pub added: u64,
    pub modified: u64,
    pub deleted: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
}

/// A finished run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncSummary {
    pub run_id: Uuid,
    pub abm_server_id: Uuid,
    pub trigger: Trigger,
    /// `success`, `warning` or `failed`.
    pub outcome: String,
    /// The phase the run ended in.
    pub phase: String,
    pub pages: u64,
    pub added: u64,
    pub modified: u64,
    pub deleted: u64,
    pub duration_ms: u64,
    pub error: Option<String>,
    pub warning: Option<String>,
}

impl SyncSummary {
    /// The summary of a stored run (for runs that finished before this process knew of them).
    pub fn from_run(run: &SyncRun) -> SyncSummary {
        // Warnings are stored in the run's error column, told apart by the outcome.
        let warning = run.outcome == OUTCOME_WARNING;
        SyncSummary {
            run_id: run.id,
            abm_server_id: run.abm_server_id,
            trigger: Trigger::parse(&run.trigger).unwrap_or(Trigger::Manual),
            outcome: run.outcome.clone(),
            phase: run.phase.clone(),
            pages: run.pages,
            added: run.added,
            modified: run.modified,
            deleted: run.deleted,
            duration_ms: run.duration_ms.unwrap_or(0),
            error: run.error.clone().filter(|_| !warning),
            warning: run.error.clone().filter(|_| warning),
        }
    }
}

/// Sync health of one ABM server (console: last success, last error, next run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncHealth {
    /// `fetch` or `sync`; `None` before the first run.
    pub phase: Option<String>,
    pub last_success_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
    pub last_error_at: Option<OffsetDateTime>,
    /// When the scheduler runs this server next; `None` while periodic sync is paused for it
    /// (no usable token, terms not accepted, ...) or no scheduler runs.
    pub next_run_at: Option<OffsetDateTime>,
    pub running: Option<SyncProgress>,
    pub last_run: Option<SyncRun>,
}
