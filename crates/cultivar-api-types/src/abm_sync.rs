//! ABM device sync: Sync Now, run history, sync health, the ABM device list and per-server
//! settings.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Run outcomes: a run in progress is `running`; a finished one `success`, `warning` (it stopped
/// early on purpose, e.g. Apple echoed its cursor) or `failed`.
pub const OUTCOME_RUNNING: &str = "running";

/// Answer of `POST /api/v1/abm/servers/{id}/sync` without `wait` (202).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SyncStarted {
    pub run_id: Uuid,
    /// True when a run of this ABM server was already going and this request joined it.
    pub joined: bool,
}

/// A finished run: answer of `POST …/sync?wait=true`, and what `cultivar abm sync --wait` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SyncSummaryView {
    pub run_id: Uuid,
    pub abm_server_id: Uuid,
    /// `manual`, `periodic` or `startup`.
    pub trigger: String,
    /// `success`, `warning` or `failed`.
    pub outcome: String,
    /// The phase the run ended in: `fetch` (full fetch) or `sync` (incremental).
    pub phase: String,
    pub pages: u64,
    pub added: u64,
    pub modified: u64,
    pub deleted: u64,
    pub duration_ms: u64,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub warning: Option<String>,
}

/// A run in progress, as of its last committed page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SyncProgressView {
    pub run_id: Uuid,
    pub trigger: String,
    /// `fetch` or `sync`.
    pub phase: String,
    pub pages: u64,
    /// Device records received so far (duplicates included).
    pub devices_seen: u64,
    pub added: u64,
    pub modified: u64,
    pub deleted: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
}

/// One run in an ABM server's sync history (also a run still in progress).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SyncRunView {
    pub id: Uuid,
    pub abm_server_id: Uuid,
    /// `manual`, `periodic` or `startup`.
    pub trigger: String,
    /// `fetch` or `sync`: where the run ended (or stands, while running).
    pub phase: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    pub pages: u64,
    pub added: u64,
    pub modified: u64,
    pub deleted: u64,
    /// `running`, `success`, `warning` or `failed`.
    pub outcome: String,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub warning: Option<String>,
    /// Empty while running, and for runs a crash interrupted (when they stopped is unknown).
    #[serde(default)]
    pub duration_ms: Option<u64>,
}

impl SyncRunView {
    pub fn is_running(&self) -> bool {
        self.outcome == OUTCOME_RUNNING
    }

    /// The summary of this run (meaningful once it finished).
    pub fn summary(&self) -> SyncSummaryView {
        SyncSummaryView {
            run_id: self.id,
            abm_server_id: self.abm_server_id,
            trigger: self.trigger.clone(),
            outcome: self.outcome.clone(),
            phase: self.phase.clone(),
            pages: self.pages,
            added: self.added,
            modified: self.modified,
            deleted: self.deleted,
            duration_ms: self.duration_ms.unwrap_or(0),
            error: self.error.clone(),
            warning: self.warning.clone(),
        }
    }
}

/// `GET /api/v1/abm/servers/{id}/sync-runs`: newest first; pass `next_before` as `before` for
/// older runs (absent on the last page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SyncRunList {
    pub runs: Vec<SyncRunView>,
    #[serde(default)]
    pub next_before: Option<Uuid>,
}

/// `GET /api/v1/abm/servers/{id}/sync`: sync health with live progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SyncHealthView {
    pub abm_server_id: Uuid,
    /// `fetch` or `sync`; absent before the first run.
    #[serde(default)]
    pub phase: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_success_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_error_at: Option<OffsetDateTime>,
    /// When the 5-minute scheduler syncs this server next; absent while periodic sync is paused
    /// for it (no usable token, terms not accepted, …).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub next_run_at: Option<OffsetDateTime>,
    /// The run in progress, if any.
    #[serde(default)]
    pub running: Option<SyncProgressView>,
    /// The latest run (the running one while a run is in progress).
    #[serde(default)]
    pub last_run: Option<SyncRunView>,
    /// Devices asked for per request (1–1000).
    pub sync_batch_size: u32,
}

/// `PATCH /api/v1/abm/servers/{id}` body and answer: per-server sync settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AbmServerSettings {
    /// Devices per `/server/devices` or `/devices/sync` request, 1–1000 (default 100; Apple's
    /// `/account` limits apply on top).
    pub sync_batch_size: u32,
}

/// One device assigned (or once assigned) to an ABM server, as Apple last described it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AbmDeviceView {
    pub serial_number: String,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub asset_tag: Option<String>,
    /// Apple's spelling: `iOS`, `iPadOS`, `OSX` (macOS), `tvOS`, `visionOS`, `watchOS`.
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub device_family: Option<String>,
    /// `empty`, `assigned`, `pushed` or `removed`.
    #[serde(default)]
    pub profile_status: Option<String>,
    #[serde(default)]
    pub profile_uuid: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub profile_assign_time: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub profile_push_time: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub device_assigned_date: Option<OffsetDateTime>,
    #[serde(default)]
    pub device_assigned_by: Option<String>,
    /// Fields Apple sent that this version does not know (an empty object when none).
    #[serde(default)]
    pub extra: serde_json::Value,
    /// The ABM server entry the device is (or was last) assigned to.
    pub abm_server_id: Uuid,
    /// True once the device left that server (released, moved away, or missing from a full fetch).
    pub removed: bool,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub removed_at: Option<OffsetDateTime>,
    /// `added`, `modified` or `deleted` from `/devices/sync`; absent for fetched records.
    #[serde(default)]
    pub last_op_type: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_op_date: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub first_seen_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `GET /api/v1/abm/devices`: one page in serial-number order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AbmDeviceList {
    pub devices: Vec<AbmDeviceView>,
    /// How many devices match the filters (all pages).
    pub total: u64,
    /// Pass as `after` for the next page; null on the last page.
    #[serde(default)]
    pub next_after: Option<String>,
}

/// Filters of `GET /api/v1/abm/devices` and `GET /api/v1/abm/devices.csv` (every given filter
/// must match; the CSV export takes no `after` or `limit`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AbmDeviceFilter {
    /// ABM server entry id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<Uuid>,
    /// One of [`DEVICE_OS`] (case-insensitive; `macOS` means `OSX`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// Device family, one of [`DEVICE_FAMILIES`] (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// One of [`PROFILE_STATUSES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_status: Option<String>,
    /// `true`: only removed devices; `false`: only active ones; absent (or `all`): both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<bool>,
    /// Part of the serial number (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// Start after this serial number: the previous page's `next_after`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Page size, 1–1000 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// The `os` values a device filter accepts (Apple's spellings).
pub const DEVICE_OS: &[&str] = &["iOS", "iPadOS", "OSX", "tvOS", "visionOS", "watchOS"];
/// The `family` values a device filter accepts.
pub const DEVICE_FAMILIES: &[&str] = &[
    "iPhone", "iPad", "Mac", "AppleTV", "Vision", "Watch", "iPod",
];
/// The `profile_status` values a device filter accepts.
pub const PROFILE_STATUSES: &[&str] = &["empty", "assigned", "pushed", "removed"];

/// Apple's spelling of an OS name given in any case (`macos` and `macOS` mean `OSX`).
pub fn canonical_os(value: &str) -> Option<&'static str> {
    if value.eq_ignore_ascii_case("macos") {
        return Some("OSX");
    }
    canonical(value, DEVICE_OS)
}

/// The entry of `allowed` equal to `value` ignoring ASCII case.
pub fn canonical(value: &str, allowed: &[&'static str]) -> Option<&'static str> {
    allowed
        .iter()
        .copied()
        .find(|a| a.eq_ignore_ascii_case(value.trim()))
}
