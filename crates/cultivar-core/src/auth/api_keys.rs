//! Admin-API keys: `cvk_` + 32 random bytes (URL-safe base64), stored as SHA-256 hex.

use cultivar_store::{ApiKey, ApiKeyStore, NewApiKey, Role};
use time::{Duration, OffsetDateTime};

use super::AuthError;

/// Every key starts with this, so leaked keys are easy to grep for and scanners can spot them.
pub const API_KEY_PREFIX: &str = "cvk_";
/// Random characters after `cvk_` kept (unhashed) to tell keys apart in listings.
pub const DISPLAY_PREFIX_LEN: usize = 8;
const KEY_BYTES: usize = 32;
/// 32 bytes in unpadded base64 are 43 characters.
const KEY_LEN: usize = 4 + 43;
/// `last_used_at` is written at most this often per key, so reads don't turn into writes.
const TOUCH_INTERVAL: Duration = Duration::minutes(1);

/// A fresh plaintext key.
pub fn generate_api_key() -> String {
    format!(
        "{API_KEY_PREFIX}{}",
        cultivar_crypto::random_token(KEY_BYTES)
    )
}

/// SHA-256 hex of a bearer token (API key or session token), the form that is stored.
pub fn hash_token(token: &str) -> String {
    hex::encode(cultivar_crypto::sha256(token.as_bytes()))
}

/// Cheap shape check so malformed tokens never reach the database.
pub fn looks_like_api_key(presented: &str) -> bool {
    presented.len() == KEY_LEN
        && presented.starts_with(API_KEY_PREFIX)
        && presented[API_KEY_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Creates a key; returns the plaintext (shown once) and the stored record.
pub async fn create_api_key<S>(
    store: &S,
    name: &str,
    role: Role,
) -> Result<(String, ApiKey), AuthError>
where
    S: ApiKeyStore + ?Sized,
{
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AuthError::invalid("name", "must be 1 to 100 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(AuthError::invalid(
            "name",
            "must not contain control characters",
        ));
    }
    let plaintext = generate_api_key();
    let new = NewApiKey {
        name: name.to_owned(),
        role,
        key_hash: hash_token(&plaintext),
        key_prefix: plaintext[..API_KEY_PREFIX.len() + DISPLAY_PREFIX_LEN].to_owned(),
    };
    let key = store.insert_api_key(&new).await?;
    Ok((plaintext, key))
}

/// The active key matching `presented`, or `None` (unknown, malformed or revoked).
/// Records the use at most once a minute.
pub async fn authenticate_api_key<S>(
    store: &S,
    presented: &str,
    now: OffsetDateTime,
) -> Result<Option<ApiKey>, AuthError>
where
    S: ApiKeyStore + ?Sized,
{
    if !looks_like_api_key(presented) {
        return Ok(None);
    }
    // Looking up by hash means no secret-dependent string comparison happens here.
    let Some(mut key) = store.api_key_by_hash(&hash_token(presented)).await? else {
        return Ok(None);
    };
    if key.revoked_at.is_some() {
        return Ok(None);
    }
    let stale = key.last_used_at.is_none_or(|at| now - at >= TOUCH_INTERVAL);
    if stale {
        store.touch_api_key(key.id, now).await?;
        key.last_used_at = Some(now);
    }
    Ok(Some(key))
}
