//! Reading a CMS EnvelopedData's outline (RFC 5652 §6) so that a token meant
//! for another certificate, or using an algorithm we refuse, is reported
//! clearly before OpenSSL is asked to decrypt anything.

use std::cmp::Ordering;

use openssl::x509::{X509Name, X509};

use crate::ber::{
    self, Tlv, CLASS_CONTEXT, CLASS_UNIVERSAL, TAG_INTEGER, TAG_OID, TAG_SEQUENCE, TAG_SET,
};
use crate::error::CryptoError;

const OID_ENVELOPED_DATA: &str = "1.2.840.113549.1.7.3";
const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const OID_RSAES_OAEP: &str = "1.2.840.113549.1.1.7";
const KEY_ALGORITHMS: [&str; 2] = [OID_RSA_ENCRYPTION, OID_RSAES_OAEP];
const OID_AES128_CBC: &str = "2.16.840.1.101.3.4.1.2";
const OID_AES192_CBC: &str = "2.16.840.1.101.3.4.1.22";
const OID_AES256_CBC: &str = "2.16.840.1.101.3.4.1.42";
const OID_DES3_CBC: &str = "1.2.840.113549.3.7";
const CONTENT_ALGORITHMS: [&str; 4] =
    [OID_AES128_CBC, OID_AES192_CBC, OID_AES256_CBC, OID_DES3_CBC];

/// How a RecipientInfo names the certificate it was encrypted for.
#[derive(Debug)]
pub(crate) enum Recipient<'a> {
    IssuerSerial {
        issuer: Tlv<'a>,
        serial: &'a [u8],
        key_algorithm: String,
    },
    SubjectKeyId {
        key_id: Vec<u8>,
        key_algorithm: String,
    },
    /// Key agreement, KEK, password or other: never ours.
    Other,
}

/// Who an EnvelopedData is for (its content cipher is checked on parsing).
#[derive(Debug)]
pub(crate) struct Outline<'a> {
    pub recipients: Vec<Recipient<'a>>,
}

/// Parses ContentInfo → EnvelopedData down to the recipients and cipher.
pub(crate) fn outline(der: &[u8]) -> Result<Outline<'_>, CryptoError> {
    let (info, rest) = ber::parse(der).map_err(corrupt)?;
    if rest.iter().any(|b| *b != 0) {
        let extra = rest.len();
        return Err(corrupt(format!(
            "{extra} unexpected bytes after the CMS message"
        )));
    }
    let mut parts = expect(info, CLASS_UNIVERSAL, TAG_SEQUENCE, "ContentInfo")?.children();
    let content_type = oid(next(&mut parts, "ContentInfo.contentType")?)?;
    if content_type != OID_ENVELOPED_DATA {
        let found = content_type_name(&content_type);
        return Err(CryptoError::NotEnvelopedData { found });
    }
    let wrapper = next_tagged(&mut parts, CLASS_CONTEXT, 0, "ContentInfo.content")?;
    let env = next_tagged(
        &mut wrapper.children(),
        CLASS_UNIVERSAL,
        TAG_SEQUENCE,
        "EnvelopedData",
    )?;
    enveloped_data(env)
}

fn enveloped_data(env: Tlv<'_>) -> Result<Outline<'_>, CryptoError> {
    let mut fields = env.children();
    next_tagged(
        &mut fields,
        CLASS_UNIVERSAL,
        TAG_INTEGER,
        "EnvelopedData.version",
    )?;
    let mut set = next(&mut fields, "EnvelopedData.recipientInfos")?;
    if set.is(CLASS_CONTEXT, 0) {
        // originatorInfo (certificates/CRLs) is optional and irrelevant here.
        set = next(&mut fields, "EnvelopedData.recipientInfos")?;
    }
    let set = expect(
        set,
        CLASS_UNIVERSAL,
        TAG_SET,
        "EnvelopedData.recipientInfos",
    )?;
    let recipients = set
        .children()
        .map(|ri| recipient(ri.map_err(corrupt)?))
        .collect::<Result<Vec<_>, _>>()?;
    let eci = next(&mut fields, "EnvelopedData.encryptedContentInfo")?;
    check_content_algorithm(eci)?;
    Ok(Outline { recipients })
}

fn check_content_algorithm(eci: Tlv<'_>) -> Result<(), CryptoError> {
    let mut parts = expect(eci, CLASS_UNIVERSAL, TAG_SEQUENCE, "EncryptedContentInfo")?.children();
    oid(next(&mut parts, "EncryptedContentInfo.contentType")?)?;
    let algorithm = algorithm_oid(next(&mut parts, "contentEncryptionAlgorithm")?)?;
    let content = parts.next().transpose().map_err(corrupt)?;
    if !content.is_some_and(|c| c.is(CLASS_CONTEXT, 0)) {
        return Err(corrupt(
            "the encrypted content is missing (detached content is not supported)".into(),
        ));
    }
    if !CONTENT_ALGORITHMS.contains(&algorithm.as_str()) {
        return Err(CryptoError::UnsupportedAlgorithm {
            field: "content encryption",
            oid: algorithm,
            expected: "AES-128/192/256-CBC or 3DES-CBC",
        });
    }
    Ok(())
}

fn recipient(ri: Tlv<'_>) -> Result<Recipient<'_>, CryptoError> {
    if !ri.is(CLASS_UNIVERSAL, TAG_SEQUENCE) {
        return Ok(Recipient::Other); // [1]..[4]: kari, kekri, pwri, ori
    }
    let mut parts = ri.children();
    next_tagged(
        &mut parts,
        CLASS_UNIVERSAL,
        TAG_INTEGER,
        "KeyTransRecipientInfo.version",
    )?;
    let rid = next(&mut parts, "KeyTransRecipientInfo.rid")?;
    let key_algorithm = algorithm_oid(next(&mut parts, "keyEncryptionAlgorithm")?)?;
    if rid.is(CLASS_CONTEXT, 0) {
        let key_id = rid.octets().map_err(corrupt)?;
        return Ok(Recipient::SubjectKeyId {
            key_id,
            key_algorithm,
        });
    }
    let mut ias = expect(rid, CLASS_UNIVERSAL, TAG_SEQUENCE, "IssuerAndSerialNumber")?.children();
    let issuer = next_tagged(&mut ias, CLASS_UNIVERSAL, TAG_SEQUENCE, "issuer")?;
    let serial = next_tagged(&mut ias, CLASS_UNIVERSAL, TAG_INTEGER, "serialNumber")?;
    Ok(Recipient::IssuerSerial {
        issuer,
        serial: serial.content,
        key_algorithm,
    })
}

/// Finds the recipient entry for `cert` and checks its key algorithm.
pub(crate) fn ensure_recipient(outline: &Outline<'_>, cert: &X509) -> Result<(), CryptoError> {
    let serial = certificate_serial(cert)?;
    for r in &outline.recipients {
        let (matches, key_algorithm) = match r {
            Recipient::IssuerSerial {
                issuer,
                serial: s,
                key_algorithm,
            } => {
                let same_serial = ber::minimal_integer(s) == ber::minimal_integer(&serial);
                (same_serial && same_issuer(issuer, cert)?, key_algorithm)
            }
            Recipient::SubjectKeyId {
                key_id,
                key_algorithm,
            } => {
                let ours = cert.subject_key_id().map(|k| k.as_slice());
                (ours == Some(key_id.as_slice()), key_algorithm)
            }
            Recipient::Other => continue,
        };
        if !matches {
            continue;
        }
        if !KEY_ALGORITHMS.contains(&key_algorithm.as_str()) {
            return Err(CryptoError::UnsupportedAlgorithm {
                field: "key transport",
                oid: key_algorithm.clone(),
                expected: "rsaEncryption (PKCS#1 v1.5) or RSAES-OAEP",
            });
        }
        return Ok(());
    }
    Err(CryptoError::WrongRecipient {
        recipients: outline.recipients.len(),
    })
}

/// Names compare canonically (as OpenSSL does), not byte for byte, since an
/// issuer copied into BER may be re-encoded.
fn same_issuer(issuer: &Tlv<'_>, cert: &X509) -> Result<bool, CryptoError> {
    let name = X509Name::from_der(issuer.raw)
        .map_err(|e| corrupt(format!("recipient issuer name: {e}")))?;
    Ok(matches!(
        name.try_cmp(cert.issuer_name()),
        Ok(Ordering::Equal)
    ))
}

/// The certificate's serial as INTEGER contents, taken from its own DER so
/// negative serials keep their sign.
fn certificate_serial(cert: &X509) -> Result<Vec<u8>, CryptoError> {
    let invalid = |reason: String| CryptoError::InvalidCertificate {
        field: "certificate",
        reason,
    };
    let der = cert.to_der().map_err(|e| invalid(e.to_string()))?;
    let (outer, _) = ber::parse(&der).map_err(invalid)?;
    let tbs = outer
        .children()
        .next()
        .ok_or_else(|| invalid("empty certificate".into()))?
        .map_err(invalid)?;
    for field in tbs.children() {
        let field = field.map_err(invalid)?;
        if field.is(CLASS_UNIVERSAL, TAG_INTEGER) {
            return Ok(field.content.to_vec());
        }
    }
    Err(invalid("no serial number".into()))
}

fn algorithm_oid(alg: Tlv<'_>) -> Result<String, CryptoError> {
    let alg = expect(alg, CLASS_UNIVERSAL, TAG_SEQUENCE, "AlgorithmIdentifier")?;
    let mut parts = alg.children();
    oid(next(&mut parts, "AlgorithmIdentifier.algorithm")?)
}

fn oid(tlv: Tlv<'_>) -> Result<String, CryptoError> {
    let tlv = expect(tlv, CLASS_UNIVERSAL, TAG_OID, "OBJECT IDENTIFIER")?;
    ber::oid_to_string(tlv.content).map_err(corrupt)
}

fn next<'a>(it: &mut ber::Children<'a>, what: &str) -> Result<Tlv<'a>, CryptoError> {
    match it.next() {
        Some(r) => r.map_err(corrupt),
        None => Err(corrupt(format!("{what} is missing"))),
    }
}

fn next_tagged<'a>(
    it: &mut ber::Children<'a>,
    class: u8,
    tag: u32,
    what: &str,
) -> Result<Tlv<'a>, CryptoError> {
    expect(next(it, what)?, class, tag, what)
}

fn expect<'a>(tlv: Tlv<'a>, class: u8, tag: u32, what: &str) -> Result<Tlv<'a>, CryptoError> {
    if tlv.is(class, tag) {
        Ok(tlv)
    } else {
        Err(corrupt(format!(
            "{what} has an unexpected ASN.1 tag (class {}, number {})",
            tlv.class, tlv.tag
        )))
    }
}

fn content_type_name(oid: &str) -> String {
    let name = match oid {
        "1.2.840.113549.1.7.1" => "data",
        "1.2.840.113549.1.7.2" => "signed-data",
        "1.2.840.113549.1.7.5" => "digested-data",
        "1.2.840.113549.1.7.6" => "encrypted-data",
        "1.2.840.113549.1.9.16.1.23" => "auth-enveloped-data",
        _ => return format!("content type {oid}"),
    };
    format!("{name} ({oid})")
}

fn corrupt(reason: String) -> CryptoError {
    CryptoError::TokenCorrupt { reason }
}
