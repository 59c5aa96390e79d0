//! The server-token exchange with ABM: the key pair an administrator uploads, and decrypting the
//! `.p7m` file ABM gives back into a [`ServerToken`].

use cultivar_abm_proto::ServerToken;
use cultivar_crypto::CryptoError;

pub use cultivar_crypto::KeyPair;

/// Why a token key pair or a token file was refused. Messages are meant for the administrator
/// who uploaded the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error(
        "token: the file is empty; upload the .p7m file downloaded from Apple Business Manager"
    )]
    Empty,
    #[error("token: the file is {size} bytes, too large for an ABM server token (about 2 KiB); upload the .p7m file downloaded from Apple Business Manager")]
    TooLarge { size: usize },
    #[error("token: not an S/MIME enveloped-data file (expected Content-Type application/pkcs7-mime, the .p7m downloaded from Apple Business Manager): {reason}")]
    NotP7m { reason: String },
    #[error("token: the file is truncated or corrupt ({reason}); download it again from Apple Business Manager")]
    Truncated { reason: String },
    #[error("token: encrypted with an unsupported algorithm ({detail})")]
    UnsupportedAlgorithm { detail: String },
    #[error("token: encrypted for another certificate; upload this server's current public key to Apple Business Manager and download the token again")]
    WrongCertificate,
    #[error("token: decryption failed, the file was modified or damaged ({reason}); download it again from Apple Business Manager")]
    Tampered { reason: String },
    #[error("token: decrypted, but the content is not an ABM server token ({reason})")]
    BadJson { reason: String },
    #[error("private_key: unusable ({reason})")]
    InvalidKey { reason: String },
    #[error("certificate: unusable ({reason})")]
    InvalidCertificate { reason: String },
    #[error("private_key: does not belong to the certificate; use the key pair generated together with the uploaded certificate")]
    KeyMismatch,
    #[error("name: {reason}")]
    InvalidName { reason: String },
    /// An internal cryptographic failure that does not depend on the input.
    #[error("token crypto: {0}")]
    Crypto(String),
}

impl From<CryptoError> for TokenError {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::TokenEmpty => TokenError::Empty,
            CryptoError::TokenTooLarge { size } => TokenError::TooLarge { size },
            CryptoError::NotSmime { reason } => TokenError::NotP7m { reason },
            CryptoError::NotEnvelopedData { found } => TokenError::NotP7m {
                reason: format!("the CMS content is {found}, not enveloped-data"),
            },
            CryptoError::TokenCorrupt { reason } => TokenError::Truncated { reason },
            e @ CryptoError::UnsupportedAlgorithm { .. } => TokenError::UnsupportedAlgorithm {
                detail: e.to_string(),
            },
            CryptoError::WrongRecipient { .. } => TokenError::WrongCertificate,
            CryptoError::DecryptionFailed { reason } => TokenError::Tampered { reason },
            CryptoError::InvalidPrivateKey { reason } => TokenError::InvalidKey { reason },
            CryptoError::InvalidCertificate { reason, .. } => {
                TokenError::InvalidCertificate { reason }
            }
            CryptoError::KeyCertificateMismatch => TokenError::KeyMismatch,
            CryptoError::InvalidCommonName { reason } => TokenError::InvalidName { reason },
            other => TokenError::Crypto(other.to_string()),
        }
    }
}

/// Generates the RSA-2048 key and self-signed certificate (PEM) to upload to ABM. `name` becomes
/// the certificate's common name.
pub fn generate_keypair(name: &str) -> Result<KeyPair, TokenError> {
    Ok(cultivar_crypto::generate_token_keypair(name)?)
}

/// Decrypts a `.p7m` server token with the key pair whose certificate was uploaded to ABM.
pub fn decrypt_token(
    p7m: &[u8],
    key_pem: &[u8],
    cert_pem: &[u8],
) -> Result<ServerToken, TokenError> {
    let plaintext = cultivar_crypto::decrypt_server_token(p7m, key_pem, cert_pem)?;
    ServerToken::from_plaintext(&plaintext).map_err(|e| TokenError::BadJson {
        reason: e.to_string(),
    })
}
