//! Console sessions: a random cookie token stored as its hash, with a per-session CSRF token.

use cultivar_store::{ConsoleSession, ConsoleSessionStore};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{hash_token, AuthError};

pub const SESSION_TOKEN_BYTES: usize = 32;

/// A new session: `token` goes into the cookie (and nowhere else); `session` is what is stored.
#[derive(Debug, Clone)]
pub struct SessionGrant {
    pub token: String,
    pub session: ConsoleSession,
}

pub async fn create_session<S>(
    store: &S,
    user_id: Uuid,
    now: OffsetDateTime,
    ttl: Duration,
) -> Result<SessionGrant, AuthError>
where
    S: ConsoleSessionStore + ?Sized,
{
    let token = cultivar_crypto::random_token(SESSION_TOKEN_BYTES);
    let session = ConsoleSession {
        token_hash: hash_token(&token),
        user_id,
        csrf_token: cultivar_crypto::random_token(SESSION_TOKEN_BYTES),
        created_at: now,
        expires_at: now + ttl,
    };
    store.insert_console_session(&session).await?;
    Ok(SessionGrant { token, session })
}

/// The live session for a cookie token; expired sessions are deleted and give `None`.
pub async fn session_for_token<S>(
    store: &S,
    token: &str,
    now: OffsetDateTime,
) -> Result<Option<ConsoleSession>, AuthError>
where
    S: ConsoleSessionStore + ?Sized,
{
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    let hash = hash_token(token);
    let Some(session) = store.console_session(&hash).await? else {
        return Ok(None);
    };
    if session.expires_at <= now {
        store.delete_console_session(&hash).await?;
        return Ok(None);
    }
    Ok(Some(session))
}

/// Logs out: deletes the session for this cookie token (missing sessions are fine).
pub async fn end_session<S>(store: &S, token: &str) -> Result<(), AuthError>
where
    S: ConsoleSessionStore + ?Sized,
{
    store.delete_console_session(&hash_token(token)).await?;
    Ok(())
}
