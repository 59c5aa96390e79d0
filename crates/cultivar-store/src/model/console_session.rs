use time::OffsetDateTime;
use uuid::Uuid;

/// A web-console login session, keyed by the hash of the cookie token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    pub token_hash: String,
    pub user_id: Uuid,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}
