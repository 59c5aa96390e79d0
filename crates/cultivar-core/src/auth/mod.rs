//! Who may use cultivar: admin-API keys, console users (argon2id passwords) and console sessions.
//!
//! Secrets are stored only as hashes: API keys and session tokens as SHA-256 hex (they are long
//! random values, so a fast hash is enough), passwords as argon2id. Functions take the current
//! time as an argument so callers decide which clock applies.

mod api_keys;
mod passwords;
mod sessions;

pub use api_keys::{
    authenticate_api_key, create_api_key, generate_api_key, hash_token, looks_like_api_key,
    API_KEY_PREFIX, DISPLAY_PREFIX_LEN,
};
pub use passwords::{
    create_admin_user, hash_password, login, validate_email, validate_password, verify_password,
    MIN_PASSWORD_CHARS,
};
pub use sessions::{
    create_session, end_session, session_for_token, SessionGrant, SESSION_TOKEN_BYTES,
};

use cultivar_store::StoreError;

/// Why an auth operation failed. Wrong credentials are not errors (they give `None`); these are
/// invalid inputs and storage faults.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{field}: {rule}")]
    Invalid { field: &'static str, rule: String },
    #[error("password: hashing failed ({0})")]
    Hashing(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AuthError {
    fn invalid(field: &'static str, rule: impl Into<String>) -> Self {
        AuthError::Invalid {
            field,
            rule: rule.into(),
        }
    }
}
#[cfg(test)]
mod tests;
