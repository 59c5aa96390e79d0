//! MachineInfo: the CMS-signed plist a Mac or iPhone POSTs to the
//! enrollment URL during Automated Device Enrollment. The signer chain must
//! reach a configured anchor (Apple's root in production).

use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::stack::Stack;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::{X509PurposeId, X509};

use crate::cms;
use crate::error::CryptoError;
use crate::token_pki::{ensure_key_matches, load_certificate, load_private_key};

const FIELD: &str = "MachineInfo";
/// A MachineInfo message is a few KiB; refuse anything absurd.
const MAX_BYTES: usize = 256 * 1024;

/// Verifies a CMS-signed MachineInfo (attached content) against
/// `trust_anchors` (PEM or DER certificates) and returns the plist bytes.
pub fn verify_signed_machine_info(
    cms_der: &[u8],
    trust_anchors: &[&[u8]],
) -> Result<Vec<u8>, CryptoError> {
    verify_attached(cms_der, trust_anchors, FIELD, MAX_BYTES)
}

/// Shared by MachineInfo and signed profiles: outline, signature, chain.
pub(crate) fn verify_attached(
    der: &[u8],
    trust_anchors: &[&[u8]],
    field: &'static str,
    max_bytes: usize,
) -> Result<Vec<u8>, CryptoError> {
    if der.len() > max_bytes {
        return Err(CryptoError::NotSignedData {
            field,
            reason: format!("{} bytes is over the {max_bytes}-byte limit", der.len()),
        });
    }
    let (outline, signer) = cms::inspect(der, field)?;
    if outline.content.is_none() {
        return Err(CryptoError::NotSignedData {
            field,
            reason: "expected attached content, found a detached signature".into(),
        });
    }
    // Signature first, so a changed body is not reported as "untrusted".
    let content = cms::verify_signature(der, &signer, None, field)?;
    let store = anchor_store(trust_anchors)?;
    cms::verify_chain(der, &signer, &store, field)?;
    Ok(content)
}

fn anchor_store(anchors: &[&[u8]]) -> Result<X509Store, CryptoError> {
    if anchors.is_empty() {
        return Err(CryptoError::UntrustedSigner {
            field: "trust_anchors",
            reason: "no trust anchors are configured".into(),
        });
    }
    let op = "build trust store";
    let mut builder = X509StoreBuilder::new().map_err(CryptoError::openssl(op))?;
    for anchor in anchors {
        let cert = load_certificate("trust_anchors", anchor)?;
        builder.add_cert(cert).map_err(CryptoError::openssl(op))?;
    }
    // Device certificates are not S/MIME e-mail certificates: without this
    // OpenSSL's CMS_verify applies the smime_sign purpose and refuses a
    // signer whose extendedKeyUsage lacks emailProtection. Trust comes
    // from the explicitly configured anchors instead.
    builder
        .set_purpose(X509PurposeId::ANY)
        .map_err(CryptoError::openssl(op))?;
    Ok(builder.build())
}

/// Signs a MachineInfo plist like a device (for the simulator): CMS
/// SignedData, SHA-256, content attached, `chain` = intermediates.
pub fn sign_machine_info(
    plist: &[u8],
    key_pem: &[u8],
    cert_pem: &[u8],
    chain: &[&[u8]],
) -> Result<Vec<u8>, CryptoError> {
    sign_attached(plist, key_pem, cert_pem, chain)
}

/// OpenSSL `CMS_sign` with attached content and the given intermediates.
pub(crate) fn sign_attached(
    content: &[u8],
    key_pem: &[u8],
    cert_pem: &[u8],
    chain: &[&[u8]],
) -> Result<Vec<u8>, CryptoError> {
    let key = load_private_key(key_pem)?;
    let cert = load_certificate("certificate", cert_pem)?;
    ensure_key_matches(&key, &cert)?;
    let op = "sign CMS message";
    let mut extra: Stack<X509> = Stack::new().map_err(CryptoError::openssl(op))?;
    for der in chain {
        let c = load_certificate("chain", der)?;
        extra.push(c).map_err(CryptoError::openssl(op))?;
    }
    // BINARY: the plist must be signed byte for byte, no CRLF conversion.
    let cms = CmsContentInfo::sign(
        Some(&cert),
        Some(&key),
        Some(&extra),
        Some(content),
        CMSOptions::BINARY,
    )
    .map_err(CryptoError::openssl(op))?;
    cms.to_der().map_err(CryptoError::openssl(op))
}
