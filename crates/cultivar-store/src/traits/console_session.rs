use async_trait::async_trait;
use time::OffsetDateTime;

use crate::{ConsoleSession, StoreError};

/// Web-console sessions. Sessions are deleted with their user.
#[async_trait]
pub trait ConsoleSessionStore: Send + Sync {
    /// Stores a session as given. `Conflict` if the token hash exists; `Invalid` if
    /// `user_id` names no admin user or `token_hash`/`csrf_token` is empty.
    async fn insert_console_session(&self, session: &ConsoleSession) -> Result<(), StoreError>;

    /// The session with this token hash, expired or not (the caller checks `expires_at`);
    /// `None` if there is none.
    async fn console_session(&self, token_hash: &str)
        -> Result<Option<ConsoleSession>, StoreError>;

    /// Deletes the session (logout). Deleting a missing session is not an error.
    async fn delete_console_session(&self, token_hash: &str) -> Result<(), StoreError>;

    /// Deletes every session with `expires_at <= now`; returns how many went away.
    async fn delete_expired_console_sessions(&self, now: OffsetDateTime)
        -> Result<u64, StoreError>;
}
