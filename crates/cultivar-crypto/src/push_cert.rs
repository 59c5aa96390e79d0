//! The APNs "MDM certificate": the key and CSR cultivar generates for the
//! administrator, reading the topic and validity from the certificate Apple
//! issues, and (for the simulators) issuing such a certificate ourselves.
//!
//! The push topic is the subject's UID attribute (OID 0.9.2342.19200300.100.1.1)
//! and always starts with `com.apple.mgmt.`; devices check it against the
//! `Topic` of their MDM payload.

use std::fmt;

use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509Name, X509NameBuilder, X509ReqBuilder};

use crate::ca::{check_client_key, load_csr, verified_csr_key, CertificateAuthority};
use crate::error::CryptoError;
use crate::token_pki::{certificate_info, load_certificate};
use crate::IssuedCertificate;

const RSA_BITS: u32 = 2048;
/// Every MDM push topic starts with this (Apple's push portal issues
/// `com.apple.mgmt.External.<uuid>`).
pub const MDM_TOPIC_PREFIX: &str = "com.apple.mgmt.";

/// A new push key and its CSR: keep `private_key_pem` secret, have
/// `csr_pem` signed (vendor, then Apple's push portal).
#[derive(Clone)]
pub struct PushCsr {
    /// PKCS#8 PEM.
    pub private_key_pem: String,
    /// PKCS#10 PEM.
    pub csr_pem: String,
}

impl fmt::Debug for PushCsr {
    // Never print the private key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushCsr")
            .field("private_key_pem", &"<redacted>")
            .field("csr_pem", &self.csr_pem)
            .finish()
    }
}

/// What an administrator needs to see about a push certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushCertInfo {
    /// The subject UID, e.g. `com.apple.mgmt.External.<uuid>`.
    pub topic: String,
    /// Subject CN (Apple's look like `APSP:<uuid>`).
    pub subject_cn: Option<String>,
    /// Serial number, lowercase hex.
    pub serial_hex: String,
    /// Unix seconds.
    pub not_before: i64,
    /// Unix seconds.
    pub not_after: i64,
    /// SHA-256 of the DER certificate, lowercase hex.
    pub sha256_fingerprint_hex: String,
}

/// Generates an RSA-2048 key and a CSR with subject `CN=<common_name>`.
pub fn generate_push_csr(common_name: &str) -> Result<PushCsr, CryptoError> {
    if common_name.trim().is_empty()
        || common_name.chars().count() > 64
        || common_name.chars().any(char::is_control)
    {
        return Err(CryptoError::InvalidCommonName {
            reason: "must be 1 to 64 printable characters".into(),
        });
    }
    let op = "generate push CSR";
    let rsa = Rsa::generate(RSA_BITS).map_err(CryptoError::openssl(op))?;
    let key = PKey::from_rsa(rsa).map_err(CryptoError::openssl(op))?;
    let mut name = X509NameBuilder::new().map_err(CryptoError::openssl(op))?;
    name.append_entry_by_nid(Nid::COMMONNAME, common_name)
        .map_err(CryptoError::openssl(op))?;
    let name = name.build();
    let mut req = X509ReqBuilder::new().map_err(CryptoError::openssl(op))?;
    req.set_version(0).map_err(CryptoError::openssl(op))?;
    req.set_subject_name(&name)
        .map_err(CryptoError::openssl(op))?;
    req.set_pubkey(&key).map_err(CryptoError::openssl(op))?;
    req.sign(&key, MessageDigest::sha256())
        .map_err(CryptoError::openssl(op))?;
    let csr = req.build().to_pem().map_err(CryptoError::openssl(op))?;
    let key = key
        .private_key_to_pem_pkcs8()
        .map_err(CryptoError::openssl(op))?;
    Ok(PushCsr {
        private_key_pem: String::from_utf8_lossy(&key).into_owned(),
        csr_pem: String::from_utf8_lossy(&csr).into_owned(),
    })
}

/// Reads topic, CN, serial and validity of a push certificate (PEM or DER).
/// Fails when the subject has no UID or the UID is not an MDM topic.
pub fn push_certificate_info(cert: &[u8]) -> Result<PushCertInfo, CryptoError> {
    let parsed = load_certificate("push_certificate", cert)?;
    let der = parsed
        .to_der()
        .map_err(CryptoError::openssl("encode push certificate"))?;
    let uid = parsed
        .subject_name()
        .entries_by_nid(Nid::USERID)
        .next()
        .map(|e| e.data().to_string().map_err(|e| e.to_string()));
    let topic = match uid {
        None => {
            return Err(not_push(
                "the subject has no UID attribute (the push topic)".into(),
            ))
        }
        Some(Err(e)) => return Err(not_push(format!("the subject UID is not text ({e})"))),
        Some(Ok(topic)) => topic,
    };
    check_topic(&topic)?;
    let info = certificate_info(&der)?;
    Ok(PushCertInfo {
        topic,
        subject_cn: info.subject_common_name,
        serial_hex: info.serial_hex,
        not_before: info.not_before,
        not_after: info.not_after,
        sha256_fingerprint_hex: info.sha256_fingerprint_hex,
    })
}

fn not_push(what: String) -> CryptoError {
    CryptoError::InvalidPushCertificate {
        reason: format!(
            "{what}; expected an Apple MDM push certificate whose subject UID starts with {MDM_TOPIC_PREFIX}"
        ),
    }
}

fn check_topic(topic: &str) -> Result<(), CryptoError> {
    let rest = topic.strip_prefix(MDM_TOPIC_PREFIX).unwrap_or_default();
    if rest.is_empty() || topic.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(not_push(format!(
            "the subject UID {topic:?} is not an MDM topic"
        )));
    }
    Ok(())
}

impl CertificateAuthority {
    /// Plays Apple's push portal for the simulators and tests: issues a
    /// certificate for `csr` with subject `UID=<topic>, CN=APSP:<suffix>, C=US`.
    pub fn issue_push_certificate(
        &self,
        csr: &[u8],
        topic: &str,
        validity_days: u32,
        serial: u64,
    ) -> Result<IssuedCertificate, CryptoError> {
        check_topic(topic)?;
        let req = load_csr(csr)?;
        let public = verified_csr_key(&req)?;
        check_client_key(&public)?;
        let subject = push_subject(topic).map_err(CryptoError::openssl("build push subject"))?;
        if validity_days == 0 || serial == 0 {
            return Err(CryptoError::InvalidParameter {
                field: "validity_days/serial",
                reason: "must be positive".into(),
            });
        }
        let cert = self
            .build_client_certificate(&public, &subject, validity_days, serial)
            .map_err(CryptoError::openssl("issue push certificate"))?;
        let op = "encode push certificate";
        let certificate_der = cert.to_der().map_err(CryptoError::openssl(op))?;
        let pem = cert.to_pem().map_err(CryptoError::openssl(op))?;
        Ok(IssuedCertificate {
            info: certificate_info(&certificate_der)?,
            certificate_pem: String::from_utf8_lossy(&pem).into_owned(),
            certificate_der,
        })
    }
}

fn push_subject(topic: &str) -> Result<X509Name, openssl::error::ErrorStack> {
    let suffix = topic.rsplit('.').next().unwrap_or(topic);
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::USERID, topic)?;
    name.append_entry_by_nid(Nid::COMMONNAME, &format!("APSP:{suffix}"))?;
    name.append_entry_by_nid(Nid::COUNTRYNAME, "US")?;
    Ok(name.build())
}
