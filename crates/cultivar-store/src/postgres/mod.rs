//! PostgreSQL backend: connection setup, migrations, and the thin [`Db`]/[`Tx`] adapter.

mod row;

use std::time::Duration;

use async_trait::async_trait;
use sqlx::{postgres::PgPoolOptions, PgPool, Postgres, Transaction};

use crate::{
    sql::{Db, Query, Row, SqlError, SqlStore, Tx},
    Backend, StoreError,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Connects to `url` and migrates the database. sqlx takes an advisory lock while migrating,
/// so several server instances starting together do not race.
pub(crate) async fn open(url: &str) -> Result<SqlStore, StoreError> {
    let pool = PgPoolOptions::new()
        .max_connections(10)
        // Fail startup with a clear error instead of hanging when the server is unreachable.
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await
        .map_err(|e| {
            StoreError::Config(format!("database_url: cannot connect to PostgreSQL: {e}"))
        })?;
    MIGRATOR
        .run(&pool)
        .await
        .map_err(|e| StoreError::Migration(format!("postgres: {e}")))?;
    Ok(SqlStore::new(Box::new(PgDb { pool })))
}

struct PgDb {
    pool: PgPool,
}

struct PgTx {
    tx: Transaction<'static, Postgres>,
}

fn boxed(row: sqlx::postgres::PgRow) -> Box<dyn Row> {
    Box::new(row)
}

#[async_trait]
impl Db for PgDb {
    fn backend(&self) -> Backend {
        Backend::Postgres
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
        Ok(Box::new(PgTx {
            tx: self.pool.begin().await?,
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
impl Tx for PgTx {
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
