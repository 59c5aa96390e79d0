use async_trait::async_trait;

use crate::{AuditEntry, NewAuditEntry, StoreError};

/// The append-only audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an entry with `at = now` and the next id; returns it.
    /// `Invalid` when `actor` or `action` is empty.
    async fn append_audit(&self, entry: &NewAuditEntry) -> Result<AuditEntry, StoreError>;

    /// Up to `limit` entries, newest first, restricted to ids below `before_id` when given
    /// (pass the last id of the previous page to get the next one). Empty when none are left.
    async fn list_audit(
        &self,
        limit: u32,
        before_id: Option<i64>,
    ) -> Result<Vec<AuditEntry>, StoreError>;
}
