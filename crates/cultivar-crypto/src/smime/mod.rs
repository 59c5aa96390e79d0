//! ABM server tokens: S/MIME CMS EnvelopedData, RSA key transport.

mod container;
mod encode;
mod envelope;

use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::stack::Stack;
use openssl::symm::Cipher;

use crate::error::CryptoError;
use crate::token_pki::{ensure_key_matches, first_reason, load_certificate, load_private_key};

/// Refuse anything bigger before parsing; real tokens are about 2 KiB.
const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// Symmetric cipher for the token content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentCipher {
    /// What Apple uses today.
    Aes128Cbc,
    Aes192Cbc,
    Aes256Cbc,
    Des3Cbc,
}

impl ContentCipher {
    /// Every supported cipher, for tests and simulators.
    pub const ALL: [ContentCipher; 4] = [
        ContentCipher::Aes128Cbc,
        ContentCipher::Aes192Cbc,
        ContentCipher::Aes256Cbc,
        ContentCipher::Des3Cbc,
    ];

    pub(crate) fn openssl(self) -> Cipher {
        match self {
            ContentCipher::Aes128Cbc => Cipher::aes_128_cbc(),
            ContentCipher::Aes192Cbc => Cipher::aes_192_cbc(),
            ContentCipher::Aes256Cbc => Cipher::aes_256_cbc(),
            ContentCipher::Des3Cbc => Cipher::des_ede3_cbc(),
        }
    }
}

/// Decrypts an ABM server token (S/MIME, PEM or DER/BER) and returns the
/// plaintext MIME entity. Key and certificate may be PEM or DER.
pub fn decrypt_server_token(
    p7m: &[u8],
    private_key_pem: &[u8],
    certificate_pem: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    if p7m.len() > MAX_TOKEN_BYTES {
        return Err(CryptoError::TokenTooLarge { size: p7m.len() });
    }
    let key = load_private_key(private_key_pem)?;
    let cert = load_certificate("certificate", certificate_pem)?;
    ensure_key_matches(&key, &cert)?;

    let der = container::unwrap(p7m)?;
    let outline = envelope::outline(&der)?;
    // Checked explicitly: with PKCS#1 v1.5 implicit rejection a wrong key
    // yields garbage instead of an error, so "not for us" must be decided
    // from the recipient list.
    envelope::ensure_recipient(&outline, &cert)?;

    let cms = CmsContentInfo::from_der(&der).map_err(|e| CryptoError::TokenCorrupt {
        reason: format!("CMS parse: {}", first_reason(&e)),
    })?;
    let plaintext = cms
        .decrypt(&key, &cert)
        .map_err(|e| CryptoError::DecryptionFailed {
            reason: first_reason(&e),
        })?;
    ensure_text(&plaintext)?;
    Ok(plaintext)
}

/// CBC has no integrity check: a flipped ciphertext byte in the middle
/// garbles one block without a padding error. A token's plaintext is a 7-bit
/// MIME entity, so binary bytes mean the file was altered.
fn ensure_text(plaintext: &[u8]) -> Result<(), CryptoError> {
    let text = std::str::from_utf8(plaintext).map_err(|_| CryptoError::DecryptionFailed {
        reason: "the decrypted data is not text".into(),
    })?;
    if text.is_empty() {
        return Err(CryptoError::DecryptionFailed {
            reason: "the decrypted data is empty".into(),
        });
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\r' | '\n' | '\t'))
    {
        return Err(CryptoError::DecryptionFailed {
            reason: "the decrypted data contains control characters".into(),
        });
    }
    Ok(())
}

/// Encrypts `plaintext` to `recipient_certificate_pem` and returns an
/// S/MIME file shaped like the one ABM serves (BER inside base64).
pub fn encrypt_server_token(
    plaintext: &[u8],
    recipient_certificate_pem: &[u8],
    cipher: ContentCipher,
) -> Result<Vec<u8>, CryptoError> {
    let cert = load_certificate("recipient_certificate", recipient_certificate_pem)?;
    let is_rsa = cert.public_key().ok().is_some_and(|k| k.rsa().is_ok());
    if !is_rsa {
        return Err(CryptoError::InvalidCertificate {
            field: "recipient_certificate",
            reason: "public key is not RSA (ABM tokens use RSA key transport)".into(),
        });
    }
    let mut certs = Stack::new().map_err(CryptoError::openssl("encrypt token"))?;
    certs
        .push(cert)
        .map_err(CryptoError::openssl("encrypt token"))?;
    // BINARY: the plaintext must come back byte for byte (no CRLF mangling).
    let cms = CmsContentInfo::encrypt(&certs, plaintext, cipher.openssl(), CMSOptions::BINARY)
        .map_err(CryptoError::openssl("encrypt token"))?;
    let der = cms.to_der().map_err(CryptoError::openssl("encode token"))?;
    let ber = encode::apple_style_ber(&der).map_err(|reason| CryptoError::Encoding {
        operation: "re-encode token as BER",
        reason,
    })?;
    Ok(encode::smime_wrap(&ber))
}
