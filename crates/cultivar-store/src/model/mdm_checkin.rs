//! What the MDM check-in side stores besides channels and the queue: the device CA and the
//! inventory a device reports through `DeviceInformation`.

use std::fmt;

use time::OffsetDateTime;

use super::Redacted;

/// The CA that issues device identity certificates (one per installation).
#[derive(Clone, PartialEq, Eq)]
pub struct MdmDeviceCa {
    pub certificate_pem: String,
    /// PKCS#8 PEM, sealed by the caller.
    pub private_key_sealed: Vec<u8>,
    pub created_at: OffsetDateTime,
}

impl fmt::Debug for MdmDeviceCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MdmDeviceCa")
            .field("certificate_pem", &Redacted(self.certificate_pem.len()))
            .field(
                "private_key_sealed",
                &Redacted(self.private_key_sealed.len()),
            )
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// A `DeviceInformation` answer to keep on a channel. The device facts, when given, also
/// replace the channel's (absent ones keep what is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdmInventoryUpdate {
    pub enrollment_id: String,
    /// `QueryResponses` as JSON (a JSON object).
    pub inventory: serde_json::Value,
    pub device_name: Option<String>,
    pub os_version: Option<String>,
    pub build_version: Option<String>,
    pub product_name: Option<String>,
    pub model: Option<String>,
    pub at: OffsetDateTime,
}

/// The last inventory of a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdmInventory {
    pub enrollment_id: String,
    pub inventory: serde_json::Value,
    pub inventory_at: OffsetDateTime,
}
