//! SCEP's signed attributes (RFC 8894 3.2.1), read and written by hand: the
//! `openssl` crate has no safe access to CMS signed attributes.

use crate::ber::{self, CLASS_UNIVERSAL, TAG_OCTET_STRING};
use crate::cms::build::attribute;
use crate::cms::der::{self, tlv};
use crate::cms::outline::SignedOutline;
use crate::error::CryptoError;

pub(crate) const OID_MESSAGE_TYPE: &str = "2.16.840.1.113733.1.9.2";
pub(crate) const OID_PKI_STATUS: &str = "2.16.840.1.113733.1.9.3";
pub(crate) const OID_FAIL_INFO: &str = "2.16.840.1.113733.1.9.4";
pub(crate) const OID_SENDER_NONCE: &str = "2.16.840.1.113733.1.9.5";
pub(crate) const OID_RECIPIENT_NONCE: &str = "2.16.840.1.113733.1.9.6";
pub(crate) const OID_TRANSACTION_ID: &str = "2.16.840.1.113733.1.9.7";

const TAG_PRINTABLE_STRING: u32 = 19;
/// RFC 8894 requires 16-byte nonces; allow some slack for odd clients.
const MAX_NONCE: usize = 64;
const MAX_TRANSACTION_ID: usize = 256;

/// A PrintableString attribute (messageType, pkiStatus, failInfo, transID).
pub(crate) fn printable(oid: &str, value: &str) -> Vec<u8> {
    attribute(oid, &tlv(der::PRINTABLE_STRING, &[value.as_bytes()]))
}

/// An OCTET STRING attribute (the nonces).
pub(crate) fn octets(oid: &str, value: &[u8]) -> Vec<u8> {
    attribute(oid, &tlv(der::OCTET_STRING, &[value]))
}

/// Reads a PrintableString attribute; `None` when absent.
pub(crate) fn read_printable(
    outline: &SignedOutline<'_>,
    oid: &str,
    name: &'static str,
) -> Result<Option<String>, CryptoError> {
    let Some(value) = outline.attribute(oid) else {
        return Ok(None);
    };
    let printable = value.is(CLASS_UNIVERSAL, TAG_PRINTABLE_STRING) && !value.constructed;
    let text = std::str::from_utf8(value.content).ok().filter(|t| {
        printable
            && t.len() <= MAX_TRANSACTION_ID
            && t.chars().all(|c| c.is_ascii_graphic() || c == ' ')
    });
    match text {
        Some(t) => Ok(Some(t.to_string())),
        None => Err(bad(name, "must be a short PrintableString")),
    }
}

/// Reads a nonce attribute; `None` when absent.
pub(crate) fn read_nonce(
    outline: &SignedOutline<'_>,
    oid: &str,
    name: &'static str,
) -> Result<Option<Vec<u8>>, CryptoError> {
    let Some(value) = outline.attribute(oid) else {
        return Ok(None);
    };
    if !value.is(CLASS_UNIVERSAL, TAG_OCTET_STRING) {
        return Err(bad(name, "must be an OCTET STRING"));
    }
    let bytes = value.octets().map_err(|reason| bad(name, &reason))?;
    if bytes.is_empty() || bytes.len() > MAX_NONCE {
        return Err(bad(name, "must be 1 to 64 bytes (RFC 8894 uses 16)"));
    }
    Ok(Some(bytes))
}

/// A required attribute that is missing.
pub(crate) fn missing(name: &'static str) -> CryptoError {
    bad(name, "required signed attribute is missing")
}

pub(crate) fn bad(name: &'static str, reason: &str) -> CryptoError {
    CryptoError::ScepMessage {
        field: name,
        reason: reason.to_string(),
    }
}

/// The content-encryption OID of a DER ContentInfo{EnvelopedData}.
pub(crate) fn envelope_cipher_oid(der: &[u8]) -> Result<String, String> {
    let (info, _) = ber::parse(der)?;
    let env = info
        .children()
        .nth(1)
        .ok_or("EnvelopedData missing")??
        .children()
        .next()
        .ok_or("EnvelopedData empty")??;
    // EncryptedContentInfo is the only SEQUENCE among EnvelopedData's fields.
    for field in env.children() {
        let field = field?;
        if field.is(CLASS_UNIVERSAL, ber::TAG_SEQUENCE) {
            let alg = field.children().nth(1).ok_or("algorithm missing")??;
            let oid = alg.children().next().ok_or("algorithm OID missing")??;
            return ber::oid_to_string(oid.content);
        }
    }
    Err("EncryptedContentInfo missing".into())
}
