//! SQLite value mapping: UUIDs as hyphenated TEXT, timestamps as INTEGER unix microseconds,
//! JSON as TEXT (see migrations/sqlite).

use sqlx::{
    sqlite::{SqliteArguments, SqliteRow},
    Sqlite,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{
    sql::{Arg, Query, Row},
    StoreError,
};

pub(super) fn build(q: Query) -> sqlx::query::Query<'static, Sqlite, SqliteArguments<'static>> {
    q.args
        .into_iter()
        .fold(sqlx::query(q.sql), |query, arg| match arg {
            Arg::Uuid(v) => query.bind(v.map(|u| u.hyphenated().to_string())),
            Arg::Time(v) => query.bind(v.map(to_micros)),
            Arg::Text(v) => query.bind(v),
            Arg::Bytes(v) => query.bind(v),
            Arg::I64(v) => query.bind(v),
            Arg::Json(v) => query.bind(v.map(|j| j.to_string())),
            Arg::TextList(v) => query.bind(json_list(v)),
            Arg::TimeList(v) => {
                query.bind(json_list(v.into_iter().map(|t| t.map(to_micros)).collect()))
            }
        })
}

/// SQLite has no arrays: lists travel as one JSON array text, read with `json_each`.
fn json_list<T: Into<serde_json::Value>>(items: Vec<Option<T>>) -> String {
    serde_json::Value::from(items).to_string()
}

/// The stored form of a timestamp: unix microseconds.
pub(crate) fn to_micros(t: OffsetDateTime) -> i64 {
    let micros = t.unix_timestamp_nanos().div_euclid(1_000);
    // `time` without `large-dates` is limited to years ±9999, which always fits.
    i64::try_from(micros).unwrap_or(if micros < 0 { i64::MIN } else { i64::MAX })
}

fn from_micros(col: &str, micros: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
        .map_err(|e| StoreError::Backend(format!("column {col}: timestamp {micros}: {e}")))
}

fn get<'r, T>(row: &'r SqliteRow, col: &str) -> Result<Option<T>, StoreError>
where
    T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
{
    sqlx::Row::try_get::<Option<T>, _>(row, col)
        .map_err(|e| StoreError::Backend(format!("column {col}: {e}")))
}

impl Row for SqliteRow {
    fn opt_uuid(&self, col: &str) -> Result<Option<Uuid>, StoreError> {
        get::<String>(self, col)?
            .map(|s| {
                Uuid::parse_str(&s)
                    .map_err(|e| StoreError::Backend(format!("column {col}: {s:?}: {e}")))
            })
            .transpose()
    }

    fn opt_time(&self, col: &str) -> Result<Option<OffsetDateTime>, StoreError> {
        get::<i64>(self, col)?
            .map(|m| from_micros(col, m))
            .transpose()
    }

    fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError> {
        get(self, col)
    }

    fn opt_bytes(&self, col: &str) -> Result<Option<Vec<u8>>, StoreError> {
        get(self, col)
    }

    fn opt_i64(&self, col: &str) -> Result<Option<i64>, StoreError> {
        get(self, col)
    }

    fn opt_json(&self, col: &str) -> Result<Option<serde_json::Value>, StoreError> {
        get::<String>(self, col)?
            .map(|s| {
                serde_json::from_str(&s)
                    .map_err(|e| StoreError::Backend(format!("column {col}: invalid JSON: {e}")))
            })
            .transpose()
    }
}
