//! [`AdePushStateStore`] on the shared SQL layer. A batch of results is one statement with a
//! statement per dialect, as for device pages (`abm_device::batch`): PostgreSQL takes column
//! arrays through `UNNEST`, SQLite one JSON array of rows read with `json_each`.

use std::collections::HashSet;

use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;

use super::{count, dialect, non_empty, q, Query, Row, SqlError, SqlStore};
use crate::{
    sqlite::to_micros, AdePushRecord, AdePushState, AdePushStateStore, Backend, StoreError,
};

/// Apple's assign batch size, and so the largest batch one statement records.
const MAX_BATCH: usize = 1000;

fn push_state(row: &dyn Row) -> Result<AdePushState, StoreError> {
    Ok(AdePushState {
        serial_number: row.text("serial_number")?,
        abm_server_id: row.uuid("abm_server_id")?,
        profile_id: row.opt_uuid("profile_id")?,
        apple_profile_uuid: row.opt_text("apple_profile_uuid")?,
        last_result: row.text("last_result")?.parse()?,
        last_attempt_at: row.time("last_attempt_at")?,
        retry_after: row.opt_time("retry_after")?,
        attempts: count(row, "attempts")?,
        last_error: row.opt_text("last_error")?,
    })
}

// Shared tail: the serial's state is replaced; attempts restart after a success.
macro_rules! on_conflict {
    () => {
        " ON CONFLICT (serial_number) DO UPDATE SET abm_server_id = excluded.abm_server_id, \
         profile_id = excluded.profile_id, apple_profile_uuid = excluded.apple_profile_uuid, \
         last_result = excluded.last_result, last_attempt_at = excluded.last_attempt_at, \
         retry_after = excluded.retry_after, last_error = excluded.last_error, \
         attempts = CASE WHEN ade_push_state.last_result = 'SUCCESS' \
         OR excluded.last_result = 'SUCCESS' THEN 1 ELSE ade_push_state.attempts + 1 END"
    };
}

const SQLITE_UPSERT: &str = concat!(
    "INSERT INTO ade_push_state (serial_number, abm_server_id, profile_id, \
     apple_profile_uuid, last_result, last_attempt_at, retry_after, attempts, last_error) \
     SELECT r.value ->> 0, r.value ->> 1, r.value ->> 2, r.value ->> 3, r.value ->> 4, \
     r.value ->> 5, r.value ->> 6, 1, r.value ->> 7 FROM json_each($1) AS r WHERE true",
    on_conflict!()
);

const POSTGRES_UPSERT: &str = concat!(
    "INSERT INTO ade_push_state (serial_number, abm_server_id, profile_id, \
     apple_profile_uuid, last_result, last_attempt_at, retry_after, attempts, last_error) \
     SELECT u.serial, u.server::uuid, u.profile::uuid, u.apple, u.result, u.attempted, \
     u.retry, 1, u.error FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], \
     $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[]) \
     AS u(serial, server, profile, apple, result, attempted, retry, error)",
    on_conflict!()
);

fn upsert(backend: Backend, records: &[AdePushRecord]) -> Query {
    let query = dialect(backend, SQLITE_UPSERT, POSTGRES_UPSERT);
    match backend {
        Backend::Sqlite => query.bind(Value::Array(records.iter().map(sqlite_row).collect())),
        Backend::Postgres => {
            let text = |f: fn(&AdePushRecord) -> Option<String>| -> Vec<Option<String>> {
                records.iter().map(f).collect()
            };
            let time = |f: fn(&AdePushRecord) -> Option<OffsetDateTime>| {
                records.iter().map(f).collect::<Vec<_>>()
            };
            query
                .bind(text(|r| Some(r.serial_number.clone())))
                .bind(text(|r| Some(r.abm_server_id.to_string())))
                .bind(text(|r| r.profile_id.map(|p| p.to_string())))
                .bind(text(|r| r.apple_profile_uuid.clone()))
                .bind(text(|r| Some(r.result.as_str().to_owned())))
                .bind(time(|r| Some(r.attempted_at)))
                .bind(time(|r| r.retry_after))
                .bind(text(|r| r.error.clone()))
        }
    }
}

fn sqlite_row(r: &AdePushRecord) -> Value {
    Value::Array(vec![
        Value::from(r.serial_number.as_str()),
        Value::from(r.abm_server_id.hyphenated().to_string()),
        Value::from(r.profile_id.map(|p| p.hyphenated().to_string())),
        Value::from(r.apple_profile_uuid.clone()),
        Value::from(r.result.as_str()),
        Value::from(to_micros(r.attempted_at)),
        Value::from(r.retry_after.map(to_micros)),
        Value::from(r.error.clone()),
    ])
}

fn validate(records: &[AdePushRecord]) -> Result<(), StoreError> {
    if records.len() > MAX_BATCH {
        return Err(StoreError::invalid(
            "records",
            format!("at most {MAX_BATCH} per batch (got {})", records.len()),
        ));
    }
    let mut seen = HashSet::with_capacity(records.len());
    for r in records {
        non_empty("serial_number", &r.serial_number)?;
        if !seen.insert(r.serial_number.as_str()) {
            return Err(StoreError::invalid(
                "serial_number",
                format!("{:?} appears twice in one batch", r.serial_number),
            ));
        }
    }
    Ok(())
}

#[async_trait]
impl AdePushStateStore for SqlStore {
    async fn ade_push_state(&self, serial: &str) -> Result<Option<AdePushState>, StoreError> {
        let query = q("SELECT * FROM ade_push_state WHERE serial_number = $1").bind(serial);
        let row = self.db.fetch_optional(query).await?;
        row.map(|r| push_state(r.as_ref())).transpose()
    }

    async fn ade_push_states(&self, serials: &[String]) -> Result<Vec<AdePushState>, StoreError> {
        if serials.len() > MAX_BATCH {
            return Err(StoreError::invalid(
                "serials",
                format!("at most {MAX_BATCH} per read (got {})", serials.len()),
            ));
        }
        if serials.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<Option<String>> = serials.iter().map(|s| Some(s.clone())).collect();
        let query = dialect(
            self.db.backend(),
            "SELECT * FROM ade_push_state \
             WHERE serial_number IN (SELECT value FROM json_each($1)) ORDER BY serial_number",
            "SELECT * FROM ade_push_state WHERE serial_number = ANY($1) ORDER BY serial_number",
        )
        .bind(list);
        let rows = self.db.fetch_all(query).await?;
        rows.iter().map(|r| push_state(r.as_ref())).collect()
    }

    async fn record_ade_pushes(&self, records: &[AdePushRecord]) -> Result<(), StoreError> {
        validate(records)?;
        if records.is_empty() {
            return Ok(());
        }
        match self.db.execute(upsert(self.db.backend(), records)).await {
            Ok(_) => Ok(()),
            Err(SqlError::ForeignKey(_)) => Err(StoreError::not_found(
                "abm server or ade profile of a push record",
            )),
            Err(e) => Err(e.into()),
        }
    }

    async fn list_ade_cooling_down(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<AdePushState>, StoreError> {
        let query = q("SELECT * FROM ade_push_state WHERE retry_after > $1 \
             ORDER BY retry_after, serial_number")
        .bind(now);
        let rows = self.db.fetch_all(query).await?;
        rows.iter().map(|r| push_state(r.as_ref())).collect()
    }
}
