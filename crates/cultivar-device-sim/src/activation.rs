//! The device's side of activation: during Setup Assistant it asks Apple (here, the ABM
//! simulator's activation service, `POST /_sim/activation`) for its cloud configuration: the ADE
//! profile its MDM server assigned, and the device identity that signs MachineInfo.
//!
//! The wire types mirror cultivar-abm-sim's on purpose instead of depending on that crate: the
//! device simulator stays a plain HTTP client, as a device is.

use serde::{Deserialize, Serialize};

use crate::checkin::Identity;
use crate::device::SimDevice;
use crate::error::SimError;

/// The ADE profile as the activation service hands it to the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdeProfile {
    pub profile_uuid: String,
    pub profile_name: String,
    /// Where the device sends its signed MachineInfo.
    pub url: String,
    #[serde(default)]
    pub configuration_web_url: Option<String>,
    #[serde(default)]
    pub anchor_certs: Vec<String>,
    pub await_device_configured: bool,
    pub is_supervised: bool,
    pub is_mandatory: bool,
    pub is_mdm_removable: bool,
    #[serde(default)]
    pub skip_setup_items: Vec<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub organization_name: Option<String>,
}

#[derive(Deserialize)]
struct WireIdentity {
    key_pem: String,
    certificate_pem: String,
    ca_certificate_pem: String,
}

#[derive(Deserialize)]
struct WireActivation {
    profile: AdeProfile,
    identity: WireIdentity,
}

#[derive(Deserialize)]
struct WireRefusal {
    error: String,
    code: String,
}

/// What activation gave the device.
#[derive(Debug, Clone)]
pub struct Activation {
    pub profile: AdeProfile,
    /// The device identity from Apple's device CA (signs MachineInfo, not MDM requests).
    pub identity: Identity,
    /// The device CA certificate (PEM).
    pub ca_certificate_pem: String,
}

/// Asks the activation service at `abm_url` (the ABM simulator's root) for `device`'s profile.
/// A refusal (unknown serial, no MDM server, no profile) is [`SimError::ActivationRefused`].
pub async fn activate(
    http: &reqwest::Client,
    abm_url: &str,
    device: &SimDevice,
) -> Result<Activation, SimError> {
    let step = "activation";
    let url = format!("{}/_sim/activation", abm_url.trim_end_matches('/'));
    let body = serde_json::json!({
        "serial_number": device.serial_number,
        "udid": device.udid,
    });
    let response = http
        .post(&url)
        .json(&body)
        .send()
        .await
        .map_err(SimError::http(step, &url))?;
    let status = response.status().as_u16();
    let bytes = response.bytes().await.map_err(SimError::http(step, &url))?;
    if status == 404 {
        if let Ok(refusal) = serde_json::from_slice::<WireRefusal>(&bytes) {
            return Err(SimError::ActivationRefused {
                serial: device.serial_number.clone(),
                code: refusal.code,
                reason: refusal.error,
            });
        }
    }
    if status != 200 {
        return Err(SimError::Status {
            step,
            url,
            status,
            body: String::from_utf8_lossy(&bytes).chars().take(500).collect(),
        });
    }
    let wire: WireActivation = serde_json::from_slice(&bytes).map_err(|e| SimError::Protocol {
        step,
        reason: format!("answer is not an activation record ({e})"),
    })?;
    Ok(Activation {
        profile: wire.profile,
        identity: Identity {
            key_pem: wire.identity.key_pem.into_bytes(),
            cert_pem: wire.identity.certificate_pem.into_bytes(),
        },
        ca_certificate_pem: wire.identity.ca_certificate_pem,
    })
}
