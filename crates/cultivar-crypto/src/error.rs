//! The one error type of this crate. Every message names the field it is about
//! and the rule that was broken, so it can be shown to an administrator as-is.

use openssl::error::ErrorStack;
use thiserror::Error;

/// Everything that can go wrong in `cultivar-crypto`.
#[derive(Debug, Error)]
pub enum CryptoError {
    /// The token upload is over the size limit; checked before any parsing.
    #[error("token: token file is larger than 64 KiB ({size} bytes); an ABM server token is about 2 KiB")]
    TokenTooLarge { size: usize },

    /// The token upload has no content at all.
    #[error(
        "token: the file is empty; expected the .p7m file downloaded from Apple Business Manager"
    )]
    TokenEmpty,

    /// The input is neither S/MIME, PEM PKCS#7/CMS nor DER/BER CMS.
    #[error("token: not an S/MIME enveloped-data file (expected Content-Type application/pkcs7-mime, a PEM PKCS7/CMS block or DER CMS): {reason}")]
    NotSmime { reason: String },

    /// The container was recognised but its CMS content does not parse.
    #[error("token: the file is truncated or corrupt ({reason}); download it again from Apple Business Manager")]
    TokenCorrupt { reason: String },

    /// The CMS content is some other type (signed-data, plain data, ...).
    #[error("token: not an encrypted (enveloped-data) CMS message; found {found}")]
    NotEnvelopedData { found: String },

    /// The message uses an algorithm we deliberately do not accept.
    #[error("token: unsupported {field} algorithm {oid} (expected {expected})")]
    UnsupportedAlgorithm {
        field: &'static str,
        oid: String,
        expected: &'static str,
    },

    /// No RecipientInfo names our certificate (issuer+serial or key id).
    #[error("token: this token was encrypted for a different certificate; download it again from ABM after uploading this server's public key ({recipients} recipient(s) listed, none is this server's certificate)")]
    WrongRecipient { recipients: usize },

    /// The recipient matched but decryption or the plaintext check failed.
    #[error("token: decryption failed; the file was modified or damaged ({reason})")]
    DecryptionFailed { reason: String },

    /// A private key input could not be parsed.
    #[error("private_key: not a PEM or DER private key ({reason})")]
    InvalidPrivateKey { reason: String },

    /// A certificate input could not be parsed.
    #[error("{field}: not a PEM or DER X.509 certificate ({reason})")]
    InvalidCertificate { field: &'static str, reason: String },

    /// The private key and the certificate belong to different key pairs.
    #[error("private_key: does not belong to the certificate (their public keys differ)")]
    KeyCertificateMismatch,

    /// The common name for a new token certificate is unusable.
    #[error("common_name: {reason}")]
    InvalidCommonName { reason: String },

    /// A secret key string is not 32 bytes of base64.
    #[error("secret_key: {reason}")]
    InvalidSecretKey { reason: String },

    /// Deliberately vague: AES-GCM cannot tell a wrong key from tampering.
    #[error("secret could not be decrypted: wrong secret key or corrupted data")]
    SecretOpenFailed,

    /// A sealed secret's framing (version byte, length) is wrong.
    #[error("sealed secret: {reason}")]
    SealedFormat { reason: String },

    /// The certificate is not an APNs MDM push certificate.
    #[error("push_certificate: {reason}")]
    InvalidPushCertificate { reason: String },

    /// A certificate signing request could not be used.
    #[error("csr: {reason}")]
    InvalidCsr { reason: String },

    /// A validity period or serial number is out of range.
    #[error("{field}: {reason}")]
    InvalidParameter { field: &'static str, reason: String },

    /// The certificate is not a usable CA certificate or key.
    #[error("ca: {reason}")]
    InvalidCa { reason: String },

    /// A certificate was not issued by the given CA.
    #[error("certificate: not issued by this CA ({reason})")]
    NotIssuedByCa { reason: String },

    /// A base64 input (an HTTP header) does not decode.
    #[error("{field}: not base64 ({reason})")]
    NotBase64 { field: &'static str, reason: String },

    /// The bytes are not a CMS/PKCS#7 SignedData message.
    #[error("{field}: not a CMS SignedData message ({reason})")]
    NotSignedData { field: &'static str, reason: String },

    /// The SignedData carries no certificate for its signer.
    #[error("{field}: the signed message carries no signer certificate (it must embed the certificate that signed it)")]
    NoSignerCertificate { field: &'static str },

    /// The signature does not verify over the content.
    #[error("{field}: signature does not verify; the signed content was changed or signed with another key ({reason})")]
    SignatureInvalid { field: &'static str, reason: String },

    /// The message digest algorithm is not one we accept.
    #[error("{field}: unsupported digest algorithm {oid} (expected SHA-256 or SHA-1)")]
    UnsupportedDigest { field: &'static str, oid: String },

    /// The signature is valid but its chain does not reach a trust anchor.
    #[error("{field}: signer certificate is not trusted; it does not chain to a configured trust anchor ({reason})")]
    UntrustedSigner { field: &'static str, reason: String },

    /// A SCEP message is malformed or lacks a required attribute.
    #[error("{field}: {reason}")]
    ScepMessage { field: &'static str, reason: String },

    /// The SCEP request's enveloped data does not decrypt with the CA key.
    #[error("pkiMessage: the enveloped request could not be decrypted with this CA's key; it was encrypted for another CA or damaged ({reason})")]
    ScepDecrypt { reason: String },

    /// The CA answered a SCEP request with FAILURE or PENDING.
    #[error(
        "CertRep: the CA did not issue a certificate (pkiStatus {status}, failInfo {fail_info})"
    )]
    ScepRejected { status: String, fail_info: String },

    /// OpenSSL failed in an operation that does not depend on input.
    #[error("{operation}: OpenSSL failure: {source}")]
    Openssl {
        operation: &'static str,
        #[source]
        source: ErrorStack,
    },

    /// Our own encoder rejected OpenSSL's output; a bug, not bad input.
    #[error("{operation}: {reason}")]
    Encoding {
        operation: &'static str,
        reason: String,
    },
}

impl CryptoError {
    /// Helper for `map_err` on input-independent OpenSSL calls.
    pub(crate) fn openssl(operation: &'static str) -> impl FnOnce(ErrorStack) -> CryptoError {
        move |source| CryptoError::Openssl { operation, source }
    }
}
