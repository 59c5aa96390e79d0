//! PKCS#10 details the `openssl` crate does not cover: reading the
//! challengePassword attribute (how SCEP authenticates a request) and, for
//! the device simulator, writing a CSR that carries one. The signature is
//! made by OpenSSL.

use openssl::hash::MessageDigest;
use openssl::pkey::{Id, PKeyRef, Private};
use openssl::sign::Signer;
use openssl::x509::X509NameRef;

use crate::ber::{self, CLASS_CONTEXT, CLASS_UNIVERSAL};
use crate::cms::der::{self, algorithm, oid, seq, tlv};
use crate::error::CryptoError;

const OID_CHALLENGE_PASSWORD: &str = "1.2.840.113549.1.9.7";
const OID_SHA256_RSA: &str = "1.2.840.113549.1.1.11";
const OID_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const UTF8_STRING: u8 = 0x0c;

/// The challengePassword of a DER CSR, if it has one.
pub(crate) fn challenge_password(csr_der: &[u8]) -> Result<Option<String>, CryptoError> {
    find_challenge(csr_der).map_err(|reason| CryptoError::InvalidCsr { reason })
}

fn find_challenge(csr_der: &[u8]) -> Result<Option<String>, String> {
    let (req, _) = ber::parse(csr_der)?;
    let info = req.children().next().ok_or("empty request")??;
    for field in info.children() {
        let field = field?;
        if !field.is(CLASS_CONTEXT, 0) {
            continue;
        }
        for attr in field.children() {
            let attr = attr?;
            let mut parts = attr.children();
            let oid = parts.next().ok_or("attribute type missing")??;
            if ber::oid_to_string(oid.content)? != OID_CHALLENGE_PASSWORD {
                continue;
            }
            let values = parts.next().ok_or("challengePassword value missing")??;
            let value = values
                .children()
                .next()
                .ok_or("challengePassword empty")??;
            return directory_string(value).map(Some);
        }
    }
    Ok(None)
}

/// DirectoryString: PrintableString, UTF8String, IA5String, T61String
/// (read as Latin-1) or BMPString.
fn directory_string(value: ber::Tlv<'_>) -> Result<String, String> {
    if value.class != CLASS_UNIVERSAL || value.constructed {
        return Err("challengePassword is not a string".into());
    }
    match value.tag {
        12 | 19 | 22 => std::str::from_utf8(value.content)
            .map(str::to_string)
            .map_err(|_| "challengePassword is not valid UTF-8".into()),
        20 => Ok(value.content.iter().map(|b| char::from(*b)).collect()),
        30 => {
            let units: Vec<u16> = value
                .content
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).map_err(|_| "challengePassword is not valid UTF-16".into())
        }
        other => Err(format!(
            "challengePassword has unsupported string tag {other}"
        )),
    }
}

/// A DER PKCS#10 request for `key` with `subject` and an optional
/// challengePassword (UTF8String), signed with SHA-256.
pub fn build_csr(
    key: &PKeyRef<Private>,
    subject: &X509NameRef,
    challenge_password: Option<&str>,
) -> Result<Vec<u8>, CryptoError> {
    let op = "build CSR";
    let sig_alg = match key.id() {
        Id::RSA => algorithm(OID_SHA256_RSA, true),
        Id::EC => algorithm(OID_ECDSA_SHA256, false),
        other => {
            return Err(CryptoError::InvalidPrivateKey {
                reason: format!("{other:?} keys cannot sign a CSR here (expected RSA or EC)"),
            })
        }
    };
    let name = subject.to_der().map_err(CryptoError::openssl(op))?;
    let spki = key.public_key_to_der().map_err(CryptoError::openssl(op))?;
    let attributes = match challenge_password {
        Some(pw) => {
            let value = tlv(UTF8_STRING, &[pw.as_bytes()]);
            let attr = seq(&[&oid(OID_CHALLENGE_PASSWORD), &tlv(der::SET, &[&value])]);
            tlv(0xa0, &[&attr])
        }
        None => tlv(0xa0, &[]),
    };
    let info = seq(&[&der::small_integer(0), &name, &spki, &attributes]);
    let mut signer = Signer::new(MessageDigest::sha256(), key).map_err(CryptoError::openssl(op))?;
    signer.update(&info).map_err(CryptoError::openssl(op))?;
    let signature = signer.sign_to_vec().map_err(CryptoError::openssl(op))?;
    // BIT STRING: a leading "0 unused bits" octet, then the signature.
    let bits = tlv(0x03, &[&[0], &signature]);
    Ok(seq(&[&info, &sig_alg, &bits]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::nid::Nid;
    use openssl::rsa::Rsa;
    use openssl::x509::{X509NameBuilder, X509Req};

    fn string(tag: u8, content: &[u8]) -> String {
        let der = tlv(tag, &[content]);
        directory_string(ber::parse(&der).unwrap().0).unwrap()
    }

    #[test]
    fn directory_string_forms() {
        assert_eq!(string(0x13, b"abc 123"), "abc 123");
        assert_eq!(string(0x0c, "pässword".as_bytes()), "pässword");
        assert_eq!(string(0x16, b"ia5"), "ia5");
        assert_eq!(string(0x14, &[0x70, 0xe4]), "pä");
        assert_eq!(string(0x1e, &[0x00, 0x70, 0x00, 0xe4]), "pä");
        let der = tlv(0x02, &[&[1]]);
        assert!(directory_string(ber::parse(&der).unwrap().0).is_err());
    }

    #[test]
    fn built_csr_verifies_and_carries_the_challenge() {
        let key = openssl::pkey::PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_nid(Nid::COMMONNAME, "dev").unwrap();
        let name = name.build();
        let der = build_csr(&key, &name, Some("one-time")).unwrap();
        let req = X509Req::from_der(&der).unwrap();
        assert!(req.verify(&key).unwrap());
        assert_eq!(
            challenge_password(&der).unwrap().as_deref(),
            Some("one-time")
        );
        let plain = build_csr(&key, &name, None).unwrap();
        assert_eq!(challenge_password(&plain).unwrap(), None);
        assert!(challenge_password(b"\x30\x03\x02\x01").is_err());
    }
}
