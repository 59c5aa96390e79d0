//! `commit_sync_page`: one transaction per page, a fixed number of statements whatever its size.

use std::collections::HashMap;

use super::{
    batch,
    classify::{plan, validate, Existing},
    unknown_server,
};
use crate::{
    sql::{q, to_i64, SqlStore, Tx},
    DeviceChange, PageCommit, PageCounts, StoreError,
};

impl SqlStore {
    pub(super) async fn commit_page(
        &self,
        page: &PageCommit<'_>,
    ) -> Result<PageCounts, StoreError> {
        validate(page)?;
        let mut tx = self.db.begin().await?;
        // The cursor goes first: a write takes SQLite's write lock at once (a read first could
        // not be upgraded if another writer got in between), and its foreign key refuses an
        // unknown server before any device is touched.
        let cursor = q(
            "INSERT INTO abm_sync_state (abm_server_id, phase, cursor, cursor_at, \
             fetch_generation) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (abm_server_id) DO UPDATE SET phase = excluded.phase, \
             cursor = excluded.cursor, cursor_at = excluded.cursor_at",
        )
        .bind(page.abm_server_id)
        .bind(page.phase.as_str())
        .bind(page.cursor)
        .bind(page.now)
        .bind(page.fetch_generation);
        tx.execute(cursor)
            .await
            .map_err(unknown_server(page.abm_server_id))?;

        let existing = self.existing(tx.as_mut(), page.changes).await?;
        let plan = plan(page.abm_server_id, page.changes, &existing);
        let backend = self.db.backend();
        if !plan.upserts.is_empty() {
            let query = batch::upsert(
                backend,
                page.abm_server_id,
                page.fetch_generation,
                page.now,
                &plan.upserts,
            );
            tx.execute(query).await?;
        }
        if !plan.removals.is_empty() {
            let query = batch::remove(backend, page.abm_server_id, page.now, &plan.removals);
            tx.execute(query).await?;
        }
        add_to_run(tx.as_mut(), page, plan.counts).await?;
        tx.commit().await?;
        Ok(plan.counts)
    }

    /// The page's rows that already exist, keyed by serial number (one query).
    async fn existing(
        &self,
        tx: &mut dyn Tx,
        changes: &[DeviceChange],
    ) -> Result<HashMap<String, Existing>, StoreError> {
        if changes.is_empty() {
            return Ok(HashMap::new());
        }
        let serials = changes
            .iter()
            .map(|c| Some(c.serial_number().to_owned()))
            .collect();
        let rows = tx
            .fetch_all(batch::select_existing(self.db.backend(), serials))
            .await?;
        let mut existing = HashMap::with_capacity(rows.len());
        for row in rows {
            let found = Existing {
                abm_server_id: row.uuid("abm_server_id")?,
                removed: row.opt_time("removed_at")?.is_some(),
                last_op_date: row.opt_time("last_op_date")?,
                device_assigned_date: row.opt_time("device_assigned_date")?,
            };
            existing.insert(row.text("serial_number")?, found);
        }
        Ok(existing)
    }
}

/// Adds the page and its counts to the run. Last on purpose: an unknown run (or one of
/// another server) fails here and the dropped transaction takes every write back with it.
async fn add_to_run(
    tx: &mut dyn Tx,
    page: &PageCommit<'_>,
    counts: PageCounts,
) -> Result<(), StoreError> {
    let query = q(
        "UPDATE abm_sync_runs SET pages = pages + 1, added = added + $3, \
                   modified = modified + $4, deleted = deleted + $5 \
                   WHERE id = $1 AND abm_server_id = $2",
    )
    .bind(page.run_id)
    .bind(page.abm_server_id)
    .bind(to_i64("added", counts.added)?)
    .bind(to_i64("modified", counts.modified)?)
    .bind(to_i64("deleted", counts.deleted)?);
    match tx.execute(query).await? {
        0 => Err(StoreError::not_found(format!(
            "abm sync run {} of abm server {}",
            page.run_id, page.abm_server_id
        ))),
        _ => Ok(()),
    }
}
