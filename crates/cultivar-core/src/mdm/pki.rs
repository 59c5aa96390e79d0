//! The device CA: it issues the identity certificates devices sign check-ins with (through SCEP,
//! and directly for tests). Generated on first use, its key sealed, stored once per database.

use std::sync::Arc;

use cultivar_crypto::{CertificateAuthority, IssuedCertificate};
use cultivar_store::MdmDeviceCa;

use super::MdmService;
use crate::CoreError;

/// Subject CN of the generated device CA.
pub const DEVICE_CA_COMMON_NAME: &str = "cultivar Device CA";
/// Validity of the device CA: ten years.
pub const DEVICE_CA_VALIDITY_DAYS: u32 = 3650;
/// Validity of a device identity certificate unless the caller chooses.
pub const DEFAULT_DEVICE_CERT_DAYS: u32 = 365;
/// Where the CA key is sealed (the AAD binds the ciphertext to this use).
const CA_KEY_AAD: &str = "mdm_device_ca:private_key";

/// The loaded device CA.
pub struct DeviceCa {
    ca: CertificateAuthority,
    certificate_pem: String,
}

impl std::fmt::Debug for DeviceCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCa").finish_non_exhaustive()
    }
}

impl DeviceCa {
    /// The CA certificate (PEM): what device certificates must chain to.
    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    /// The CA itself (SCEP signs and decrypts with it).
    pub fn authority(&self) -> &CertificateAuthority {
        &self.ca
    }
}

impl MdmService {
    /// The device CA, created (and stored) on first use. Instances sharing a database agree on
    /// one: the first stored wins, the others read it back.
    pub async fn device_ca(&self) -> Result<Arc<DeviceCa>, CoreError> {
        let ca = self
            .device_ca
            .get_or_try_init(|| async { self.load_or_create_device_ca().await.map(Arc::new) })
            .await?;
        Ok(ca.clone())
    }

    async fn load_or_create_device_ca(&self) -> Result<DeviceCa, CoreError> {
        let stored = match self.store.mdm_device_ca().await? {
            Some(stored) => stored,
            None => {
                let ca =
                    CertificateAuthority::generate(DEVICE_CA_COMMON_NAME, DEVICE_CA_VALIDITY_DAYS)
                        .map_err(CoreError::crypto)?;
                let pem = ca.to_pem().map_err(CoreError::crypto)?;
                let sealed = self
                    .secrets
                    .seal(CA_KEY_AAD, pem.private_key_pem.as_bytes())?;
                let new = MdmDeviceCa {
                    certificate_pem: pem.certificate_pem,
                    private_key_sealed: sealed,
                    created_at: self.clock.now(),
                };
                self.store.insert_mdm_device_ca_if_absent(&new).await?
            }
        };
        let key = self.secrets.open(CA_KEY_AAD, &stored.private_key_sealed)?;
        let ca = CertificateAuthority::from_pem(&key, stored.certificate_pem.as_bytes())
            .map_err(CoreError::crypto)?;
        Ok(DeviceCa {
            ca,
            certificate_pem: stored.certificate_pem,
        })
    }

    /// Issues a device identity certificate for a CSR (PEM or DER) from the device CA:
    /// TLS-client use, `validity_days` (default one year), a random serial. `subject_cn`
    /// replaces the CSR's subject when given.
    pub async fn issue_device_identity(
        &self,
        csr: &[u8],
        subject_cn: Option<&str>,
        validity_days: Option<u32>,
    ) -> Result<IssuedCertificate, CoreError> {
        let ca = self.device_ca().await?;
        let days = validity_days.unwrap_or(DEFAULT_DEVICE_CERT_DAYS);
        ca.ca
            .issue_client_certificate(csr, subject_cn, days, random_serial())
            .map_err(|e| CoreError::invalid("csr", &e.to_string()))
    }
}

/// A positive 63-bit serial: unique enough that two devices never share one.
fn random_serial() -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&cultivar_crypto::random_bytes(8));
    (u64::from_be_bytes(bytes) >> 1).max(1)
}
