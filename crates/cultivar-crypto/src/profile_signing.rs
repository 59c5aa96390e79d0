//! Signed configuration profiles: a `.mobileconfig` wrapped in CMS
//! SignedData with attached content, as Apple Configurator and
//! `security cms -S` produce; devices then show the profile as verified.

use crate::error::CryptoError;
use crate::machine_info::{sign_attached, verify_attached};

const FIELD: &str = "profile";
/// Profiles with embedded app configs can be large; 16 MiB is generous.
const MAX_BYTES: usize = 16 * 1024 * 1024;

/// Signs a profile with `key`/`cert` (PEM or DER); `chain` holds the
/// intermediates a device needs to build the path to a trusted root.
pub fn sign_profile(
    mobileconfig_xml: &[u8],
    key_pem: &[u8],
    cert_pem: &[u8],
    chain: &[&[u8]],
) -> Result<Vec<u8>, CryptoError> {
    if mobileconfig_xml.is_empty() {
        return Err(CryptoError::InvalidParameter {
            field: "mobileconfig",
            reason: "must not be empty".into(),
        });
    }
    sign_attached(mobileconfig_xml, key_pem, cert_pem, chain)
}

/// Verifies a signed profile against `trust_anchors` and returns the
/// profile XML (used by tests and to check uploaded signed profiles).
pub fn verify_signed_profile(
    signed_der: &[u8],
    trust_anchors: &[&[u8]],
) -> Result<Vec<u8>, CryptoError> {
    verify_attached(signed_der, trust_anchors, FIELD, MAX_BYTES)
}
