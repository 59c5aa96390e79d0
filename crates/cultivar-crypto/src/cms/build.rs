//! Assembling CMS SignedData by hand around OpenSSL signatures.
//!
//! Why: the `openssl` crate's `CmsContentInfo::sign` always uses the default
//! digest and cannot add custom signed attributes, but devices sign with
//! SHA-1 or SHA-256 and SCEP needs its own attributes (RFC 8894 3.2.1).

use openssl::hash::{hash, MessageDigest};
use openssl::pkey::{Id, PKeyRef, Private};
use openssl::sign::Signer;
use openssl::x509::{X509Ref, X509};

use super::der::{self, algorithm, oid, seq, set_of, tlv};
use super::outline::{OID_DATA, OID_SHA1, OID_SHA256, OID_SIGNED_DATA};
use super::SignatureDigest;
use crate::error::CryptoError;

const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const OID_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const OID_ECDSA_SHA1: &str = "1.2.840.10045.4.1";

/// What to sign and how.
pub(crate) struct SignRequest<'a> {
    pub content: &'a [u8],
    /// Leave the content out of the message (a detached signature).
    pub detached: bool,
    pub digest: SignatureDigest,
    pub key: &'a PKeyRef<Private>,
    pub cert: &'a X509Ref,
    pub extra_certs: &'a [X509],
    /// Additional signed attributes, each a DER `Attribute`.
    pub extra_attrs: Vec<Vec<u8>>,
}

/// A DER `Attribute` with one value.
pub(crate) fn attribute(dotted: &str, value: &[u8]) -> Vec<u8> {
    seq(&[&oid(dotted), &tlv(der::SET, &[value])])
}

/// Signs and returns a DER ContentInfo{SignedData}.
pub(crate) fn sign(req: SignRequest<'_>) -> Result<Vec<u8>, CryptoError> {
    let op = "sign CMS message";
    let (md, digest_oid) = match req.digest {
        SignatureDigest::Sha256 => (MessageDigest::sha256(), OID_SHA256),
        SignatureDigest::Sha1 => (MessageDigest::sha1(), OID_SHA1),
    };
    let sig_alg = signature_algorithm(req.key, req.digest)?;
    let content_digest = hash(md, req.content).map_err(CryptoError::openssl(op))?;
    let mut attrs = req.extra_attrs;
    attrs.push(attribute(OID_CONTENT_TYPE, &oid(OID_DATA)));
    attrs.push(attribute(
        OID_MESSAGE_DIGEST,
        &tlv(der::OCTET_STRING, &[&content_digest]),
    ));
    let mut signed_attrs = set_of(attrs);
    let mut signer = Signer::new(md, req.key).map_err(CryptoError::openssl(op))?;
    signer
        .update(&signed_attrs)
        .map_err(CryptoError::openssl(op))?;
    let signature = signer.sign_to_vec().map_err(CryptoError::openssl(op))?;
    // In SignerInfo the attributes are [0] IMPLICIT; the signature covers
    // their encoding as a SET (RFC 5652 5.4).
    signed_attrs[0] = 0xa0;

    let digest_alg = algorithm(digest_oid, true);
    let signer_info = seq(&[
        &der::small_integer(1),
        &issuer_and_serial(req.cert)?,
        &digest_alg,
        &signed_attrs,
        &sig_alg,
        &tlv(der::OCTET_STRING, &[&signature]),
    ]);
    let encap = if req.detached {
        seq(&[&oid(OID_DATA)])
    } else {
        let octets = tlv(der::OCTET_STRING, &[req.content]);
        seq(&[&oid(OID_DATA), &tlv(0xa0, &[&octets])])
    };
    let mut certs = vec![req.cert.to_der().map_err(CryptoError::openssl(op))?];
    for extra in req.extra_certs {
        certs.push(extra.to_der().map_err(CryptoError::openssl(op))?);
    }
    let certs: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
    let signed_data = seq(&[
        &der::small_integer(1),
        &tlv(der::SET, &[&digest_alg]),
        &encap,
        &tlv(0xa0, &certs),
        &tlv(der::SET, &[&signer_info]),
    ]);
    Ok(content_info(&signed_data))
}

/// SignerInfo.signatureAlgorithm for the key type and digest.
fn signature_algorithm(
    key: &PKeyRef<Private>,
    digest: SignatureDigest,
) -> Result<Vec<u8>, CryptoError> {
    Ok(match (key.id(), digest) {
        (Id::RSA, _) => algorithm(OID_RSA_ENCRYPTION, true),
        (Id::EC, SignatureDigest::Sha256) => algorithm(OID_ECDSA_SHA256, false),
        (Id::EC, SignatureDigest::Sha1) => algorithm(OID_ECDSA_SHA1, false),
        (other, _) => {
            return Err(CryptoError::InvalidPrivateKey {
                reason: format!("{other:?} keys cannot sign CMS here (expected RSA or EC)"),
            })
        }
    })
}

/// A degenerate "certs-only" SignedData (no signers, no content), the
/// form in which SCEP returns issued certificates (RFC 8894 3.4).
pub(crate) fn certs_only(certs: &[&[u8]]) -> Vec<u8> {
    let signed_data = seq(&[
        &der::small_integer(1),
        &tlv(der::SET, &[]),
        &seq(&[&oid(OID_DATA)]),
        &tlv(0xa0, certs),
        &tlv(der::SET, &[]),
    ]);
    content_info(&signed_data)
}

fn content_info(signed_data: &[u8]) -> Vec<u8> {
    seq(&[&oid(OID_SIGNED_DATA), &tlv(0xa0, &[signed_data])])
}

fn issuer_and_serial(cert: &X509Ref) -> Result<Vec<u8>, CryptoError> {
    let op = CryptoError::openssl("encode signer identifier");
    let issuer = cert
        .issuer_name()
        .to_der()
        .map_err(CryptoError::openssl("encode signer identifier"))?;
    let mut serial = cert
        .serial_number()
        .to_bn()
        .map(|bn| bn.to_vec())
        .map_err(op)?;
    // Positive INTEGER: a leading zero keeps the high bit from meaning "negative".
    if serial.first().is_none_or(|b| b & 0x80 != 0) {
        serial.insert(0, 0);
    }
    Ok(seq(&[&issuer, &tlv(0x02, &[&serial])]))
}
