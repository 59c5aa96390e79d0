use async_trait::async_trait;
use time::OffsetDateTime;

use crate::{AdePushRecord, AdePushState, StoreError};

/// The most recent push to Apple of each serial, with its cooldown.
#[async_trait]
pub trait AdePushStateStore: Send + Sync {
    /// The serial's last push; `None` if never pushed.
    async fn ade_push_state(&self, serial: &str) -> Result<Option<AdePushState>, StoreError>;

    /// The last push of each of `serials` that has one, in ONE query (a planner reads a page
    /// of devices at a time), ordered by serial. `Invalid` for more than 1000 serials.
    async fn ade_push_states(&self, serials: &[String]) -> Result<Vec<AdePushState>, StoreError>;

    /// Records a batch of results in ONE statement (at most 1000 records, Apple's assign
    /// batch size), replacing each serial's state; `attempts` restarts at 1 after a
    /// `SUCCESS` and counts up otherwise. `Invalid` for more than 1000 records, an empty or
    /// repeated serial; `NotFound` for an unknown ABM server.
    async fn record_ade_pushes(&self, records: &[AdePushRecord]) -> Result<(), StoreError>;

    /// Push states whose `retry_after` is later than `now`, soonest first.
    async fn list_ade_cooling_down(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<AdePushState>, StoreError>;
}
