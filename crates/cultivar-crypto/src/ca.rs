//! A small certificate authority: the SCEP CA that issues device identity
//! certificates. RSA-3072 CA key; client keys RSA >= 2048 or EC P-256/P-384.
//! The CA is also the SCEP RA: its key signs CertRep and decrypts requests.

use std::fmt;

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, PKeyRef, Private, Public};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509Name, X509NameBuilder, X509NameRef, X509Req, X509};

use crate::ber;
use crate::error::CryptoError;
use crate::token_pki::{
    certificate_info, ensure_key_matches, first_reason, load_certificate, load_private_key,
    unix_now, CertificateInfo, KeyPair,
};

const CA_RSA_BITS: u32 = 3072;
const MIN_RSA_BITS: u32 = 2048;
/// Tolerates devices whose clock runs a little behind ours.
const BACKDATE_SECS: i64 = 3600;
/// About 100 years; anything longer is a typo.
const MAX_VALIDITY_DAYS: u32 = 36_500;

/// The SCEP CA: its private key and self-signed certificate.
pub struct CertificateAuthority {
    key: PKey<Private>,
    cert: X509,
}

impl fmt::Debug for CertificateAuthority {
    // Never print the private key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("subject", &self.cert.subject_name())
            .finish_non_exhaustive()
    }
}

/// A certificate issued by [`CertificateAuthority::issue_client_certificate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCertificate {
    pub certificate_der: Vec<u8>,
    pub certificate_pem: String,
    pub info: CertificateInfo,
}

impl CertificateAuthority {
    /// Generates an RSA-3072 key and a self-signed CA certificate.
    pub fn generate(common_name: &str, validity_days: u32) -> Result<Self, CryptoError> {
        check_validity(validity_days)?;
        if common_name.trim().is_empty() || common_name.chars().count() > 64 {
            return Err(CryptoError::InvalidCommonName {
                reason: "must be 1 to 64 characters".into(),
            });
        }
        let op = CryptoError::openssl("generate CA");
        let rsa = Rsa::generate(CA_RSA_BITS).map_err(CryptoError::openssl("generate CA key"))?;
        let key = PKey::from_rsa(rsa).map_err(CryptoError::openssl("generate CA key"))?;
        let cert = build_ca_certificate(&key, common_name, validity_days).map_err(op)?;
        Ok(Self { key, cert })
    }

    /// Loads a CA from its key and certificate (PEM or DER), checking that
    /// they match and that the certificate may sign certificates.
    pub fn from_pem(key_pem: &[u8], cert_pem: &[u8]) -> Result<Self, CryptoError> {
        let key = load_private_key(key_pem)?;
        let cert = load_certificate("ca_certificate", cert_pem)?;
        ensure_key_matches(&key, &cert)?;
        let der = cert
            .to_der()
            .map_err(CryptoError::openssl("encode CA certificate"))?;
        if !is_ca_certificate(&der) {
            return Err(CryptoError::InvalidCa {
                reason: "certificate lacks basicConstraints CA:TRUE".into(),
            });
        }
        Ok(Self { key, cert })
    }

    /// The key (PKCS#8) and certificate as PEM, for storage.
    pub fn to_pem(&self) -> Result<KeyPair, CryptoError> {
        let key = self
            .key
            .private_key_to_pem_pkcs8()
            .map_err(CryptoError::openssl("encode CA key"))?;
        Ok(KeyPair {
            private_key_pem: String::from_utf8_lossy(&key).into_owned(),
            certificate_pem: self.certificate_pem()?,
        })
    }

    /// The CA certificate (what SCEP `GetCACert` returns).
    pub fn certificate(&self) -> &X509 {
        &self.cert
    }

    pub fn certificate_der(&self) -> Result<Vec<u8>, CryptoError> {
        self.cert
            .to_der()
            .map_err(CryptoError::openssl("encode CA certificate"))
    }

    pub fn certificate_pem(&self) -> Result<String, CryptoError> {
        let pem = self
            .cert
            .to_pem()
            .map_err(CryptoError::openssl("encode CA certificate"))?;
        Ok(String::from_utf8_lossy(&pem).into_owned())
    }

    pub(crate) fn private_key(&self) -> &PKey<Private> {
        &self.key
    }

    /// Issues a TLS-client certificate for a CSR (PEM or DER). The CSR's
    /// self-signature is checked first; `subject_cn` replaces the subject
    /// with a single CN when given.
    pub fn issue_client_certificate(
        &self,
        csr: &[u8],
        subject_cn: Option<&str>,
        validity_days: u32,
        serial: u64,
    ) -> Result<IssuedCertificate, CryptoError> {
        check_validity(validity_days)?;
        if serial == 0 {
            return Err(CryptoError::InvalidParameter {
                field: "serial",
                reason: "must be positive (RFC 5280 4.1.2.2)".into(),
            });
        }
        let req = load_csr(csr)?;
        let public = verified_csr_key(&req)?;
        check_client_key(&public)?;
        let subject = match subject_cn {
            Some(cn) => single_cn(cn)?,
            None => req
                .subject_name()
                .to_owned()
                .map_err(CryptoError::openssl("copy CSR subject"))?,
        };
        let cert = self
            .build_client_certificate(&public, &subject, validity_days, serial)
            .map_err(CryptoError::openssl("issue certificate"))?;
        let certificate_der = cert
            .to_der()
            .map_err(CryptoError::openssl("encode certificate"))?;
        let pem = cert
            .to_pem()
            .map_err(CryptoError::openssl("encode certificate"))?;
        Ok(IssuedCertificate {
            info: certificate_info(&certificate_der)?,
            certificate_pem: String::from_utf8_lossy(&pem).into_owned(),
            certificate_der,
        })
    }

    pub(crate) fn build_client_certificate(
        &self,
        public: &PKeyRef<Public>,
        subject: &X509NameRef,
        validity_days: u32,
        serial: u64,
    ) -> Result<X509, openssl::error::ErrorStack> {
        let now = unix_now();
        let mut b = X509Builder::new()?;
        b.set_version(2)?;
        let serial = BigNum::from_slice(&serial.to_be_bytes())?;
        b.set_serial_number(Asn1Integer::from_bn(&serial)?.as_ref())?;
        b.set_subject_name(subject)?;
        b.set_issuer_name(self.cert.subject_name())?;
        b.set_pubkey(public)?;
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
        b.append_extension(ExtendedKeyUsage::new().client_auth().build()?)?;
        let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(Some(&self.cert), None))?;
        b.append_extension(ski)?;
        let aki = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&b.x509v3_context(Some(&self.cert), None))?;
        b.append_extension(aki)?;
        b.sign(&self.key, MessageDigest::sha256())?;
        Ok(b.build())
    }
}

/// Whether basicConstraints says cA=TRUE. Read by hand: the `openssl`
/// crate has no accessor for basicConstraints.
fn is_ca_certificate(der: &[u8]) -> bool {
    let find = || -> Result<bool, String> {
        let (cert, _) = ber::parse(der)?;
        let tbs = cert.children().next().ok_or("empty certificate")??;
        for field in tbs.children() {
            let field = field?;
            if !field.is(ber::CLASS_CONTEXT, 3) {
                continue;
            }
            let exts = field.children().next().ok_or("empty extensions")??;
            for ext in exts.children() {
                let mut parts = ext?.children();
                let oid = parts.next().ok_or("empty extension")??;
                if ber::oid_to_string(oid.content)? != "2.5.29.19" {
                    continue;
                }
                let value = parts.last().ok_or("extension without value")??;
                let (bc, _) = ber::parse(value.content)?;
                let first = bc.children().next().transpose()?;
                return Ok(first.is_some_and(|b| b.is(ber::CLASS_UNIVERSAL, 1) && b.content != [0]));
            }
        }
        Ok(false)
    };
    find().unwrap_or(false)
}

fn check_validity(days: u32) -> Result<(), CryptoError> {
    if days == 0 || days > MAX_VALIDITY_DAYS {
        return Err(CryptoError::InvalidParameter {
            field: "validity_days",
            reason: format!("must be between 1 and {MAX_VALIDITY_DAYS}"),
        });
    }
    Ok(())
}

fn build_ca_certificate(
    key: &PKey<Private>,
    cn: &str,
    validity_days: u32,
) -> Result<X509, openssl::error::ErrorStack> {
    let now = unix_now();
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COMMONNAME, cn)?;
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
    b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
    // digitalSignature and keyEncipherment too: the CA key also signs
    // CertRep and decrypts requests, and S/MIME purpose checks (OpenSSL's
    // CMS_verify among them) refuse a signer without digitalSignature.
    let usage = KeyUsage::new()
        .critical()
        .digital_signature()
        .key_encipherment()
        .key_cert_sign()
        .crl_sign()
        .build()?;
    b.append_extension(usage)?;
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None))?;
    b.append_extension(ski)?;
    b.sign(key, MessageDigest::sha256())?;
    Ok(b.build())
}

fn single_cn(cn: &str) -> Result<X509Name, CryptoError> {
    if cn.trim().is_empty() || cn.chars().count() > 64 || cn.chars().any(char::is_control) {
        return Err(CryptoError::InvalidCommonName {
            reason: "subject override must be 1 to 64 printable characters".into(),
        });
    }
    let op = CryptoError::openssl("build subject");
    let mut name = X509NameBuilder::new().map_err(CryptoError::openssl("build subject"))?;
    name.append_entry_by_nid(Nid::COMMONNAME, cn).map_err(op)?;
    Ok(name.build())
}

/// Parses a CSR given as PEM or DER.
pub(crate) fn load_csr(input: &[u8]) -> Result<X509Req, CryptoError> {
    let parsed = if input.windows(10).any(|w| w == b"-----BEGIN") {
        X509Req::from_pem(input)
    } else {
        X509Req::from_der(input)
    };
    parsed.map_err(|e| CryptoError::InvalidCsr {
        reason: format!("not a PEM or DER PKCS#10 request ({})", first_reason(&e)),
    })
}

/// The CSR's public key, after checking the CSR is signed by it (proof of
/// possession).
pub(crate) fn verified_csr_key(req: &X509Req) -> Result<PKey<Public>, CryptoError> {
    let public = req.public_key().map_err(|e| CryptoError::InvalidCsr {
        reason: format!("public key unreadable ({})", first_reason(&e)),
    })?;
    match req.verify(&public) {
        Ok(true) => Ok(public),
        _ => Err(CryptoError::InvalidCsr {
            reason: "signature does not verify with the request's own public key".into(),
        }),
    }
}

pub(crate) fn check_client_key(public: &PKeyRef<Public>) -> Result<(), CryptoError> {
    let ok = match public.id() {
        Id::RSA => public.bits() >= MIN_RSA_BITS,
        Id::EC => public.ec_key().ok().is_some_and(|ec| {
            matches!(
                ec.group().curve_name(),
                Some(Nid::X9_62_PRIME256V1) | Some(Nid::SECP384R1)
            )
        }),
        _ => false,
    };
    if ok {
        return Ok(());
    }
    Err(CryptoError::InvalidCsr {
        reason: format!(
            "public key {:?} of {} bits is not accepted (expected RSA >= {MIN_RSA_BITS} bits or EC P-256/P-384)",
            public.id(),
            public.bits()
        ),
    })
}
