//! The "Generate Token" step: the RSA key pair and self-signed certificate
//! that an administrator uploads to Apple Business Manager, plus helpers to
//! inspect certificates and load keys.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use openssl::asn1::{Asn1Integer, Asn1Time, Asn1TimeRef};
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use openssl::x509::{X509Builder, X509NameBuilder, X509};

use crate::error::CryptoError;

const RSA_BITS: u32 = 2048;
/// Back-dating tolerates clock skew between us and Apple.
const BACKDATE_SECS: i64 = 3600;
const VALIDITY_SECS: i64 = 365 * 86_400;
/// X.509 upper bound for a common name (RFC 5280 ub-common-name).
const MAX_CN_CHARS: usize = 64;

/// A token key pair: keep `private_key_pem` secret, upload `certificate_pem`.
#[derive(Clone)]
pub struct KeyPair {
    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub private_key_pem: String,
    /// X.509 PEM (`-----BEGIN CERTIFICATE-----`).
    pub certificate_pem: String,
}

impl fmt::Debug for KeyPair {
    // Never print the private key, even in debug logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("private_key_pem", &"<redacted>")
            .field("certificate_pem", &self.certificate_pem)
            .finish()
    }
}

/// What an administrator needs to see about a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Subject CN, if the certificate has one.
    pub subject_common_name: Option<String>,
    /// Serial number as lowercase hex (a leading `-` if negative).
    pub serial_hex: String,
    /// Start of validity, unix seconds.
    pub not_before: i64,
    /// End of validity, unix seconds.
    pub not_after: i64,
    /// SHA-256 of the DER certificate, lowercase hex.
    pub sha256_fingerprint_hex: String,
}

/// Generates an RSA-2048 key and a self-signed certificate for ABM.
pub fn generate_token_keypair(common_name: &str) -> Result<KeyPair, CryptoError> {
    validate_common_name(common_name)?;
    let rsa = Rsa::generate(RSA_BITS).map_err(CryptoError::openssl("generate RSA key"))?;
    let key = PKey::from_rsa(rsa).map_err(CryptoError::openssl("generate RSA key"))?;
    let cert = build_certificate(&key, common_name, unix_now())
        .map_err(CryptoError::openssl("build token certificate"))?;
    let private_key_pem = key
        .private_key_to_pem_pkcs8()
        .map_err(CryptoError::openssl("encode private key"))?;
    let certificate_pem = cert
        .to_pem()
        .map_err(CryptoError::openssl("encode certificate"))?;
    // PEM output is ASCII, so the lossy conversion never loses anything.
    Ok(KeyPair {
        private_key_pem: String::from_utf8_lossy(&private_key_pem).into_owned(),
        certificate_pem: String::from_utf8_lossy(&certificate_pem).into_owned(),
    })
}

fn validate_common_name(cn: &str) -> Result<(), CryptoError> {
    let reason = if cn.trim().is_empty() {
        "must not be empty".to_string()
    } else if cn.chars().count() > MAX_CN_CHARS {
        format!("must be at most {MAX_CN_CHARS} characters")
    } else if cn.chars().any(char::is_control) {
        "must not contain control characters".to_string()
    } else {
        return Ok(());
    };
    Err(CryptoError::InvalidCommonName { reason })
}

fn build_certificate(
    key: &PKey<Private>,
    cn: &str,
    now: i64,
) -> Result<X509, openssl::error::ErrorStack> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COMMONNAME, cn)?;
    let name = name.build();

    let mut serial = BigNum::new()?;
    serial.rand(128, MsbOption::MAYBE_ZERO, false)?;

    let mut b = X509Builder::new()?;
    b.set_version(2)?; // X.509 v3
    b.set_serial_number(Asn1Integer::from_bn(&serial)?.as_ref())?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(&name)?;
    b.set_pubkey(key)?;
    b.set_not_before(Asn1Time::from_unix(now - BACKDATE_SECS)?.as_ref())?;
    b.set_not_after(Asn1Time::from_unix(now + VALIDITY_SECS)?.as_ref())?;
    b.append_extension(BasicConstraints::new().critical().build()?)?;
    b.append_extension(
        KeyUsage::new()
            .critical()
            .digital_signature()
            .key_encipherment()
            .build()?,
    )?;
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None))?;
    b.append_extension(ski)?;
    b.sign(key, MessageDigest::sha256())?;
    Ok(b.build())
}

pub(crate) fn unix_now() -> i64 {
    // A clock before 1970 is a broken host; treat it as the epoch.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Reads subject CN, serial, validity and fingerprint of a PEM/DER certificate.
pub fn certificate_info(cert_pem: &[u8]) -> Result<CertificateInfo, CryptoError> {
    let cert = load_certificate("certificate", cert_pem)?;
    let subject_common_name = cert
        .subject_name()
        .entries_by_nid(Nid::COMMONNAME)
        .next()
        .and_then(|e| e.data().to_string().ok());
    let bad = |e: openssl::error::ErrorStack| CryptoError::InvalidCertificate {
        field: "certificate",
        reason: e.to_string(),
    };
    let serial_hex = cert
        .serial_number()
        .to_bn()
        .and_then(|bn| bn.to_hex_str().map(|s| s.to_lowercase()))
        .map_err(bad)?;
    let digest = cert.digest(MessageDigest::sha256()).map_err(bad)?;
    Ok(CertificateInfo {
        subject_common_name,
        serial_hex,
        not_before: asn1_time_to_unix(cert.not_before()).map_err(bad)?,
        not_after: asn1_time_to_unix(cert.not_after()).map_err(bad)?,
        sha256_fingerprint_hex: to_hex(&digest),
    })
}

pub(crate) fn asn1_time_to_unix(t: &Asn1TimeRef) -> Result<i64, openssl::error::ErrorStack> {
    let epoch = Asn1Time::from_unix(0)?;
    let diff = epoch.diff(t)?;
    Ok(i64::from(diff.days) * 86_400 + i64::from(diff.secs))
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Fails with [`CryptoError::KeyCertificateMismatch`] unless the private key
/// is the one whose public half the certificate carries.
pub fn check_key_matches_certificate(key_pem: &[u8], cert_pem: &[u8]) -> Result<(), CryptoError> {
    let key = load_private_key(key_pem)?;
    let cert = load_certificate("certificate", cert_pem)?;
    ensure_key_matches(&key, &cert)
}

pub(crate) fn ensure_key_matches(key: &PKey<Private>, cert: &X509) -> Result<(), CryptoError> {
    let public = cert
        .public_key()
        .map_err(|e| CryptoError::InvalidCertificate {
            field: "certificate",
            reason: format!("public key unreadable: {e}"),
        })?;
    if public.public_eq(key) {
        Ok(())
    } else {
        Err(CryptoError::KeyCertificateMismatch)
    }
}

/// Loads a private key given as PEM (PKCS#1 or PKCS#8) or DER.
pub(crate) fn load_private_key(input: &[u8]) -> Result<PKey<Private>, CryptoError> {
    let parsed = if looks_like_pem(input) {
        PKey::private_key_from_pem(input)
    } else {
        PKey::private_key_from_der(input)
    };
    parsed.map_err(|e| CryptoError::InvalidPrivateKey {
        reason: first_reason(&e),
    })
}

/// Loads a certificate given as PEM or DER; `field` names it in errors.
pub(crate) fn load_certificate(field: &'static str, input: &[u8]) -> Result<X509, CryptoError> {
    let parsed = if looks_like_pem(input) {
        X509::from_pem(input)
    } else {
        X509::from_der(input)
    };
    parsed.map_err(|e| CryptoError::InvalidCertificate {
        field,
        reason: first_reason(&e),
    })
}

fn looks_like_pem(input: &[u8]) -> bool {
    input.windows(10).any(|w| w == b"-----BEGIN")
}

/// OpenSSL's most specific complaint, without the library/file noise.
pub(crate) fn first_reason(e: &openssl::error::ErrorStack) -> String {
    e.errors()
        .first()
        .and_then(|err| err.reason().map(str::to_string))
        .unwrap_or_else(|| "unreadable".to_string())
}
