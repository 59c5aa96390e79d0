//! The APNs "MDM certificate": cultivar makes the key and CSR, the administrator has it
//! signed (vendor, then Apple's push portal) and uploads the certificate. The topic comes from
//! the certificate; a different topic than the one in force is refused unless forced, because
//! every enrolled device is bound to the topic of its MDM payload and would stop answering
//! pushes until it re-enrolls.

use cultivar_crypto::CryptoError;
use cultivar_store::{MdmPushActive, MdmPushCert, MdmPushPending};
use time::{Duration, OffsetDateTime};

use super::MdmService;
use crate::error::CoreError;

/// Where push keys are sealed (the AAD binds the ciphertext to this use).
pub(crate) const PUSH_KEY_AAD: &str = "cultivar:mdm:push-cert-key";
/// The CSR's subject CN (Apple's portal shows it; the signed certificate gets its own).
pub const PUSH_CSR_COMMON_NAME: &str = "cultivar MDM push";
/// A certificate this close to its end counts as expiring.
pub const PUSH_CERT_EXPIRING_WITHIN: Duration = Duration::days(30);

/// Where the push certificate stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushCertStatus {
    /// No certificate and no CSR.
    None,
    /// A CSR was generated; its signed certificate has not been uploaded.
    AwaitingCertificate,
    Active,
    /// In force, ending within [`PUSH_CERT_EXPIRING_WITHIN`]: renew it (same topic).
    Expiring,
    /// Past its end: APNs refuses it, devices get no pushes.
    Expired,
}

impl PushCertStatus {
    /// The API's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            PushCertStatus::None => "none",
            PushCertStatus::AwaitingCertificate => "awaiting_certificate",
            PushCertStatus::Active => "active",
            PushCertStatus::Expiring => "expiring",
            PushCertStatus::Expired => "expired",
        }
    }
}

/// What an administrator sees about the push certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushCertView {
    pub status: PushCertStatus,
    /// The topic in force (from the certificate's subject UID).
    pub topic: Option<String>,
    pub not_before: Option<OffsetDateTime>,
    pub not_after: Option<OffsetDateTime>,
    pub uploaded_at: Option<OffsetDateTime>,
    /// When the CSR still waiting for its certificate was generated.
    pub csr_created_at: Option<OffsetDateTime>,
}

fn view(stored: &MdmPushCert, now: OffsetDateTime) -> PushCertView {
    let a = stored.active.as_ref();
    let status = match a {
        Some(a) if a.not_after <= now => PushCertStatus::Expired,
        Some(a) if a.not_after - now <= PUSH_CERT_EXPIRING_WITHIN => PushCertStatus::Expiring,
        Some(_) => PushCertStatus::Active,
        None if stored.pending.is_some() => PushCertStatus::AwaitingCertificate,
        None => PushCertStatus::None,
    };
    PushCertView {
        status,
        topic: a.map(|a| a.topic.clone()),
        not_before: a.map(|a| a.not_before),
        not_after: a.map(|a| a.not_after),
        uploaded_at: a.map(|a| a.uploaded_at),
        csr_created_at: stored.pending.as_ref().map(|p| p.created_at),
    }
}

fn unix(field: &str, seconds: i64) -> Result<OffsetDateTime, CoreError> {
    OffsetDateTime::from_unix_timestamp(seconds)
        .map_err(|_| CoreError::invalid(field, "is not a representable date"))
}

fn invalid_certificate(e: &CryptoError) -> CoreError {
    CoreError::invalid("certificate", &e.to_string())
}

impl MdmService {
    /// The push certificate's status, topic and validity.
    pub async fn push_cert(&self) -> Result<PushCertView, CoreError> {
        let stored = self.store.mdm_push_cert().await?;
        Ok(view(&stored, self.clock.now()))
    }

    /// Generates a new key (sealed and kept as pending) and returns its CSR (PEM) for the
    /// administrator to have signed. The certificate in force keeps working meanwhile.
    pub async fn push_cert_csr(&self) -> Result<String, CoreError> {
        let csr =
            cultivar_crypto::generate_push_csr(PUSH_CSR_COMMON_NAME).map_err(CoreError::crypto)?;
        let sealed = self
            .secrets
            .seal(PUSH_KEY_AAD, csr.private_key_pem.as_bytes())?;
        let pending = MdmPushPending {
            key_sealed: sealed,
            csr_pem: csr.csr_pem.clone(),
            created_at: self.clock.now(),
        };
        self.store.set_mdm_push_pending(&pending).await?;
        tracing::info!("push certificate: new CSR generated");
        Ok(csr.csr_pem)
    }

    /// Puts a signed push certificate (PEM or DER) in force. It must belong to the pending
    /// CSR's key (or, re-uploaded, to the key in force). A topic other than the one in force
    /// is refused unless `force`. Nothing changes when it is refused.
    pub async fn upload_push_cert(
        &self,
        certificate: &[u8],
        force: bool,
    ) -> Result<PushCertView, CoreError> {
        let info = cultivar_crypto::push_certificate_info(certificate)
            .map_err(|e| invalid_certificate(&e))?;
        let certificate_pem = cultivar_crypto::certificate_to_pem("certificate", certificate)
            .map_err(|e| invalid_certificate(&e))?;
        let now = self.clock.now();
        let not_after = unix("certificate", info.not_after)?;
        if not_after <= now {
            return Err(CoreError::invalid(
                "certificate",
                "has expired; renew it in Apple's push portal and upload the new one",
            ));
        }
        let stored = self.store.mdm_push_cert().await?;
        let (key_sealed, consumed) = self.matching_key(&stored, certificate)?;
        if let Some(current) = &stored.active {
            if current.topic != info.topic && !force {
                return Err(CoreError::Conflict {
                    what: format!(
                        "certificate: its topic {:?} differs from the topic in force {:?}; \
                         every enrolled device is bound to the current topic and would stop \
                         receiving pushes until it re-enrolls. Renew the existing certificate \
                         in Apple's push portal instead, or upload with --force \
                         (force=true) to replace it anyway",
                        info.topic, current.topic
                    ),
                });
            }
        }
        let active = MdmPushActive {
            topic: info.topic,
            certificate_pem,
            private_key_sealed: key_sealed,
            not_before: unix("certificate", info.not_before)?,
            not_after,
            uploaded_at: now,
        };
        self.store
            .install_mdm_push_cert(&active, consumed.as_deref())
            .await?;
        tracing::info!(topic = %active.topic, "push certificate installed");
        let stored = self.store.mdm_push_cert().await?;
        Ok(view(&stored, now))
    }

    /// The sealed key `certificate` belongs to, and the pending key it consumes (if it is
    /// the pending one).
    fn matching_key(
        &self,
        stored: &MdmPushCert,
        certificate: &[u8],
    ) -> Result<(Vec<u8>, Option<Vec<u8>>), CoreError> {
        if let Some(p) = &stored.pending {
            if self.key_matches(&p.key_sealed, certificate)? {
                return Ok((p.key_sealed.clone(), Some(p.key_sealed.clone())));
            }
        }
        if let Some(a) = &stored.active {
            if self.key_matches(&a.private_key_sealed, certificate)? {
                return Ok((a.private_key_sealed.clone(), None));
            }
        }
        let rule = if stored.pending.is_some() || stored.active.is_some() {
            "was not issued for the key of cultivar's CSR; upload the certificate signed \
             from the latest CSR (cultivar mdm push-cert csr)"
        } else {
            "there is no CSR to match it; generate one first (cultivar mdm push-cert csr), \
             have it signed and upload the resulting certificate"
        };
        Err(CoreError::invalid("certificate", rule))
    }

    fn key_matches(&self, sealed: &[u8], certificate: &[u8]) -> Result<bool, CoreError> {
        let key = self.secrets.open(PUSH_KEY_AAD, sealed)?;
        match cultivar_crypto::check_key_matches_certificate(&key, certificate) {
            Ok(()) => Ok(true),
            Err(CryptoError::KeyCertificateMismatch) => Ok(false),
            Err(e) => Err(invalid_certificate(&e)),
        }
    }

    /// The certificate in force with its key opened, as one PEM identity (certificate
    /// first), and its topic; `None` without a certificate.
    pub(crate) async fn push_identity(&self) -> Result<Option<(String, String)>, CoreError> {
        let Some(a) = self.store.mdm_push_cert().await?.active else {
            return Ok(None);
        };
        let key = self.secrets.open(PUSH_KEY_AAD, &a.private_key_sealed)?;
        let mut pem = a.certificate_pem;
        if !pem.ends_with('\n') {
            pem.push('\n');
        }
        pem.push_str(&String::from_utf8_lossy(&key));
        Ok(Some((pem, a.topic)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn active(not_after: OffsetDateTime) -> MdmPushActive {
        MdmPushActive {
            topic: "com.apple.mgmt.External.x".into(),
            certificate_pem: "c".into(),
            private_key_sealed: vec![1],
            not_before: OffsetDateTime::UNIX_EPOCH,
            not_after,
            uploaded_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn status_follows_validity_and_pending_csr() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(1000);
        let pending = MdmPushPending {
            key_sealed: vec![1],
            csr_pem: "r".into(),
            created_at: now,
        };
        let cases = [
            (None, None, PushCertStatus::None),
            (
                None,
                Some(pending.clone()),
                PushCertStatus::AwaitingCertificate,
            ),
            (
                Some(active(now + Duration::days(90))),
                None,
                PushCertStatus::Active,
            ),
            (
                Some(active(now + Duration::days(29))),
                None,
                PushCertStatus::Expiring,
            ),
            (Some(active(now)), Some(pending), PushCertStatus::Expired),
        ];
        for (active, pending, want) in cases {
            let stored = MdmPushCert { active, pending };
            assert_eq!(view(&stored, now).status, want, "{stored:?}");
        }
    }
}
