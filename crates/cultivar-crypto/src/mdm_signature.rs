//! The `Mdm-Signature` HTTP header: a base64 detached CMS SignedData over
//! the exact request body, made with the device identity key when the
//! enrollment profile sets `SignMessage`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::x509::X509;

use crate::cms::{self, build, SignatureDigest};
use crate::error::CryptoError;
use crate::token_pki::{
    asn1_time_to_unix, first_reason, load_certificate, load_private_key, to_hex,
};

const FIELD: &str = "Mdm-Signature";
/// A real header is 2-4 KiB; refuse absurd sizes before decoding.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// The device certificate whose key signed a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSigner {
    pub certificate_der: Vec<u8>,
    pub certificate_pem: String,
    /// SHA-256 of the DER certificate, lowercase hex: what enrollments bind.
    pub sha256_fingerprint_hex: String,
    pub subject_cn: Option<String>,
    /// End of validity, unix seconds.
    pub not_after: i64,
}

/// Verifies an `Mdm-Signature` header over `body` with the certificate
/// embedded in it. No chain check: the caller binds the certificate to the
/// enrollment (and may call [`verify_issued_by`]).
pub fn verify_mdm_signature(header_b64: &str, body: &[u8]) -> Result<VerifiedSigner, CryptoError> {
    if header_b64.len() > MAX_HEADER_BYTES {
        return Err(CryptoError::NotBase64 {
            field: FIELD,
            reason: format!(
                "header is {} bytes, over the 64 KiB limit",
                header_b64.len()
            ),
        });
    }
    // Proxies may fold long headers; whitespace is never base64 content.
    let compact: String = header_b64.chars().filter(|c| !c.is_whitespace()).collect();
    let der = STANDARD
        .decode(compact)
        .map_err(|e| CryptoError::NotBase64 {
            field: FIELD,
            reason: e.to_string(),
        })?;
    let (outline, signer) = cms::inspect(&der, FIELD)?;
    if outline.content.is_some() {
        return Err(CryptoError::NotSignedData {
            field: FIELD,
            reason: "expected a detached signature, found embedded content".into(),
        });
    }
    cms::verify_signature(&der, &signer, Some(body), FIELD)?;
    verified_signer(&signer)
}

fn verified_signer(cert: &X509) -> Result<VerifiedSigner, CryptoError> {
    let bad = |e: openssl::error::ErrorStack| CryptoError::InvalidCertificate {
        field: "Mdm-Signature signer certificate",
        reason: first_reason(&e),
    };
    let certificate_der = cert.to_der().map_err(bad)?;
    let pem = cert.to_pem().map_err(bad)?;
    let digest = cert.digest(MessageDigest::sha256()).map_err(bad)?;
    Ok(VerifiedSigner {
        certificate_der,
        certificate_pem: String::from_utf8_lossy(&pem).into_owned(),
        sha256_fingerprint_hex: to_hex(&digest),
        subject_cn: cert
            .subject_name()
            .entries_by_nid(Nid::COMMONNAME)
            .next()
            .and_then(|e| e.data().to_string().ok()),
        not_after: asn1_time_to_unix(cert.not_after()).map_err(bad)?,
    })
}

/// Checks that `cert_der` was signed by the CA in `ca_cert_pem` (PEM or
/// DER), e.g. that a device identity came from our SCEP CA.
pub fn verify_issued_by(cert_der: &[u8], ca_cert_pem: &[u8]) -> Result<(), CryptoError> {
    let cert = load_certificate("certificate", cert_der)?;
    let ca = load_certificate("ca_certificate", ca_cert_pem)?;
    let ca_key = ca
        .public_key()
        .map_err(|e| CryptoError::InvalidCertificate {
            field: "ca_certificate",
            reason: first_reason(&e),
        })?;
    let names_match = cert.issuer_name().to_der().ok() == ca.subject_name().to_der().ok();
    if !names_match {
        return Err(CryptoError::NotIssuedByCa {
            reason: "its issuer name differs from the CA's subject".into(),
        });
    }
    match cert.verify(&ca_key) {
        Ok(true) => Ok(()),
        _ => Err(CryptoError::NotIssuedByCa {
            reason: "its signature does not verify with the CA's public key".into(),
        }),
    }
}

/// Signs `body` like a device does and returns the header value (for the
/// device simulator and tests). Key and certificate may be PEM or DER.
pub fn sign_detached(
    body: &[u8],
    key_pem: &[u8],
    cert_pem: &[u8],
    digest: SignatureDigest,
) -> Result<String, CryptoError> {
    let key = load_private_key(key_pem)?;
    let cert = load_certificate("certificate", cert_pem)?;
    crate::token_pki::ensure_key_matches(&key, &cert)?;
    let der = build::sign(build::SignRequest {
        content: body,
        detached: true,
        digest,
        key: &key,
        cert: &cert,
        extra_certs: &[],
        extra_attrs: Vec::new(),
    })?;
    Ok(STANDARD.encode(der))
}
