//! Each ABM server's sync state: cursor, full-fetch generation and health.

use time::OffsetDateTime;
use uuid::Uuid;

use super::unknown_server;
use crate::{
    sql::{q, to_i64, Row, SqlStore},
    StoreError, SyncState,
};

fn sync_state(row: &dyn Row) -> Result<SyncState, StoreError> {
    Ok(SyncState {
        abm_server_id: row.uuid("abm_server_id")?,
        phase: row.text("phase")?.parse()?,
        cursor: row.opt_text("cursor")?,
        cursor_at: row.opt_time("cursor_at")?,
        fetch_generation: row.i64("fetch_generation")?,
        last_success_at: row.opt_time("last_success_at")?,
        last_error: row.opt_text("last_error")?,
        last_error_at: row.opt_time("last_error_at")?,
    })
}

impl SqlStore {
    pub(super) async fn read_sync_state(
        &self,
        server: Uuid,
    ) -> Result<Option<SyncState>, StoreError> {
        let query = q("SELECT * FROM abm_sync_state WHERE abm_server_id = $1").bind(server);
        self.db
            .fetch_optional(query)
            .await?
            .map(|row| sync_state(row.as_ref()))
            .transpose()
    }

    pub(super) async fn begin_full_fetch(
        &self,
        server: Uuid,
        now: OffsetDateTime,
    ) -> Result<SyncState, StoreError> {
        let query = q(
            "INSERT INTO abm_sync_state (abm_server_id, phase, cursor, cursor_at, \
             fetch_generation) VALUES ($1, 'fetch', NULL, $2, 1) \
             ON CONFLICT (abm_server_id) DO UPDATE SET phase = 'fetch', cursor = NULL, \
             cursor_at = excluded.cursor_at, \
             fetch_generation = abm_sync_state.fetch_generation + 1 RETURNING *",
        )
        .bind(server)
        .bind(now);
        let row = self
            .db
            .fetch_optional(query)
            .await
            .map_err(unknown_server(server))?
            .ok_or_else(|| StoreError::Backend("abm_sync_state: upsert returned no row".into()))?;
        sync_state(row.as_ref())
    }

    pub(super) async fn reconcile_full_fetch(
        &self,
        server: Uuid,
        run: Uuid,
        generation: i64,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut tx = self.db.begin().await?;
        let gone = q("UPDATE abm_devices SET removed_at = $3, updated_at = $3 \
                      WHERE abm_server_id = $1 AND removed_at IS NULL \
                      AND fetch_generation < $2")
        .bind(server)
        .bind(generation)
        .bind(now);
        let removed = tx.execute(gone).await?;
        let runs = q("UPDATE abm_sync_runs SET deleted = deleted + $3 \
                      WHERE id = $1 AND abm_server_id = $2")
        .bind(run)
        .bind(server)
        .bind(to_i64("deleted", removed)?);
        if tx.execute(runs).await? == 0 {
            // Dropping `tx` rolls the removals back.
            return Err(StoreError::not_found(format!(
                "abm sync run {run} of abm server {server}"
            )));
        }
        let phase =
            q("UPDATE abm_sync_state SET phase = 'sync' WHERE abm_server_id = $1").bind(server);
        if tx.execute(phase).await? == 0 {
            return Err(StoreError::not_found(format!(
                "abm sync state of abm server {server}"
            )));
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// A success (`error` None) or a failure; the row is created when missing so health can
    /// be recorded before the first page.
    pub(super) async fn record_health(
        &self,
        server: Uuid,
        error: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let query = match error {
            None => q(
                "INSERT INTO abm_sync_state (abm_server_id, phase, last_success_at) \
                       VALUES ($1, 'fetch', $2) ON CONFLICT (abm_server_id) DO UPDATE SET \
                       last_success_at = excluded.last_success_at, last_error = NULL, \
                       last_error_at = NULL",
            )
            .bind(server)
            .bind(at),
            Some(error) => q(
                "INSERT INTO abm_sync_state (abm_server_id, phase, last_error, \
                              last_error_at) VALUES ($1, 'fetch', $2, $3) \
                              ON CONFLICT (abm_server_id) DO UPDATE SET \
                              last_error = excluded.last_error, \
                              last_error_at = excluded.last_error_at",
            )
            .bind(server)
            .bind(error)
            .bind(at),
        };
        self.db
            .execute(query)
            .await
            .map_err(unknown_server(server))?;
        Ok(())
    }
}
