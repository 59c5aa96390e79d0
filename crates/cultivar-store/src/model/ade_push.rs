use std::{fmt, str::FromStr};

use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;

/// Apple's per-serial result of an assign (or remove) call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PushResult {
    Success,
    /// The serial is not assigned to this ABM server (moved away or released).
    NotAccessible,
    Failed,
    /// Apple asked to retry later (`retry_after_seconds`).
    Throttled,
}

impl PushResult {
    /// Apple's spelling: `SUCCESS`, `NOT_ACCESSIBLE`, `FAILED`, `THROTTLED`.
    pub fn as_str(self) -> &'static str {
        match self {
            PushResult::Success => "SUCCESS",
            PushResult::NotAccessible => "NOT_ACCESSIBLE",
            PushResult::Failed => "FAILED",
            PushResult::Throttled => "THROTTLED",
        }
    }
}

impl fmt::Display for PushResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PushResult {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "SUCCESS" => Ok(PushResult::Success),
            "NOT_ACCESSIBLE" => Ok(PushResult::NotAccessible),
            "FAILED" => Ok(PushResult::Failed),
            "THROTTLED" => Ok(PushResult::Throttled),
            other => Err(StoreError::invalid(
                "last_result",
                format!("must be SUCCESS, NOT_ACCESSIBLE, FAILED or THROTTLED (got {other:?})"),
            )),
        }
    }
}

/// One serial's result of a push, as recorded by
/// [`crate::AdePushStateStore::record_ade_pushes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdePushRecord {
    pub serial_number: String,
    pub abm_server_id: Uuid,
    /// `None` for a removal.
    pub profile_id: Option<Uuid>,
    pub apple_profile_uuid: Option<String>,
    pub result: PushResult,
    pub attempted_at: OffsetDateTime,
    /// Cooldown end: THROTTLED → now + `retry_after_seconds`, FAILED → now + 24 h.
    pub retry_after: Option<OffsetDateTime>,
    pub error: Option<String>,
}

/// The stored last push of a serial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdePushState {
    pub serial_number: String,
    pub abm_server_id: Uuid,
    pub profile_id: Option<Uuid>,
    pub apple_profile_uuid: Option<String>,
    pub last_result: PushResult,
    pub last_attempt_at: OffsetDateTime,
    pub retry_after: Option<OffsetDateTime>,
    /// Pushes recorded since the last `SUCCESS` (1 for a success itself).
    pub attempts: u64,
    pub last_error: Option<String>,
}
