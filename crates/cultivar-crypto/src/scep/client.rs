//! The client side of `PKIOperation`, for the device simulator and tests:
//! what an RFC 8894 client (an iPhone's SCEP payload) sends and reads.

use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::pkcs7::Pkcs7;
use openssl::stack::Stack;

use super::attrs::{self, bad, missing};
use super::{FailInfo, MessageType};
use crate::cms::{self, build, SignatureDigest};
use crate::error::CryptoError;
use crate::random::try_random_bytes;
use crate::smime::ContentCipher;
use crate::token_pki::{ensure_key_matches, first_reason, load_certificate, load_private_key};

const FIELD: &str = "CertRep";

/// A decoded SUCCESS CertRep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertRep {
    pub transaction_id: String,
    /// Must equal the senderNonce of the request it answers.
    pub recipient_nonce: Vec<u8>,
    /// The issued certificate (DER).
    pub certificate_der: Vec<u8>,
}

/// Builds a PKCSReq: `csr_der` encrypted to the CA with `cipher`, signed
/// with `key`/`signer_cert` (self-signed for a first request). Returns the
/// message and the senderNonce it carries.
pub fn build_pkcs_req(
    csr_der: &[u8],
    key_pem: &[u8],
    signer_cert_pem: &[u8],
    ca_cert_pem: &[u8],
    cipher: ContentCipher,
    transaction_id: &str,
) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    let key = load_private_key(key_pem)?;
    let cert = load_certificate("signer_certificate", signer_cert_pem)?;
    ensure_key_matches(&key, &cert)?;
    let ca = load_certificate("ca_certificate", ca_cert_pem)?;
    let op = "build PKCSReq";
    let mut recipients = Stack::new().map_err(CryptoError::openssl(op))?;
    recipients.push(ca).map_err(CryptoError::openssl(op))?;
    let envelope =
        CmsContentInfo::encrypt(&recipients, csr_der, cipher.openssl(), CMSOptions::BINARY)
            .and_then(|c| c.to_der())
            .map_err(CryptoError::openssl(op))?;
    let nonce = try_random_bytes(16)?;
    let code = MessageType::PkcsReq.code().to_string();
    let der = build::sign(build::SignRequest {
        content: &envelope,
        detached: false,
        digest: SignatureDigest::Sha256,
        key: &key,
        cert: &cert,
        extra_certs: &[],
        extra_attrs: vec![
            attrs::printable(attrs::OID_MESSAGE_TYPE, &code),
            attrs::printable(attrs::OID_TRANSACTION_ID, transaction_id),
            attrs::octets(attrs::OID_SENDER_NONCE, &nonce),
        ],
    })?;
    Ok((der, nonce))
}

/// Verifies a CertRep was signed with the CA's key, and for SUCCESS
/// decrypts the issued certificate with `key_pem`. FAILURE and PENDING
/// become [`CryptoError::ScepRejected`].
pub fn decode_cert_rep(
    der: &[u8],
    key_pem: &[u8],
    ca_cert_pem: &[u8],
) -> Result<CertRep, CryptoError> {
    let key = load_private_key(key_pem)?;
    let ca = load_certificate("ca_certificate", ca_cert_pem)?;
    let (outline, signer) = cms::inspect(der, FIELD)?;
    let ca_key = ca
        .public_key()
        .map_err(CryptoError::openssl("read CA key"))?;
    if !signer.public_key().is_ok_and(|k| k.public_eq(&ca_key)) {
        return Err(CryptoError::UntrustedSigner {
            field: FIELD,
            reason: "not signed by the CA's key".into(),
        });
    }
    let detached = outline.content.is_none().then_some(&[][..]);
    let envelope = cms::verify_signature(der, &signer, detached, FIELD)?;
    let kind = attrs::read_printable(&outline, attrs::OID_MESSAGE_TYPE, "messageType")?;
    if kind.as_deref() != Some("3") {
        return Err(bad("messageType", "expected 3 (CertRep)"));
    }
    let status = attrs::read_printable(&outline, attrs::OID_PKI_STATUS, "pkiStatus")?
        .ok_or_else(|| missing("pkiStatus"))?;
    let fail = attrs::read_printable(&outline, attrs::OID_FAIL_INFO, "failInfo")?;
    match status.as_str() {
        "0" => {}
        "2" => return Err(rejected("FAILURE", fail.as_deref())),
        "3" => return Err(rejected("PENDING", fail.as_deref())),
        other => return Err(bad("pkiStatus", &format!("unknown value {other}"))),
    }
    let transaction_id =
        attrs::read_printable(&outline, attrs::OID_TRANSACTION_ID, "transactionID")?
            .ok_or_else(|| missing("transactionID"))?;
    let recipient_nonce =
        attrs::read_nonce(&outline, attrs::OID_RECIPIENT_NONCE, "recipientNonce")?
            .ok_or_else(|| missing("recipientNonce"))?;
    let certs_only = CmsContentInfo::from_der(&envelope)
        .and_then(|cms| cms.decrypt_without_cert_check(&key))
        .map_err(|e| CryptoError::ScepDecrypt {
            reason: first_reason(&e),
        })?;
    Ok(CertRep {
        transaction_id,
        recipient_nonce,
        certificate_der: first_certificate(&certs_only)?,
    })
}

fn rejected(status: &str, fail_info: Option<&str>) -> CryptoError {
    let fail_info = match fail_info {
        Some(code) => FailInfo::from_code(code)
            .map(|f| f.name().to_string())
            .unwrap_or_else(|| format!("unknown ({code})")),
        None => "none".to_string(),
    };
    CryptoError::ScepRejected {
        status: status.to_string(),
        fail_info,
    }
}

fn first_certificate(certs_only: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let p7 = Pkcs7::from_der(certs_only).map_err(|e| {
        bad(
            FIELD,
            &format!("decrypted content is not a PKCS#7 ({})", first_reason(&e)),
        )
    })?;
    let cert = p7
        .signed()
        .and_then(|s| s.certificates())
        .and_then(|c| c.iter().next())
        .ok_or_else(|| bad(FIELD, "the certs-only PKCS#7 holds no certificate"))?;
    cert.to_der()
        .map_err(CryptoError::openssl("encode issued certificate"))
}
