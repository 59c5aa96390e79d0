//! Throwaway PostgreSQL databases for tests (this crate's and, later, the server's).
//!
//! Each test gets its own freshly created database, so tests run in parallel without seeing
//! each other's rows, and the database is dropped afterwards.

use std::time::Duration;

use sqlx::{Connection, PgConnection};

/// Where to find a PostgreSQL server with rights to create databases.
pub const PG_URL_ENV: &str = "CULTIVAR_TEST_PG_URL";
/// Used when [`PG_URL_ENV`] is unset.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A database created for one test. Call [`TestDatabase::cleanup`] at the end of the test;
/// if the test panics first, dropping it removes the database instead (best effort).
#[derive(Debug)]
pub struct TestDatabase {
    /// `postgres://…/cultivar_t_<hex>`, ready for [`crate::open`].
    pub url: String,
    admin_url: String,
    name: String,
    dropped: bool,
}

/// Creates a fresh database on the server named by `CULTIVAR_TEST_PG_URL`.
///
/// When the server cannot be reached: panics if `CI=true` (PostgreSQL must be tested in CI),
/// otherwise prints a warning and returns `None` so the test can return early.
pub async fn postgres_test_database() -> Option<TestDatabase> {
    let admin_url = std::env::var(PG_URL_ENV).unwrap_or_else(|_| DEFAULT_PG_URL.to_owned());
    match create(&admin_url).await {
        Ok(db) => Some(db),
        Err(reason) => {
            let shown = redact(&admin_url);
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("PostgreSQL is required in CI: cannot use {shown} ({PG_URL_ENV}): {reason}");
            }
            eprintln!(
                "\n*** WARNING: PostgreSQL test SKIPPED: cannot use {shown} ({PG_URL_ENV}): \
                 {reason} ***\n"
            );
            None
        }
    }
}

impl TestDatabase {
    /// Drops the database now, reporting (not panicking on) failure.
    pub async fn cleanup(mut self) {
        self.dropped = true;
        if let Err(e) = drop_database(&self.admin_url, &self.name).await {
            eprintln!("warning: could not drop test database {}: {e}", self.name);
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        // Drop cannot await, and may run inside a runtime that is shutting down, so use a
        // private runtime on a private thread.
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let worker = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(drop_database(&admin_url, &name))
        });
        match worker.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: could not drop test database {}: {e}", self.name),
            Err(_) => eprintln!("warning: dropping test database {} panicked", self.name),
        }
    }
}

async fn connect(admin_url: &str) -> Result<PgConnection, String> {
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect(admin_url)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {CONNECT_TIMEOUT:?}")),
    }
}

async fn create(admin_url: &str) -> Result<TestDatabase, String> {
    let mut url = url::Url::parse(admin_url).map_err(|e| format!("not a URL: {e}"))?;
    let mut conn = connect(admin_url).await?;
    // The name is generated hex, so splicing it into the statement is safe.
    let name = format!("cultivar_t_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .map_err(|e| format!("CREATE DATABASE: {e}"))?;
    // Closing is a courtesy; the database exists either way.
    let _ = conn.close().await;
    url.set_path(&format!("/{name}"));
    Ok(TestDatabase {
        url: url.into(),
        admin_url: admin_url.to_owned(),
        name,
        dropped: false,
    })
}

async fn drop_database(admin_url: &str, name: &str) -> Result<(), String> {
    let mut conn = connect(admin_url).await?;
    // FORCE ends connections a still-open pool of the test may hold.
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await
        .map_err(|e| format!("DROP DATABASE: {e}"))?;
    let _ = conn.close().await;
    Ok(())
}

/// The URL with any password hidden, for messages.
fn redact(admin_url: &str) -> String {
    match url::Url::parse(admin_url) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.into()
        }
        Ok(url) => url.into(),
        Err(_) => "<unparsable URL>".to_owned(),
    }
}
