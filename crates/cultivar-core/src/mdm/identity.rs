//! Who sent a device request: the identity certificate from the `Mdm-Signature` header (a
//! detached CMS signature over the exact body) or, when an administrator configured one, from a
//! header set by the TLS-terminating proxy. The certificate must come from the device CA and be
//! within its validity; after `Authenticate` it must also be the one bound to the enrollment.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cultivar_crypto::{certificate_info, sha256, verify_issued_by, verify_mdm_signature};
use time::OffsetDateTime;

use super::{MdmError, MdmService};

/// A request as the device sent it.
#[derive(Debug, Clone, Copy)]
pub struct DeviceRequest<'a> {
    /// The exact body bytes.
    pub body: &'a [u8],
    /// The `Mdm-Signature` header.
    pub mdm_signature: Option<&'a str>,
    /// The trusted proxy's client-certificate header: only pass it when the header name is
    /// configured (anyone can send any header to a server not behind that proxy).
    pub forwarded_cert: Option<&'a str>,
}

/// The device identity certificate a request was made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCertificate {
    /// SHA-256 of the DER certificate, lower-case hex: what enrollments bind.
    pub sha256: String,
    pub not_after: OffsetDateTime,
}

/// Most certificates [`KnownCerts`] remembers before it starts over.
const KNOWN_CERTS_MAX: usize = 200_000;

/// Certificates (by SHA-256 of the bytes received) already parsed and found to be issued by
/// the device CA, with their validity. Every request of a device carries the same certificate,
/// and parsing it and checking the CA's signature on it again is most of the work of a request
/// after the body's own signature; the CA does not change while the process runs.
#[derive(Default)]
pub(crate) struct KnownCerts {
    certs: Mutex<HashMap<[u8; 32], KnownCert>>,
}

#[derive(Clone)]
struct KnownCert {
    sha256_hex: String,
    not_before: i64,
    not_after: i64,
}

impl KnownCerts {
    fn get(&self, key: &[u8; 32]) -> Option<KnownCert> {
        self.certs.lock().ok()?.get(key).cloned()
    }

    fn insert(&self, key: [u8; 32], cert: KnownCert) {
        if let Ok(mut certs) = self.certs.lock() {
            if certs.len() >= KNOWN_CERTS_MAX {
                certs.clear();
            }
            certs.insert(key, cert);
        }
    }
}

impl MdmService {
    /// The request's identity certificate, checked: readable (else 400), issued by the device
    /// CA and valid now (else 403). Binding to an enrollment is checked per message.
    pub async fn device_certificate(
        &self,
        req: &DeviceRequest<'_>,
    ) -> Result<DeviceCertificate, MdmError> {
        let cert = match (req.mdm_signature, req.forwarded_cert) {
            (Some(sig), _) => {
                verify_mdm_signature(sig, req.body)
                    .map_err(|e| MdmError::bad(format!("Mdm-Signature: {e}")))?
                    .certificate_der
            }
            (None, Some(header)) => forwarded_certificate(header)?,
            (None, None) => {
                return Err(MdmError::bad(
                    "no device identity: the request has no Mdm-Signature header \
                     (the enrollment profile must set SignMessage) and no client certificate",
                ))
            }
        };
        let key = sha256(&cert);
        let known = match self.known_certs.get(&key) {
            Some(known) => known,
            None => {
                let known = self.check_issuer(&cert).await?;
                self.known_certs.insert(key, known.clone());
                known
            }
        };
        let now = self.clock.now().unix_timestamp();
        if now < known.not_before || now > known.not_after {
            return Err(MdmError::forbidden(
                "identity certificate: outside its validity period (expired or not yet valid)",
            ));
        }
        let not_after = OffsetDateTime::from_unix_timestamp(known.not_after)
            .map_err(|e| MdmError::bad(format!("identity certificate: notAfter: {e}")))?;
        Ok(DeviceCertificate {
            sha256: known.sha256_hex,
            not_after,
        })
    }

    /// Parses `cert` (400 if unreadable) and checks it was issued by the device CA (else 403).
    async fn check_issuer(&self, cert: &[u8]) -> Result<KnownCert, MdmError> {
        let info = certificate_info(cert)
            .map_err(|e| MdmError::bad(format!("identity certificate: {e}")))?;
        let ca = self
            .device_ca()
            .await
            .map_err(|e| MdmError::internal(format!("device CA: {e}")))?;
        verify_issued_by(cert, ca.certificate_pem().as_bytes()).map_err(|e| {
            MdmError::forbidden(format!(
                "identity certificate: not issued by cultivar's device CA ({e})"
            ))
        })?;
        Ok(KnownCert {
            sha256_hex: info.sha256_fingerprint_hex,
            not_before: info.not_before,
            not_after: info.not_after,
        })
    }

    /// Fails with 403 unless `cert` is bound to the device channel `device_id` (bound at its
    /// `Authenticate`; user channels share their device's certificate).
    pub(crate) async fn check_bound(
        &self,
        cert: &DeviceCertificate,
        device_id: &str,
    ) -> Result<(), MdmError> {
        let bound = self.store.mdm_cert_binding(&cert.sha256).await?;
        binding_refusal(bound.map(|b| b.enrollment_id).as_deref(), device_id).map_or(Ok(()), Err)
    }
}

/// The refusal (403) when a certificate bound to `bound_to` (or to nothing) is used for the
/// device channel `device_id`; `None` when it may.
pub(crate) fn binding_refusal(bound_to: Option<&str>, device_id: &str) -> Option<MdmError> {
    match bound_to {
        Some(b) if b == device_id => None,
        Some(_) => Some(MdmError::forbidden(format!(
            "identity certificate: bound to another enrollment, not {device_id}"
        ))),
        None => Some(MdmError::forbidden(format!(
            "identity certificate: not bound to enrollment {device_id} (the device must \
             Authenticate with it first)"
        ))),
    }
}

/// A certificate forwarded by a proxy: RFC 9440 (`:base64-DER:`) or a URL-escaped PEM (nginx
/// `$ssl_client_escaped_cert`). Returns DER or PEM bytes.
pub fn forwarded_certificate(header: &str) -> Result<Vec<u8>, MdmError> {
    let value = header.trim();
    let bad = |rule: &str| MdmError::bad(format!("client certificate header: {rule}"));
    if let Some(inner) = value.strip_prefix(':').and_then(|v| v.strip_suffix(':')) {
        return STANDARD
            .decode(inner)
            .map_err(|_| bad("RFC 9440 value is not base64 between colons"));
    }
    let pem = percent_decode(value).ok_or_else(|| bad("invalid %-escape"))?;
    if !pem.starts_with(b"-----BEGIN CERTIFICATE-----") {
        return Err(bad(
            "expected :base64-DER: (RFC 9440) or a URL-escaped PEM certificate",
        ));
    }
    Ok(pem)
}

/// Decodes `%XX` escapes; `+` stays `+` (nginx escapes it, and PEM base64 uses it).
fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}
