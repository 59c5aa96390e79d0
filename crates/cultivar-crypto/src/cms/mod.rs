//! CMS SignedData shared by the Mdm-Signature, MachineInfo, profile and
//! SCEP code: reading its outline, building it, and verifying with OpenSSL.

pub(crate) mod build;
pub(crate) mod der;
pub(crate) mod outline;

use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::stack::Stack;
use openssl::x509::store::X509Store;
use openssl::x509::X509;

use crate::error::CryptoError;
use crate::token_pki::first_reason;
use outline::{SignedOutline, OID_SHA1, OID_SHA256};

/// Digest for a signature we create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureDigest {
    Sha256,
    /// Older devices sign `Mdm-Signature` with SHA-1.
    Sha1,
}

/// Outlines a SignedData, checks its digest algorithm, and finds the
/// embedded signer certificate.
pub(crate) fn inspect<'a>(
    der: &'a [u8],
    field: &'static str,
) -> Result<(SignedOutline<'a>, X509), CryptoError> {
    let outline =
        outline::outline(der).map_err(|reason| CryptoError::NotSignedData { field, reason })?;
    if outline.content_type != outline::OID_DATA {
        return Err(CryptoError::NotSignedData {
            field,
            reason: format!(
                "encapsulated content type is {}, expected id-data",
                outline.content_type
            ),
        });
    }
    let signer = outline.signers.first().ok_or(CryptoError::NotSignedData {
        field,
        reason: "it has no SignerInfo".into(),
    })?;
    if signer.digest_oid != OID_SHA256 && signer.digest_oid != OID_SHA1 {
        return Err(CryptoError::UnsupportedDigest {
            field,
            oid: signer.digest_oid.clone(),
        });
    }
    let cert = outline
        .signer_certificate()
        .ok_or(CryptoError::NoSignerCertificate { field })?;
    Ok((outline, cert))
}

/// Verifies the signature (not the chain) with OpenSSL and returns the
/// signed content; `detached` supplies content that is not embedded.
pub(crate) fn verify_signature(
    der: &[u8],
    signer: &X509,
    detached: Option<&[u8]>,
    field: &'static str,
) -> Result<Vec<u8>, CryptoError> {
    verify(der, signer, None, detached)
        .map_err(|reason| CryptoError::SignatureInvalid { field, reason })
}

/// Verifies signature and chain to one of `anchors`.
pub(crate) fn verify_chain(
    der: &[u8],
    signer: &X509,
    store: &X509Store,
    field: &'static str,
) -> Result<Vec<u8>, CryptoError> {
    verify(der, signer, Some(store), None)
        .map_err(|reason| CryptoError::UntrustedSigner { field, reason })
}

fn verify(
    der: &[u8],
    signer: &X509,
    store: Option<&X509Store>,
    detached: Option<&[u8]>,
) -> Result<Vec<u8>, String> {
    let mut cms = CmsContentInfo::from_der(der).map_err(|e| first_reason(&e))?;
    let mut certs = Stack::new().map_err(|e| first_reason(&e))?;
    certs.push(signer.clone()).map_err(|e| first_reason(&e))?;
    let mut flags = CMSOptions::BINARY;
    if store.is_none() {
        flags |= CMSOptions::NO_SIGNER_CERT_VERIFY;
    }
    let mut out = Vec::new();
    cms.verify(
        Some(&certs),
        store.map(|s| &**s),
        detached,
        Some(&mut out),
        flags,
    )
    .map_err(|e| verify_reason(&e))?;
    Ok(out)
}

/// OpenSSL's reason plus, for chain errors, the X.509 verify detail
/// ("unable to get local issuer certificate").
fn verify_reason(e: &openssl::error::ErrorStack) -> String {
    let reason = first_reason(e);
    match e.errors().first().and_then(|err| err.data()) {
        Some(data) if !data.is_empty() => format!("{reason}: {data}"),
        _ => reason,
    }
}
