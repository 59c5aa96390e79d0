//! PostgreSQL value mapping: native UUID, TIMESTAMPTZ, BYTEA and JSONB.

use sqlx::{
    postgres::{PgArguments, PgRow},
    types::Json,
    Postgres,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{
    sql::{Arg, Query, Row},
    StoreError,
};

pub(super) fn build(q: Query) -> sqlx::query::Query<'static, Postgres, PgArguments> {
    q.args
        .into_iter()
        .fold(sqlx::query(q.sql), |query, arg| match arg {
            Arg::Uuid(v) => query.bind(v),
            Arg::Time(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
            Arg::Bytes(v) => query.bind(v),
            Arg::I64(v) => query.bind(v),
            Arg::Json(v) => query.bind(v.map(Json)),
            Arg::TextList(v) => query.bind(v),
            Arg::TimeList(v) => query.bind(v),
        })
}

fn get<'r, T>(row: &'r PgRow, col: &str) -> Result<Option<T>, StoreError>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    sqlx::Row::try_get::<Option<T>, _>(row, col)
        .map_err(|e| StoreError::Backend(format!("column {col}: {e}")))
}

impl Row for PgRow {
    fn opt_uuid(&self, col: &str) -> Result<Option<Uuid>, StoreError> {
        get(self, col)
    }

    fn opt_time(&self, col: &str) -> Result<Option<OffsetDateTime>, StoreError> {
        get(self, col)
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
        Ok(get::<Json<serde_json::Value>>(self, col)?.map(|j| j.0))
    }
}
