use async_trait::async_trait;
use time::OffsetDateTime;

use super::{non_empty, q, Row, SqlError, SqlStore};
use crate::{ConsoleSession, ConsoleSessionStore, StoreError};

fn console_session(row: &dyn Row) -> Result<ConsoleSession, StoreError> {
    Ok(ConsoleSession {
        token_hash: row.text("token_hash")?,
        user_id: row.uuid("user_id")?,
        csrf_token: row.text("csrf_token")?,
        created_at: row.time("created_at")?,
        expires_at: row.time("expires_at")?,
    })
}

#[async_trait]
impl ConsoleSessionStore for SqlStore {
    async fn insert_console_session(&self, session: &ConsoleSession) -> Result<(), StoreError> {
        non_empty("token_hash", &session.token_hash)?;
        non_empty("csrf_token", &session.csrf_token)?;
        let query = q("INSERT INTO console_sessions \
                       (token_hash, user_id, csrf_token, created_at, expires_at) \
                       VALUES ($1, $2, $3, $4, $5)")
        .bind(session.token_hash.as_str())
        .bind(session.user_id)
        .bind(session.csrf_token.as_str())
        .bind(session.created_at)
        .bind(session.expires_at);
        match self.db.execute(query).await {
            Ok(_) => Ok(()),
            Err(SqlError::Unique(_)) => Err(StoreError::conflict("console session token hash")),
            Err(SqlError::ForeignKey(_)) => Err(StoreError::invalid(
                "user_id",
                format!(
                    "must name an existing admin user (no user {})",
                    session.user_id
                ),
            )),
            Err(e) => Err(e.into()),
        }
    }

    async fn console_session(
        &self,
        token_hash: &str,
    ) -> Result<Option<ConsoleSession>, StoreError> {
        let query = q("SELECT * FROM console_sessions WHERE token_hash = $1").bind(token_hash);
        self.db
            .fetch_optional(query)
            .await?
            .map(|row| console_session(row.as_ref()))
            .transpose()
    }

    async fn delete_console_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let query = q("DELETE FROM console_sessions WHERE token_hash = $1").bind(token_hash);
        self.db.execute(query).await?;
        Ok(())
    }

    async fn delete_expired_console_sessions(
        &self,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let query = q("DELETE FROM console_sessions WHERE expires_at <= $1").bind(now);
        Ok(self.db.execute(query).await?)
    }
}
