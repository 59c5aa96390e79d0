//! A throwaway PostgreSQL database for one benchmark run, created on a server the user names
//! and dropped afterwards. (`cultivar_store::testing` does the same for tests, but reads only
//! an environment variable and treats an unreachable server as a skipped test.)

use anyhow::Context;
use sqlx::{Connection, PgConnection};

/// Where the benchmark creates its database when `--database-url` is not given.
const PG_URL_ENV: &str = "CULTIVAR_TEST_PG_URL";
const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// `--database-url`, else `$CULTIVAR_TEST_PG_URL`, else the local default.
pub fn server_url(flag: Option<&str>) -> String {
    flag.map(str::to_string)
        .or_else(|| std::env::var(PG_URL_ENV).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| DEFAULT_PG_URL.to_string())
}

/// A database created for the benchmark.
pub struct BenchDatabase {
    /// URL of the new database.
    pub url: String,
    server: String,
    name: String,
}

impl BenchDatabase {
    pub async fn create(server: &str) -> anyhow::Result<BenchDatabase> {
        let mut url = url::Url::parse(server)
            .map_err(|e| anyhow::anyhow!("database_url: not a URL ({e})"))?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            anyhow::bail!(
                "database_url: expected postgres://… for the PostgreSQL benchmark (got {}:)",
                url.scheme()
            );
        }
        // Generated hex only, so it is safe to splice into the statement.
        let name = format!("cultivar_bench_{}", uuid::Uuid::new_v4().simple());
        let mut conn = connect(server).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .with_context(|| format!("postgres: CREATE DATABASE {name}"))?;
        let _ = conn.close().await;
        url.set_path(&format!("/{name}"));
        Ok(BenchDatabase {
            url: url.into(),
            server: server.to_string(),
            name,
        })
    }

    /// Drops the database; a failure is reported, not fatal (the figures are still good).
    pub async fn drop_database(self) {
        let dropped = async {
            let mut conn = connect(&self.server).await?;
            // FORCE ends connections a killed measuring process may have left behind.
            sqlx::query(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn)
            .await?;
            let _ = conn.close().await;
            anyhow::Ok(())
        };
        if let Err(e) = dropped.await {
            eprintln!(
                "warning: could not drop benchmark database {}: {e:#}",
                self.name
            );
        }
    }
}

async fn connect(server: &str) -> anyhow::Result<PgConnection> {
    PgConnection::connect(server)
        .await
        .with_context(|| format!("postgres: cannot connect to {}", redact(server)))
}

/// The URL with any password hidden, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.into()
        }
        Ok(u) => u.into(),
        Err(_) => "<unparsable URL>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_over_the_default() {
        assert_eq!(server_url(Some("postgres://h/db")), "postgres://h/db");
    }

    #[test]
    fn passwords_are_hidden_in_messages() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("nonsense"), "<unparsable URL>");
    }

    #[tokio::test]
    async fn other_schemes_are_refused_before_connecting() {
        let e = BenchDatabase::create("sqlite://x")
            .await
            .err()
            .map(|e| e.to_string());
        assert!(
            e.as_deref().is_some_and(|m| m.starts_with("database_url:")),
            "{e:?}"
        );
    }
}
