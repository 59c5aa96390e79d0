//! Randomness from OpenSSL's CSPRNG, plus the hashes used for API keys and
//! session tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::CryptoError;

/// `n` random bytes, or an error if OpenSSL's generator is unavailable.
pub fn try_random_bytes(n: usize) -> Result<Vec<u8>, CryptoError> {
    let mut buf = vec![0u8; n];
    openssl::rand::rand_bytes(&mut buf).map_err(CryptoError::openssl("random bytes"))?;
    Ok(buf)
}

/// `n` random bytes.
///
/// # Panics
/// If OpenSSL's CSPRNG fails (it cannot seed). Carrying on with predictable
/// keys or tokens would be worse than stopping, and nothing a caller could do
/// would fix it; use [`try_random_bytes`] to handle it instead.
pub fn random_bytes(n: usize) -> Vec<u8> {
    match try_random_bytes(n) {
        Ok(bytes) => bytes,
        Err(e) => panic!("the system random number generator failed: {e}"),
    }
}

/// A random token of `n_bytes` bytes, URL-safe base64 without padding.
pub fn random_token(n_bytes: usize) -> String {
    URL_SAFE_NO_PAD.encode(random_bytes(n_bytes))
}
