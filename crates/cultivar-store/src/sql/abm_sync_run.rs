use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{count, q, Row, SqlError, SqlStore};
use crate::{
    AbmSyncRunStore, NewSyncRun, StoreError, SyncRun, SyncRunEnd, SYNC_OUTCOMES, SYNC_TRIGGERS,
};

/// The error of runs that were still "running" when cultivar stopped.
const INTERRUPTED: &str = "interrupted (cultivar stopped)";

fn sync_run(row: &dyn Row) -> Result<SyncRun, StoreError> {
    let duration_ms = match row.opt_i64("duration_ms")? {
        Some(_) => Some(count(row, "duration_ms")?),
        None => None,
    };
    Ok(SyncRun {
        id: row.uuid("id")?,
        abm_server_id: row.uuid("abm_server_id")?,
        trigger: row.text("trigger")?,
        phase: row.text("phase")?,
        started_at: row.time("started_at")?,
        finished_at: row.opt_time("finished_at")?,
        pages: count(row, "pages")?,
        added: count(row, "added")?,
        modified: count(row, "modified")?,
        deleted: count(row, "deleted")?,
        outcome: row.text("outcome")?,
        error: row.opt_text("error")?,
        duration_ms,
    })
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), StoreError> {
    if allowed.contains(&value) {
        return Ok(());
    }
    Err(StoreError::invalid(
        field,
        format!("must be one of {allowed:?} (got {value:?})"),
    ))
}

/// Milliseconds from `start` to `end`; zero if the clock went backwards.
fn duration_ms(start: OffsetDateTime, end: OffsetDateTime) -> i64 {
    i64::try_from((end - start).whole_milliseconds().max(0)).unwrap_or(i64::MAX)
}

fn returned(row: Option<Box<dyn Row>>, what: &str) -> Result<SyncRun, StoreError> {
    let row =
        row.ok_or_else(|| StoreError::Backend(format!("abm_sync_runs: {what} returned no row")))?;
    sync_run(row.as_ref())
}

#[async_trait]
impl AbmSyncRunStore for SqlStore {
    async fn insert_sync_run(&self, run: &NewSyncRun) -> Result<SyncRun, StoreError> {
        one_of("trigger", &run.trigger, SYNC_TRIGGERS)?;
        let query = q(
            "INSERT INTO abm_sync_runs (id, abm_server_id, trigger, phase, started_at, \
                       outcome) VALUES ($1, $2, $3, $4, $5, 'running') RETURNING *",
        )
        .bind(Uuid::new_v4())
        .bind(run.abm_server_id)
        .bind(run.trigger.as_str())
        .bind(run.phase.as_str())
        .bind(run.started_at);
        match self.db.fetch_optional(query).await {
            Ok(row) => returned(row, "INSERT"),
            Err(SqlError::ForeignKey(_)) => Err(StoreError::not_found(format!(
                "abm server {}",
                run.abm_server_id
            ))),
            Err(e) => Err(e.into()),
        }
    }

    async fn finish_sync_run(&self, id: Uuid, end: &SyncRunEnd) -> Result<SyncRun, StoreError> {
        one_of("outcome", &end.outcome, SYNC_OUTCOMES)?;
        let Some(run) = self.sync_run(id).await? else {
            return Err(StoreError::not_found(format!("abm sync run {id}")));
        };
        let query = q(
            "UPDATE abm_sync_runs SET outcome = $2, error = $3, phase = $4, \
                       finished_at = $5, duration_ms = $6 WHERE id = $1 RETURNING *",
        )
        .bind(id)
        .bind(end.outcome.as_str())
        .bind(end.error.as_deref())
        .bind(end.phase.as_str())
        .bind(end.finished_at)
        .bind(duration_ms(run.started_at, end.finished_at));
        match self.db.fetch_optional(query).await? {
            // Deleted (with its server) between the two statements.
            None => Err(StoreError::not_found(format!("abm sync run {id}"))),
            row => returned(row, "UPDATE"),
        }
    }

    async fn sync_run(&self, id: Uuid) -> Result<Option<SyncRun>, StoreError> {
        let query = q("SELECT * FROM abm_sync_runs WHERE id = $1").bind(id);
        self.db
            .fetch_optional(query)
            .await?
            .map(|row| sync_run(row.as_ref()))
            .transpose()
    }

    async fn list_sync_runs(
        &self,
        abm_server_id: Uuid,
        limit: u32,
        before: Option<Uuid>,
    ) -> Result<Vec<SyncRun>, StoreError> {
        // Keyset on (started_at, id): the cursor run's position, looked up in the statement.
        let query = q(
            "SELECT * FROM abm_sync_runs WHERE abm_server_id = $1 AND ($2 IS NULL \
                       OR (started_at, id) < (SELECT b.started_at, b.id FROM abm_sync_runs AS b \
                       WHERE b.id = $2 AND b.abm_server_id = $1)) \
                       ORDER BY started_at DESC, id DESC LIMIT $3",
        )
        .bind(abm_server_id)
        .bind(before)
        .bind(i64::from(limit));
        let rows = self.db.fetch_all(query).await?;
        rows.iter().map(|row| sync_run(row.as_ref())).collect()
    }

    async fn fail_interrupted_sync_runs(&self, at: OffsetDateTime) -> Result<u64, StoreError> {
        let query = q("UPDATE abm_sync_runs SET outcome = 'failed', error = $1, \
                       finished_at = $2 WHERE outcome = 'running'")
        .bind(INTERRUPTED)
        .bind(at);
        Ok(self.db.execute(query).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_is_whole_milliseconds_and_never_negative() {
        let start = OffsetDateTime::UNIX_EPOCH;
        let end = start + time::Duration::microseconds(2_500_900);
        assert_eq!(duration_ms(start, end), 2_500);
        assert_eq!(duration_ms(end, start), 0);
    }
}
