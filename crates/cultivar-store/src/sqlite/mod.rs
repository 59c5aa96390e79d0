//! SQLite backend: connection setup, migrations, and the thin [`Db`]/[`Tx`] adapter.

mod batch;
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
    let memory = path == ":memory:";
    let options = if memory {
        SqliteConnectOptions::from_str("sqlite::memory:").map_err(config_err)?
    } else {
        SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Checkpoint every ~40 MB of WAL instead of ~4 MB: a checkpoint runs (with an
            // fsync) inside the commit that crosses the mark, on the one writer; rarer ones
            // also copy a hot page once for many commits.
            .pragma("wal_autocheckpoint", "10000")
    };
    let options = options
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        // NORMAL is durable enough in WAL mode (a power loss may drop the last commits,
        // never corrupt) and avoids an fsync per commit.
        .synchronous(SqliteSynchronous::Normal);
    // One writer connection: writers queue on the pool (in order, without sleeping) instead of
    // colliding on SQLite's write lock, whose busy handler backs off in sleeps of up to 100 ms.
    // Each connection to an in-memory database is its own database, so that one connection
    // also serves the reads there and lives as long as the pool.
    // No ping before each acquire: for SQLite it is one more hand-off to the connection's
    // thread per statement, and an in-process database has no network to go stale over.
    let writer = SqlitePoolOptions::new()
        .test_before_acquire(false)
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options.clone())
        .await
        .map_err(config_err)?;
    MIGRATOR
        .run(&writer)
        .await
        .map_err(|e| StoreError::Migration(format!("sqlite: {e}")))?;
    let readers = if memory {
        None
    } else {
        // WAL readers never wait for the writer; they see every commit made before they start.
        let readers = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(READERS)
            .connect_with(options.read_only(true))
            .await
            .map_err(config_err)?;
        Some(readers)
    };
    let batcher = batch::Batcher::start(writer.clone());
    Ok(SqlStore::new(Box::new(SqliteDb {
        writer,
        readers,
        batcher,
    })))
}

/// Read connections beside the one writer.
const READERS: u32 = 8;

struct SqliteDb {
    writer: SqlitePool,
    /// `None` for an in-memory database (the writer reads too).
    readers: Option<SqlitePool>,
    /// Runs scripts on the writer, several per transaction.
    batcher: batch::Batcher,
}

impl SqliteDb {
    /// The pool for a statement: plain `SELECT`s go to the readers, anything that may write
    /// (including `UPDATE … RETURNING` and `WITH … UPDATE`) to the writer.
    fn pool_for(&self, sql: &str) -> &SqlitePool {
        match &self.readers {
            Some(readers) if is_plain_select(sql) => readers,
            _ => &self.writer,
        }
    }
}

fn is_plain_select(sql: &str) -> bool {
    let head = sql.trim_start();
    head.len() >= 6 && head[..6].eq_ignore_ascii_case("select")
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
        Ok(row::build(q).execute(&self.writer).await?.rows_affected())
    }

    async fn fetch_optional(&self, q: Query) -> Result<Option<Box<dyn Row>>, SqlError> {
        let pool = self.pool_for(q.sql);
        Ok(row::build(q).fetch_optional(pool).await?.map(boxed))
    }

    async fn fetch_all(&self, q: Query) -> Result<Vec<Box<dyn Row>>, SqlError> {
        let pool = self.pool_for(q.sql);
        let rows = row::build(q).fetch_all(pool).await?;
        Ok(rows.into_iter().map(boxed).collect())
    }

    async fn begin(&self) -> Result<Box<dyn Tx>, SqlError> {
        // IMMEDIATE takes the write lock up front (waiting up to the busy timeout). A deferred
        // transaction that reads first fails at once with SQLITE_BUSY_SNAPSHOT when another
        // connection commits before its first write, and the busy timeout cannot help it.
        Ok(Box::new(SqliteTx {
            tx: self.writer.begin_with("BEGIN IMMEDIATE").await?,
        }))
    }

    async fn script(&self, q: Query) -> Result<Vec<Box<dyn Row>>, SqlError> {
        let rows = self.batcher.run(q).await?;
        Ok(rows.into_iter().map(boxed).collect())
    }

    async fn ping(&self) -> Result<(), SqlError> {
        sqlx::query("SELECT 1").execute(&self.writer).await?;
        Ok(())
    }

    async fn close(&self) {
        if let Some(readers) = &self.readers {
            readers.close().await;
        }
        self.writer.close().await;
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
