use async_trait::async_trait;

use super::{non_empty, now, q, Row, SqlStore};
use crate::{AuditEntry, AuditStore, NewAuditEntry, StoreError};

fn audit_entry(row: &dyn Row) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        id: row.i64("id")?,
        at: row.time("at")?,
        actor: row.text("actor")?,
        action: row.text("action")?,
        target: row.opt_text("target")?,
        detail: row.json("detail")?,
    })
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn append_audit(&self, entry: &NewAuditEntry) -> Result<AuditEntry, StoreError> {
        non_empty("actor", &entry.actor)?;
        non_empty("action", &entry.action)?;
        let query = q("INSERT INTO audit_log (at, actor, action, target, detail) \
                       VALUES ($1, $2, $3, $4, $5) RETURNING *")
        .bind(now())
        .bind(entry.actor.as_str())
        .bind(entry.action.as_str())
        .bind(entry.target.as_deref())
        .bind(&entry.detail);
        let row = self
            .db
            .fetch_optional(query)
            .await?
            .ok_or_else(|| StoreError::Backend("audit_log: INSERT returned no row".into()))?;
        audit_entry(row.as_ref())
    }

    async fn list_audit(
        &self,
        limit: u32,
        before_id: Option<i64>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        // One statement for both cases: with no cursor, start above every possible id.
        let query = q("SELECT * FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2")
            .bind(before_id.unwrap_or(i64::MAX))
            .bind(i64::from(limit));
        let rows = self.db.fetch_all(query).await?;
        rows.iter().map(|row| audit_entry(row.as_ref())).collect()
    }
}
