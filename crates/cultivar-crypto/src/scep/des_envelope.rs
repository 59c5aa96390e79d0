//! Request envelopes encrypted with single DES-CBC. Pre-RFC 8894 clients still send them:
//! micromdm's `scepclient` 2.1.0 (Debian's `scep`) always does, whatever `GetCACaps` says.
//! The vendored OpenSSL is built without its legacy provider, so CMS cannot open these; the
//! envelope is opened by hand instead: RSA key transport with the CA key, then DES-CBC computed
//! as 3DES-EDE with K1 = K2 = K3 (which is single DES).
//!
//! Only decryption is offered: the CertRep to such a client is encrypted with 3DES, which
//! every client that speaks DES also reads. The request's signature was verified before
//! this runs, and the challenge in the CSR is one-time, so DES weakens nothing the server
//! relies on.

use std::cmp::Ordering;

use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::Padding;
use openssl::symm::{decrypt, Cipher};
use openssl::x509::{X509Name, X509};

use super::attrs::bad;
use crate::ber::{self, Tlv, CLASS_CONTEXT, CLASS_UNIVERSAL, TAG_INTEGER, TAG_SEQUENCE};
use crate::ca::CertificateAuthority;
use crate::error::CryptoError;
use crate::random::try_random_bytes;

/// desCBC (OIW), the content cipher of legacy SCEP clients.
pub(crate) const OID_DES_CBC: &str = "1.3.14.3.2.7";
const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const FIELD: &str = "pkcsPKIEnvelope";
const DES_KEY_LEN: usize = 8;

/// Decrypts a DER ContentInfo{EnvelopedData} whose content cipher is DES-CBC.
pub(crate) fn decrypt_des_envelope(
    der: &[u8],
    ca: &CertificateAuthority,
) -> Result<Vec<u8>, CryptoError> {
    let parsed = parse(der).map_err(|reason| bad(FIELD, &reason))?;
    let wrapped = parsed
        .recipients
        .iter()
        .find(|r| is_for(r, ca.certificate()))
        .ok_or_else(|| CryptoError::ScepDecrypt {
            reason: "no recipient is this CA's certificate".into(),
        })?;
    let key = unwrap_key(&wrapped.encrypted_key, ca)?;
    let triple = [key.as_slice(), key.as_slice(), key.as_slice()].concat();
    decrypt(
        Cipher::des_ede3_cbc(),
        &triple,
        Some(&parsed.iv),
        &parsed.ciphertext,
    )
    .map_err(|_| undecryptable())
}

/// One error for every failure after the key transport, so that a tampered envelope tells
/// an attacker nothing about the RSA padding (Bleichenbacher).
fn undecryptable() -> CryptoError {
    CryptoError::ScepDecrypt {
        reason: "DES-CBC content does not decrypt".into(),
    }
}

/// RSA PKCS#1 v1.5 key transport. A wrong-sized result becomes a random key instead of an
/// error, as OpenSSL's CMS does, so padding failures look like any other bad content.
fn unwrap_key(encrypted: &[u8], ca: &CertificateAuthority) -> Result<Vec<u8>, CryptoError> {
    let op = "unwrap DES key";
    let mut ctx = PkeyCtx::new(ca.private_key()).map_err(CryptoError::openssl(op))?;
    ctx.decrypt_init().map_err(CryptoError::openssl(op))?;
    ctx.set_rsa_padding(Padding::PKCS1)
        .map_err(CryptoError::openssl(op))?;
    let mut key = Vec::new();
    let ok = ctx.decrypt_to_vec(encrypted, &mut key).is_ok();
    if ok && key.len() == DES_KEY_LEN {
        Ok(key)
    } else {
        try_random_bytes(DES_KEY_LEN)
    }
}

struct KeyTrans<'a> {
    issuer: Tlv<'a>,
    serial: &'a [u8],
    encrypted_key: Vec<u8>,
}

struct Parsed<'a> {
    recipients: Vec<KeyTrans<'a>>,
    iv: Vec<u8>,
    ciphertext: Vec<u8>,
}

fn is_for(r: &KeyTrans<'_>, cert: &X509) -> bool {
    let serial = cert.serial_number().to_bn().map(|bn| bn.to_vec());
    let same_serial = serial.is_ok_and(|s| ber::minimal_integer(r.serial) == s.as_slice());
    // Names compare canonically, as OpenSSL does: a client may re-encode the issuer.
    let same_issuer = X509Name::from_der(r.issuer.raw)
        .is_ok_and(|name| matches!(name.try_cmp(cert.issuer_name()), Ok(Ordering::Equal)));
    same_serial && same_issuer
}

/// ContentInfo → EnvelopedData (RFC 5652 6.1): the RSA key-transport recipients, the IV and
/// the ciphertext.
fn parse(der: &[u8]) -> Result<Parsed<'_>, String> {
    let (info, _) = ber::parse(der)?;
    let env = nth(&info, 1)?;
    let env = nth(&env, 0)?;
    let mut fields = env.children().skip(1); // version
    let mut set = fields.next().ok_or("recipientInfos missing")??;
    if set.is(CLASS_CONTEXT, 0) {
        set = fields.next().ok_or("recipientInfos missing")??; // originatorInfo
    }
    let mut recipients = Vec::new();
    for ri in set.children() {
        let ri = ri?;
        if ri.is(CLASS_UNIVERSAL, TAG_SEQUENCE) {
            if let Some(r) = key_trans(&ri)? {
                recipients.push(r);
            }
        }
    }
    let eci = fields.next().ok_or("encryptedContentInfo missing")??;
    let algorithm = nth(&eci, 1)?;
    let iv = nth(&algorithm, 1)?.octets()?;
    if iv.len() != DES_KEY_LEN {
        return Err("the DES-CBC IV must be 8 bytes".into());
    }
    let content = nth(&eci, 2)?;
    if !content.is(CLASS_CONTEXT, 0) {
        return Err("the encrypted content is missing".into());
    }
    Ok(Parsed {
        recipients,
        iv,
        ciphertext: content.octets()?,
    })
}

/// A KeyTransRecipientInfo by issuerAndSerialNumber with rsaEncryption; `None` otherwise.
fn key_trans<'a>(ri: &Tlv<'a>) -> Result<Option<KeyTrans<'a>>, String> {
    let rid = nth(ri, 1)?;
    let algorithm = ber::oid_to_string(nth(&nth(ri, 2)?, 0)?.content)?;
    if !rid.is(CLASS_UNIVERSAL, TAG_SEQUENCE) || algorithm != OID_RSA_ENCRYPTION {
        return Ok(None);
    }
    let serial = nth(&rid, 1)?;
    if !serial.is(CLASS_UNIVERSAL, TAG_INTEGER) {
        return Err("recipient serialNumber is not an INTEGER".into());
    }
    Ok(Some(KeyTrans {
        issuer: nth(&rid, 0)?,
        serial: serial.content,
        encrypted_key: nth(ri, 3)?.octets()?,
    }))
}

fn nth<'a>(tlv: &Tlv<'a>, index: usize) -> Result<Tlv<'a>, String> {
    tlv.children()
        .nth(index)
        .ok_or_else(|| format!("EnvelopedData ends early (field {index} missing)"))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cms::der::{algorithm, oid, seq, small_integer, tlv, OCTET_STRING, SET};
    use openssl::symm::encrypt;

    /// A DES-CBC EnvelopedData for `recipient`, assembled as legacy clients do.
    fn des_envelope(recipient: &X509, plaintext: &[u8]) -> Vec<u8> {
        let key = [0x5e_u8; 8];
        let iv = [0x17_u8; 8];
        let triple = [key, key, key].concat();
        let ciphertext = encrypt(Cipher::des_ede3_cbc(), &triple, Some(&iv), plaintext).unwrap();
        let public = recipient.public_key().unwrap();
        let mut ctx = PkeyCtx::new(&public).unwrap();
        ctx.encrypt_init().unwrap();
        ctx.set_rsa_padding(Padding::PKCS1).unwrap();
        let mut wrapped = Vec::new();
        ctx.encrypt_to_vec(&key, &mut wrapped).unwrap();
        let serial = recipient.serial_number().to_bn().unwrap().to_vec();
        let serial = tlv(0x02, &[&[0], &serial]); // leading 0: never negative
        let issuer = recipient.issuer_name().to_der().unwrap();
        let ktri = seq(&[
            &small_integer(0),
            &seq(&[&issuer, &serial]),
            &algorithm(OID_RSA_ENCRYPTION, true),
            &tlv(OCTET_STRING, &[&wrapped]),
        ]);
        let eci = seq(&[
            &oid("1.2.840.113549.1.7.1"),
            &seq(&[&oid(OID_DES_CBC), &tlv(OCTET_STRING, &[&iv])]),
            &tlv(0x80, &[&ciphertext]),
        ]);
        let env = seq(&[&small_integer(0), &tlv(SET, &[&ktri]), &eci]);
        seq(&[&oid("1.2.840.113549.1.7.3"), &tlv(0xa0, &[&env])])
    }

    #[test]
    fn des_envelope_for_this_ca_decrypts_and_for_another_is_refused() {
        let ca = CertificateAuthority::generate("CA", 30).unwrap();
        let der = des_envelope(ca.certificate(), b"a PKCS#10 request");
        assert_eq!(
            decrypt_des_envelope(&der, &ca).unwrap(),
            b"a PKCS#10 request"
        );
        let other = CertificateAuthority::generate("Other CA", 30).unwrap();
        let err = decrypt_des_envelope(&der, &other).unwrap_err();
        assert!(matches!(err, CryptoError::ScepDecrypt { .. }), "{err}");
        let err = decrypt_des_envelope(&der[..der.len() - 9], &ca).unwrap_err();
        assert!(
            matches!(
                err,
                CryptoError::ScepMessage { .. } | CryptoError::ScepDecrypt { .. }
            ),
            "{err}"
        );
    }

    #[test]
    fn des_via_equal_key_triple_des_matches_the_fips_81_vector() {
        // FIPS 81 appendix B/C: DES-CBC of "Now is the time for all " with this key and IV.
        let key = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
        let iv = [0x12, 0x34, 0x56, 0x78, 0x90, 0xab, 0xcd, 0xef];
        let triple = [key, key, key].concat();
        let mut out = encrypt(
            Cipher::des_ede3_cbc(),
            &triple,
            Some(&iv),
            b"Now is the time for all ",
        )
        .unwrap();
        out.truncate(24); // drop the PKCS#7 padding block
        let expected = [
            0xe5, 0xc7, 0xcd, 0xde, 0x87, 0x2b, 0xf2, 0x7c, 0x43, 0xe9, 0x34, 0x00, 0x8c, 0x38,
            0x9c, 0x0f, 0x68, 0x37, 0x88, 0x49, 0x9a, 0x7c, 0x05, 0xf6,
        ];
        assert_eq!(out, expected);
    }
}
