//! Secrets at rest (ABM OAuth secrets, private keys): AES-256-GCM with a
//! random 96-bit nonce. Sealed format: `0x01 || nonce(12) || ciphertext ||
//! tag(16)`. The associated data binds a secret to its row, so a sealed value
//! copied into another row does not open.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use openssl::symm::{decrypt_aead, encrypt_aead, Cipher};

use crate::error::CryptoError;
use crate::random::random_bytes;

const VERSION: u8 = 1;
const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// A 256-bit key for [`seal`] and [`open`].
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; KEY_LEN]);

impl fmt::Debug for SecretKey {
    // Never print key bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// A fresh random key.
    pub fn generate() -> SecretKey {
        let mut key = [0u8; KEY_LEN];
        key.copy_from_slice(&random_bytes(KEY_LEN));
        SecretKey(key)
    }

    /// Parses standard base64 (padding optional) of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<SecretKey, CryptoError> {
        let text = text.trim();
        let bytes = STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
            .map_err(|_| CryptoError::InvalidSecretKey {
                reason: "not valid base64 (expected 32 random bytes in standard base64)".into(),
            })?;
        let key: [u8; KEY_LEN] =
            bytes
                .try_into()
                .map_err(|b: Vec<u8>| CryptoError::InvalidSecretKey {
                    reason: format!("decodes to {} bytes, expected {KEY_LEN}", b.len()),
                })?;
        Ok(SecretKey(key))
    }

    /// Standard base64 with padding.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }
}

/// Encrypts and authenticates `plaintext`, binding `associated_data`.
pub fn seal(
    key: &SecretKey,
    plaintext: &[u8],
    associated_data: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let nonce = random_bytes(NONCE_LEN);
    let mut tag = [0u8; TAG_LEN];
    let ciphertext = encrypt_aead(
        Cipher::aes_256_gcm(),
        &key.0,
        Some(&nonce),
        associated_data,
        plaintext,
        &mut tag,
    )
    .map_err(CryptoError::openssl("seal secret"))?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len() + TAG_LEN);
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out.extend_from_slice(&tag);
    Ok(out)
}

/// Reverses [`seal`]; fails if the key, the data or the associated data differ.
pub fn open(
    key: &SecretKey,
    sealed: &[u8],
    associated_data: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let (&version, rest) = sealed
        .split_first()
        .ok_or_else(|| CryptoError::SealedFormat {
            reason: "empty (expected a version byte, nonce, ciphertext and tag)".into(),
        })?;
    if version != VERSION {
        return Err(CryptoError::SealedFormat {
            reason: format!("unsupported version byte {version} (expected {VERSION})"),
        });
    }
    if rest.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::SealedFormat {
            reason: format!(
                "{} bytes is too short (at least {} expected)",
                sealed.len(),
                1 + NONCE_LEN + TAG_LEN
            ),
        });
    }
    let (nonce, rest) = rest.split_at(NONCE_LEN);
    let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
    decrypt_aead(
        Cipher::aes_256_gcm(),
        &key.0,
        Some(nonce),
        associated_data,
        ciphertext,
        tag,
    )
    .map_err(|_| CryptoError::SecretOpenFailed)
}
