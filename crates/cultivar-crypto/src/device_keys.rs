//! What a simulated device does with keys on its own side: generate its
//! RSA key, make the transient self-signed certificate that signs a first
//! SCEP request, build the CSR from a SCEP payload's `Subject`, and read a
//! signed `.mobileconfig` the way a device does (the signature must verify;
//! an untrusted signer only makes the profile "unverified", so the chain is
//! not checked here).

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs7::Pkcs7;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::{X509Builder, X509NameBuilder, X509VerifyResult, X509};

use crate::cms;
use crate::error::CryptoError;
use crate::token_pki::{first_reason, load_private_key, unix_now};

/// Devices accept 1024 to 4096 (the SCEP payload's `Keysize`).
const MIN_BITS: u32 = 1024;
const MAX_BITS: u32 = 4096;
/// Tolerates a server whose clock runs a little behind ours.
const BACKDATE_SECS: i64 = 3600;
/// A profile with embedded app configurations can be large.
const MAX_PROFILE_BYTES: usize = 16 * 1024 * 1024;

/// Content of a CMS SignedData whose signature verified, and its signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedContent {
    pub content: Vec<u8>,
    /// The certificate that signed it (DER), as embedded in the message.
    pub signer_certificate_der: Vec<u8>,
}

/// Generates an RSA key of `bits` (1024 to 4096, a multiple of 8); PKCS#8 PEM.
pub fn generate_device_key(bits: u32) -> Result<String, CryptoError> {
    if !(MIN_BITS..=MAX_BITS).contains(&bits) || !bits.is_multiple_of(8) {
        return Err(CryptoError::InvalidParameter {
            field: "Keysize",
            reason: format!("{bits} is not a multiple of 8 between {MIN_BITS} and {MAX_BITS}"),
        });
    }
    let op = "generate device key";
    let rsa = Rsa::generate(bits).map_err(CryptoError::openssl(op))?;
    let key = PKey::from_rsa(rsa).map_err(CryptoError::openssl(op))?;
    let pem = key
        .private_key_to_pem_pkcs8()
        .map_err(CryptoError::openssl(op))?;
    Ok(String::from_utf8_lossy(&pem).into_owned())
}

/// A self-signed certificate for `key_pem` with subject CN `common_name`,
/// valid for `validity_days` (the transient signer of a SCEP PKCSReq). PEM.
pub fn self_signed_certificate(
    key_pem: &[u8],
    common_name: &str,
    validity_days: u32,
) -> Result<String, CryptoError> {
    if common_name.trim().is_empty() || common_name.chars().count() > 64 {
        return Err(CryptoError::InvalidCommonName {
            reason: "must be 1 to 64 characters".into(),
        });
    }
    let key = load_private_key(key_pem)?;
    let cert = build_self_signed(&key, common_name, validity_days)
        .map_err(CryptoError::openssl("build self-signed certificate"))?;
    let pem = cert
        .to_pem()
        .map_err(CryptoError::openssl("encode certificate"))?;
    Ok(String::from_utf8_lossy(&pem).into_owned())
}

fn build_self_signed(
    key: &PKey<Private>,
    cn: &str,
    days: u32,
) -> Result<X509, openssl::error::ErrorStack> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COMMONNAME, cn)?;
    let name = name.build();
    let mut serial = BigNum::new()?;
    serial.rand(64, MsbOption::MAYBE_ZERO, false)?;
    let now = unix_now();
    let mut b = X509Builder::new()?;
    b.set_version(2)?;
    b.set_serial_number(Asn1Integer::from_bn(&serial)?.as_ref())?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(&name)?;
    b.set_pubkey(key)?;
    b.set_not_before(Asn1Time::from_unix(now - BACKDATE_SECS)?.as_ref())?;
    b.set_not_after(Asn1Time::from_unix(now + i64::from(days) * 86_400)?.as_ref())?;
    b.sign(key, MessageDigest::sha256())?;
    Ok(b.build())
}

/// A DER PKCS#10 request for `key_pem` whose subject is built from
/// `(attribute, value)` pairs as a SCEP payload's `Subject` lists them
/// (`CN`, `O`, `OU`, `C`, or a dotted OID), with an optional challenge.
pub fn build_csr_for_key(
    key_pem: &[u8],
    subject: &[(String, String)],
    challenge_password: Option<&str>,
) -> Result<Vec<u8>, CryptoError> {
    let key = load_private_key(key_pem)?;
    let mut name = X509NameBuilder::new().map_err(CryptoError::openssl("build subject"))?;
    for (attribute, value) in subject {
        name.append_entry_by_text(attribute, value)
            .map_err(|e| CryptoError::InvalidParameter {
                field: "Subject",
                reason: format!("{attribute}={value:?} ({})", first_reason(&e)),
            })?;
    }
    let name = name.build();
    crate::scep::build_csr(&key, &name, challenge_password)
}

/// Reads a CMS-signed profile (attached content): checks the signature with
/// the embedded signer certificate, not the chain, and returns the content.
pub fn open_signed_profile(der: &[u8]) -> Result<SignedContent, CryptoError> {
    let field = "profile";
    if der.len() > MAX_PROFILE_BYTES {
        return Err(CryptoError::NotSignedData {
            field,
            reason: format!("{} bytes is over the 16 MiB limit", der.len()),
        });
    }
    let (outline, signer) = cms::inspect(der, field)?;
    if outline.content.is_none() {
        return Err(CryptoError::NotSignedData {
            field,
            reason: "expected attached content, found a detached signature".into(),
        });
    }
    let content = cms::verify_signature(der, &signer, None, field)?;
    let signer_certificate_der = signer
        .to_der()
        .map_err(CryptoError::openssl("encode signer certificate"))?;
    Ok(SignedContent {
        content,
        signer_certificate_der,
    })
}

/// The certificate a SCEP client encrypts to, from a `GetCACert` answer: the body itself
/// for `application/x-x509-ca-cert`, or for `application/x-x509-ca-ra-cert` (a degenerate
/// PKCS#7) the RA certificate (the first not self-issued), else the CA. DER.
pub fn scep_recipient_certificate(body: &[u8], ca_ra_chain: bool) -> Result<Vec<u8>, CryptoError> {
    let field = "GetCACert";
    if !ca_ra_chain {
        let cert = crate::token_pki::load_certificate(field, body)?;
        return cert
            .to_der()
            .map_err(CryptoError::openssl("encode CA certificate"));
    }
    let p7 = Pkcs7::from_der(body).map_err(|e| CryptoError::NotSignedData {
        field,
        reason: format!("not a certs-only PKCS#7 ({})", first_reason(&e)),
    })?;
    let certs: Vec<X509> = p7
        .signed()
        .and_then(|s| s.certificates())
        .map(|c| c.iter().map(|x| x.to_owned()).collect())
        .unwrap_or_default();
    let chosen = certs
        .iter()
        .find(|c| c.issued(c) != X509VerifyResult::OK)
        .or_else(|| certs.first())
        .ok_or(CryptoError::NoSignerCertificate { field })?;
    chosen
        .to_der()
        .map_err(CryptoError::openssl("encode RA certificate"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::x509::X509Req;

    #[test]
    fn key_certificate_csr_and_signed_profile() {
        assert!(generate_device_key(1000).is_err());
        assert!(generate_device_key(8192).is_err());
        let key = generate_device_key(2048).unwrap();
        let cert = self_signed_certificate(key.as_bytes(), "scep-client", 1).unwrap();
        assert!(self_signed_certificate(key.as_bytes(), " ", 1).is_err());
        let subject = vec![
            ("O".to_string(), "Cultivar".to_string()),
            ("CN".to_string(), "device".to_string()),
        ];
        let csr = build_csr_for_key(key.as_bytes(), &subject, Some("pw")).unwrap();
        let req = X509Req::from_der(&csr).unwrap();
        let cn = req.subject_name().entries_by_nid(Nid::COMMONNAME).next();
        assert_eq!(cn.unwrap().data().to_string().unwrap(), "device");
        let bad = vec![("NOPE".to_string(), "x".to_string())];
        let err = build_csr_for_key(key.as_bytes(), &bad, None).unwrap_err();
        assert!(err.to_string().starts_with("Subject: NOPE="), "{err}");

        let signed = crate::sign_profile(b"<plist/>", key.as_bytes(), cert.as_bytes(), &[]);
        let opened = open_signed_profile(&signed.unwrap()).unwrap();
        assert_eq!(opened.content, b"<plist/>");
        let x509 = X509::from_pem(cert.as_bytes()).unwrap();
        assert_eq!(opened.signer_certificate_der, x509.to_der().unwrap());
        assert!(open_signed_profile(b"<plist/>").is_err());
    }

    #[test]
    fn scep_recipient_is_the_ra_of_a_ca_ra_chain() {
        let ca = crate::CertificateAuthority::generate("Test CA", 30).unwrap();
        let ca_der = ca.certificate_der().unwrap();
        let key = generate_device_key(2048).unwrap();
        let subject = vec![("CN".to_string(), "Test RA".to_string())];
        let csr = build_csr_for_key(key.as_bytes(), &subject, None).unwrap();
        let ra = ca.issue_client_certificate(&csr, None, 30, 9).unwrap();
        let chain = crate::cms::build::certs_only(&[&ca_der, &ra.certificate_der]);
        let chosen = scep_recipient_certificate(&chain, true).unwrap();
        assert_eq!(chosen, ra.certificate_der);
        let only_ca = crate::cms::build::certs_only(&[&ca_der]);
        assert_eq!(scep_recipient_certificate(&only_ca, true).unwrap(), ca_der);
        assert_eq!(scep_recipient_certificate(&ca_der, false).unwrap(), ca_der);
        assert!(scep_recipient_certificate(b"junk", true).is_err());
    }
}
