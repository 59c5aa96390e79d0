//! SQLite backend: connection setup, migrations, and the thin [`Db`]/[`Tx`] adapter.

mod row;

pub(crate) use row::to_micros;

use std::{str::FromStr, time::Duration};

use async_trait::async_trait;
use sqlx::{
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    Sqlite, SqlitePool, Transaction,
};

use crate::{
    sql::{Db, Query, Row, SqlError, SqlStore, Tx},
    Backend, StoreError,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Opens (creating if missing) the database file at `path` and migrates it. The special path
/// `:memory:` gives a private in-memory database.
pub(crate) async fn open(path: &str) -> Result<SqlStore, StoreError> {
    let config_err = |e: sqlx::Error| {
        StoreError::Config(format!(
            "database_url: cannot open SQLite database {path:?}: {e}"
        ))
    };
    let (options, pool) = if path == ":memory:" {
        let options = SqliteConnectOptions::from_str("sqlite::memory:").map_err(config_err)?;
        // Each connection to an in-memory database sees its own database, so keep exactly
        // one connection alive for the life of the pool.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
        (options, pool)
    } else {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        (options, SqlitePoolOptions::new())
    };
    let options = options
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        // NORMAL is durable enough in WAL mode (a power loss may drop the last commits,
        // never corrupt) and avoids an fsync per commit.
        .synchronous(SqliteSynchronous::Normal);
    let pool = pool.connect_with(options).await.map_err(config_err)?;
    MIGRATOR
        .run(&pool)
        .await
        .map_err(|e| StoreError::Migration(format!("sqlite: {e}")))?;
    Ok(SqlStore::new(Box::new(SqliteDb { pool })))
}

struct SqliteDb {
    pool: SqlitePool,
}

struct SqliteTx {
    tx: Transaction<'static, Sqlite>,
}

fn boxed(row: sqlx::sqlite::SqliteRow) -> Box<dyn Row> {
    Box::new(row)
}

#[async_trait]
impl Db for SqliteDb {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn execute(&self, q: Query) -> Result<u64, SqlError> {
        Ok(row::build(q).execute(&self.pool).await?.rows_affected())
    }

    async fn fetch_optional(&self, q: Query) -> Result<Option<Box<dyn Row>>, SqlError> {
        Ok(row::build(q).fetch_optional(&self.pool).await?.map(boxed))
    }

    async fn fetch_all(&self, q: Query) -> Result<Vec<Box<dyn Row>>, SqlError> {
        let rows = row::build(q).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(boxed).collect())
    }

    async fn begin(&self) -> Result<Box<dyn Tx>, SqlError> {
        // IMMEDIATE takes the write lock up front (waiting up to the busy timeout). A deferred
        // transaction that reads first fails at once with SQLITE_BUSY_SNAPSHOT when another
        // connection commits before its first write, and the busy timeout cannot help it.
        Ok(Box::new(SqliteTx {
            tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
        }))
    }

    async fn ping(&self) -> Result<(), SqlError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl Tx for SqliteTx {
    async fn execute(&mut self, q: Query) -> Result<u64, SqlError> {
        Ok(row::build(q).execute(&mut *self.tx).await?.rows_affected())
    }

    async fn fetch_all(&mut self, q: Query) -> Result<Vec<Box<dyn Row>>, SqlError> {
        let rows = row::build(q).fetch_all(&mut *self.tx).await?;
        Ok(rows.into_iter().map(boxed).collect())
    }

    async fn commit(self: Box<Self>) -> Result<(), SqlError> {
        Ok(self.tx.commit().await?)
    }
}
