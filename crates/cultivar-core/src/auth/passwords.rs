//! Console users: email and password rules, argon2id hashing, and login.

use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use cultivar_store::{AdminUser, AdminUserStore, ConsoleSessionStore, NewAdminUser};
use time::{Duration, OffsetDateTime};

use super::{sessions, AuthError, SessionGrant};

pub const MIN_PASSWORD_CHARS: usize = 12;
/// Upper bound so a huge password cannot make hashing a denial of service.
const MAX_PASSWORD_BYTES: usize = 1024;

/// Trims and lower-cases `email` after checking it looks like `local@domain.tld`.
pub fn validate_email(email: &str) -> Result<String, AuthError> {
    let email = email.trim().to_lowercase();
    let rule = "must look like name@example.com";
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AuthError::invalid("email", rule));
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(AuthError::invalid("email", rule));
    };
    let domain_ok = domain.contains('.')
        && !domain.contains('@')
        && domain.split('.').all(|label| !label.is_empty());
    if local.is_empty() || !domain_ok {
        return Err(AuthError::invalid("email", rule));
    }
    Ok(email)
}

pub fn validate_password(password: &str) -> Result<(), AuthError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AuthError::invalid(
            "password",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AuthError::invalid(
            "password",
            format!("must be at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// An argon2id PHC string (`$argon2id$v=19$…`) with a random salt and the crate's default cost.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let salt = SaltString::encode_b64(&cultivar_crypto::random_bytes(16))
        .map_err(|e| AuthError::Hashing(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AuthError::Hashing(e.to_string()))
}

/// Whether `password` matches the stored PHC string; a malformed hash counts as no match.
pub fn verify_password(stored_hash: &str, password: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored_hash) else {
        tracing::warn!("stored password hash is not a PHC string; refusing the login");
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// Validates and stores a new console administrator.
pub async fn create_admin_user<S>(
    store: &S,
    email: &str,
    password: &str,
) -> Result<AdminUser, AuthError>
where
    S: AdminUserStore + ?Sized,
{
    let email = validate_email(email)?;
    validate_password(password)?;
    let password = password.to_owned();
    let password_hash = blocking(move || hash_password(&password)).await??;
    Ok(store
        .insert_admin_user(&NewAdminUser {
            email,
            password_hash,
        })
        .await?)
}

/// Checks the credentials and opens a session of `ttl`. `None` for an unknown email or a wrong
/// password alike, and both take an argon2 verification, so timing does not reveal which.
pub async fn login<S>(
    store: &S,
    email: &str,
    password: &str,
    now: OffsetDateTime,
    ttl: Duration,
) -> Result<Option<(AdminUser, SessionGrant)>, AuthError>
where
    S: AdminUserStore + ConsoleSessionStore + ?Sized,
{
    let user = match validate_email(email) {
        Ok(email) => store.admin_user_by_email(&email).await?,
        Err(_) => None,
    };
    let stored = user
        .as_ref()
        .map_or_else(|| dummy_hash().to_owned(), |u| u.password_hash.clone());
    let presented = password.to_owned();
    let matches = blocking(move || verify_password(&stored, &presented)).await?;
    let Some(user) = user.filter(|_| matches) else {
        return Ok(None);
    };
    let grant = sessions::create_session(store, user.id, now, ttl).await?;
    Ok(Some((user, grant)))
}

/// A valid argon2id hash of a random password, computed once, for equal-time failed logins.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&cultivar_crypto::random_token(16)).unwrap_or_default())
}

/// Runs argon2 off the async workers: one hash takes tens of milliseconds of CPU.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AuthError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AuthError::Hashing(format!("worker failed: {e}")))
}
