//! The backend-neutral SQL layer every capability is written against, once.
//!
//! Why hand-written: `sqlx::Any` would do this but cannot carry UUIDs or timestamps, and
//! generic code over `sqlx::Database` drowns in higher-ranked trait bounds. Instead the
//! capability code builds a [`Query`] (static SQL text with `$n` placeholders, which both
//! SQLite and PostgreSQL accept, plus backend-neutral [`Arg`]s) and reads results through
//! [`Row`]; each backend only binds arguments, reads columns and maps errors (see
//! `crate::sqlite` and `crate::postgres`).

pub(crate) mod abm_device;
mod abm_server;
mod abm_sync_run;
mod ade_assignment;
mod ade_profile;
mod ade_push;
mod admin_user;
mod api_key;
mod audit;
mod console_session;
mod device_group;
mod mdm_checkin;
mod mdm_devices;
mod mdm_enrollment;
mod mdm_exchange;
mod mdm_push;
mod mdm_queue;
mod mdm_scep;
mod store;

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Backend, StoreError};

pub(crate) use store::SqlStore;

/// One bound parameter. Every variant is nullable so `Option` inputs need no special case.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Uuid(Option<Uuid>),
    Time(Option<OffsetDateTime>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
    I64(Option<i64>),
    Json(Option<serde_json::Value>),
    /// A list for a batched statement: PostgreSQL binds a `text[]` (use `= ANY($n)` or
    /// `UNNEST`), SQLite a JSON array text (use `json_each($n)`).
    TextList(Vec<Option<String>>),
    /// As [`Arg::TextList`]: `timestamptz[]`, or a JSON array of unix microseconds.
    TimeList(Vec<Option<OffsetDateTime>>),
}

macro_rules! arg_from {
    ($variant:ident: $($ty:ty => $conv:expr),+ $(,)?) => {$(
        impl From<$ty> for Arg {
            fn from(v: $ty) -> Self {
                Arg::$variant($conv(v))
            }
        }
    )+};
}

arg_from!(Uuid: Uuid => Some, Option<Uuid> => std::convert::identity);
arg_from!(Time: OffsetDateTime => Some, Option<OffsetDateTime> => std::convert::identity);
arg_from!(Text:
    &str => |v: &str| Some(v.to_owned()),
    String => Some,
    Option<&str> => |v: Option<&str>| v.map(str::to_owned),
    Option<String> => std::convert::identity,
);
arg_from!(Bytes:
    &[u8] => |v: &[u8]| Some(v.to_vec()),
    Option<&[u8]> => |v: Option<&[u8]>| v.map(<[u8]>::to_vec),
);
arg_from!(I64: i64 => Some, Option<i64> => std::convert::identity);
arg_from!(Json:
    &serde_json::Value => |v: &serde_json::Value| Some(v.clone()),
    serde_json::Value => Some,
);
arg_from!(TextList: Vec<Option<String>> => std::convert::identity);
arg_from!(TimeList: Vec<Option<OffsetDateTime>> => std::convert::identity);

/// Static SQL text and its arguments. The text is `&'static str` on purpose: SQL is never
/// assembled from runtime strings here.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    pub(crate) sql: &'static str,
    pub(crate) args: Vec<Arg>,
}

/// Starts a query.
pub(crate) fn q(sql: &'static str) -> Query {
    Query {
        sql,
        args: Vec::new(),
    }
}

impl Query {
    /// Appends the next `$n` argument.
    pub(crate) fn bind(mut self, arg: impl Into<Arg>) -> Self {
        self.args.push(arg.into());
        self
    }
}

/// Column access by name. Backends implement the `opt_*` readers; the required readers turn
/// an unexpected NULL into a `Backend` error.
pub(crate) trait Row: Send {
    fn opt_uuid(&self, col: &str) -> Result<Option<Uuid>, StoreError>;
    fn opt_time(&self, col: &str) -> Result<Option<OffsetDateTime>, StoreError>;
    fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError>;
    fn opt_bytes(&self, col: &str) -> Result<Option<Vec<u8>>, StoreError>;
    fn opt_i64(&self, col: &str) -> Result<Option<i64>, StoreError>;
    fn opt_json(&self, col: &str) -> Result<Option<serde_json::Value>, StoreError>;

    fn uuid(&self, col: &str) -> Result<Uuid, StoreError> {
        required(col, self.opt_uuid(col)?)
    }
    fn time(&self, col: &str) -> Result<OffsetDateTime, StoreError> {
        required(col, self.opt_time(col)?)
    }
    fn text(&self, col: &str) -> Result<String, StoreError> {
        required(col, self.opt_text(col)?)
    }
    fn bytes(&self, col: &str) -> Result<Vec<u8>, StoreError> {
        required(col, self.opt_bytes(col)?)
    }
    fn i64(&self, col: &str) -> Result<i64, StoreError> {
        required(col, self.opt_i64(col)?)
    }
    fn json(&self, col: &str) -> Result<serde_json::Value, StoreError> {
        required(col, self.opt_json(col)?)
    }
}

fn required<T>(col: &str, v: Option<T>) -> Result<T, StoreError> {
    v.ok_or_else(|| StoreError::Backend(format!("column {col}: unexpected NULL")))
}

/// A database failure, with the kinds capability code turns into caller-facing errors kept
/// apart. The `String` is the constraint name (PostgreSQL) or the message naming
/// `table.column` (SQLite).
#[derive(Debug)]
pub(crate) enum SqlError {
    Unique(String),
    ForeignKey(String),
    Other(StoreError),
}

impl SqlError {
    /// True for a unique violation on `column`, whichever way the backend spells it
    /// (SQLite: "UNIQUE constraint failed: table.column"; PostgreSQL: "table_column_key").
    pub(crate) fn is_unique_on(&self, column: &str) -> bool {
        match self {
            SqlError::Unique(detail) => {
                detail.contains(&format!(".{column}"))
                    || detail.ends_with(&format!("_{column}_key"))
            }
            _ => false,
        }
    }
}

impl From<SqlError> for StoreError {
    fn from(e: SqlError) -> Self {
        match e {
            SqlError::Unique(detail) => StoreError::conflict(detail),
            SqlError::ForeignKey(detail) => {
                StoreError::invalid(detail, "must reference an existing row")
            }
            SqlError::Other(e) => e,
        }
    }
}

impl From<StoreError> for SqlError {
    fn from(e: StoreError) -> Self {
        SqlError::Other(e)
    }
}

impl From<sqlx::Error> for SqlError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            let detail = || db.constraint().unwrap_or(db.message()).to_owned();
            match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => return SqlError::Unique(detail()),
                sqlx::error::ErrorKind::ForeignKeyViolation => {
                    return SqlError::ForeignKey(detail())
                }
                _ => {}
            }
        }
        SqlError::Other(StoreError::Backend(e.to_string()))
    }
}

/// A connection pool of one backend.
#[async_trait]
pub(crate) trait Db: Send + Sync {
    fn backend(&self) -> Backend;
    /// Runs a statement; returns the number of rows it changed.
    async fn execute(&self, q: Query) -> Result<u64, SqlError>;
    async fn fetch_optional(&self, q: Query) -> Result<Option<Box<dyn Row>>, SqlError>;
    async fn fetch_all(&self, q: Query) -> Result<Vec<Box<dyn Row>>, SqlError>;
    async fn begin(&self) -> Result<Box<dyn Tx>, SqlError>;
    /// Runs a script of statements in one call, atomically, and returns every row its
    /// statements return once committed. SQLite only (PostgreSQL prepares one statement at a
    /// time). The script must open and release a savepoint named `script` around its
    /// statements: it may share a transaction with other scripts (group commit), and a failing
    /// one is rolled back to that savepoint alone.
    async fn script(&self, q: Query) -> Result<Vec<Box<dyn Row>>, SqlError> {
        Err(SqlError::Other(StoreError::Backend(format!(
            "{:?} runs statements one at a time, not scripts: {}",
            self.backend(),
            q.sql.get(..40).unwrap_or(q.sql)
        ))))
    }
    async fn ping(&self) -> Result<(), SqlError>;
    async fn close(&self);
}

/// An open transaction. Dropping it without [`Tx::commit`] rolls back.
#[async_trait]
pub(crate) trait Tx: Send {
    async fn execute(&mut self, q: Query) -> Result<u64, SqlError>;
    async fn fetch_all(&mut self, q: Query) -> Result<Vec<Box<dyn Row>>, SqlError>;
    async fn commit(self: Box<Self>) -> Result<(), SqlError>;
}

/// The store's clock, truncated to the microsecond precision both backends keep, so a
/// record returned by an insert equals the same record read back.
pub(crate) fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .unwrap_or(t)
}

/// A stored counter (never negative) as `u64`.
pub(crate) fn count(row: &dyn Row, col: &str) -> Result<u64, StoreError> {
    let v = row.i64(col)?;
    u64::try_from(v).map_err(|_| StoreError::Backend(format!("column {col}: negative count {v}")))
}

/// A `u64` counter as the `i64` both backends store.
pub(crate) fn to_i64(field: &str, v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::invalid(field, format!("{v} is too large")))
}

/// Picks the statement for the store's backend, where the dialects differ (batch statements).
pub(crate) fn dialect(backend: Backend, sqlite: &'static str, postgres: &'static str) -> Query {
    match backend {
        Backend::Sqlite => q(sqlite),
        Backend::Postgres => q(postgres),
    }
}

/// `Invalid` unless `value` has content.
pub(crate) fn non_empty(field: &str, value: &str) -> Result<(), StoreError> {
    if value.trim().is_empty() {
        return Err(StoreError::invalid(field, "must not be empty"));
    }
    Ok(())
}
