//! Self-signed TLS server identities for local stand-ins (the APNs stand-in)
//! and demos: subjectAltName entries for the names and IPs clients dial,
//! because rustls/webpki ignore the CN.

use std::net::IpAddr;

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509Builder, X509NameBuilder, X509};

use crate::error::CryptoError;
use crate::token_pki::{unix_now, KeyPair};

const BACKDATE_SECS: i64 = 3600;

/// Generates an RSA-2048 key and a self-signed serverAuth certificate whose
/// subjectAltName lists `names` (IP addresses become IP entries).
pub fn generate_tls_server_identity(
    names: &[&str],
    validity_days: u32,
) -> Result<KeyPair, CryptoError> {
    let first = names.first().copied().unwrap_or_default();
    if first.trim().is_empty() || first.chars().count() > 64 {
        return Err(CryptoError::InvalidParameter {
            field: "names",
            reason: "need at least one host name or IP address of 1 to 64 characters".into(),
        });
    }
    if validity_days == 0 || validity_days > 36_500 {
        return Err(CryptoError::InvalidParameter {
            field: "validity_days",
            reason: "must be between 1 and 36500".into(),
        });
    }
    let op = "generate TLS server identity";
    let rsa = Rsa::generate(2048).map_err(CryptoError::openssl(op))?;
    let key = PKey::from_rsa(rsa).map_err(CryptoError::openssl(op))?;
    let cert = build(&key, names, validity_days).map_err(CryptoError::openssl(op))?;
    let key_pem = key
        .private_key_to_pem_pkcs8()
        .map_err(CryptoError::openssl(op))?;
    let cert_pem = cert.to_pem().map_err(CryptoError::openssl(op))?;
    Ok(KeyPair {
        private_key_pem: String::from_utf8_lossy(&key_pem).into_owned(),
        certificate_pem: String::from_utf8_lossy(&cert_pem).into_owned(),
    })
}

fn build(
    key: &PKey<Private>,
    names: &[&str],
    validity_days: u32,
) -> Result<X509, openssl::error::ErrorStack> {
    let now = unix_now();
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COMMONNAME, names.first().copied().unwrap_or_default())?;
    let name = name.build();
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let mut b = X509Builder::new()?;
    b.set_version(2)?;
    b.set_serial_number(Asn1Integer::from_bn(&serial)?.as_ref())?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(&name)?;
    b.set_pubkey(key)?;
    b.set_not_before(Asn1Time::from_unix(now - BACKDATE_SECS)?.as_ref())?;
    let end = now + i64::from(validity_days) * 86_400;
    b.set_not_after(Asn1Time::from_unix(end)?.as_ref())?;
    b.append_extension(BasicConstraints::new().critical().build()?)?;
    let usage = KeyUsage::new()
        .critical()
        .digital_signature()
        .key_encipherment()
        .build()?;
    b.append_extension(usage)?;
    b.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
    let mut san = SubjectAlternativeName::new();
    for n in names {
        if n.parse::<IpAddr>().is_ok() {
            san.ip(n);
        } else {
            san.dns(n);
        }
    }
    let san = san.build(&b.x509v3_context(None, None))?;
    b.append_extension(san)?;
    b.sign(key, MessageDigest::sha256())?;
    Ok(b.build())
}
