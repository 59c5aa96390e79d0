//! The simulator as Apple's activation service. During Setup Assistant a real device asks Apple
//! for its cloud configuration: the ADE profile its MDM server assigned to its serial, and it
//! signs MachineInfo with the identity Apple's device CA gave it. The simulator keeps its own
//! "Apple device CA" in the state file (generated on first use), publishes its certificate at
//! `GET /_sim/device-ca.pem` (cultivar trusts it as a MachineInfo anchor in tests and demos) and
//! answers `POST /_sim/activation` with the profile and a fresh identity, or Apple's refusal.
//!
//! The CA is generated lazily rather than in `Sim::new` so the many simulators that never
//! activate a device do not pay for an RSA-3072 key.

use crate::error::AdminError;
use crate::state::{ProfileState, SimState};
use crate::Sim;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cultivar_crypto::device_keys::{build_csr_for_key, generate_device_key};
use cultivar_crypto::CertificateAuthority;
use serde::{Deserialize, Serialize};

/// Common name of the simulated Apple device CA.
pub const DEVICE_CA_NAME: &str = "Cultivar Simulated Apple iPhone Device CA";
const DEVICE_CA_DAYS: u32 = 3650;
const IDENTITY_DAYS: u32 = 3650;
const IDENTITY_KEY_BITS: u32 = 2048;

/// The device CA as stored in the state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCaRec {
    pub key_pem: String,
    pub certificate_pem: String,
}

/// `POST /_sim/activation`: what a device tells the activation service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationRequest {
    pub serial_number: String,
    pub udid: String,
}

/// The ADE profile as Apple hands it to the device (the fields of the profile the MDM server
/// defined, minus the device list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationProfile {
    pub profile_uuid: String,
    pub profile_name: String,
    /// The MDM server's enrollment URL: where the device POSTs its signed MachineInfo.
    pub url: String,
    #[serde(default)]
    pub configuration_web_url: Option<String>,
    /// DER certificates, base64, the device trusts for the URL's TLS.
    #[serde(default)]
    pub anchor_certs: Vec<String>,
    pub await_device_configured: bool,
    pub is_supervised: bool,
    pub is_mandatory: bool,
    pub is_mdm_removable: bool,
    pub is_multi_user: bool,
    #[serde(default)]
    pub skip_setup_items: Vec<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub support_phone_number: Option<String>,
    #[serde(default)]
    pub support_email_address: Option<String>,
    pub org_magic: String,
    pub organization_name: String,
}

/// The identity Apple's device CA gives the device (it signs MachineInfo with it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationIdentity {
    pub key_pem: String,
    pub certificate_pem: String,
    /// The device CA's certificate, the chain's anchor.
    pub ca_certificate_pem: String,
}

/// Reply of `POST /_sim/activation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activation {
    pub serial_number: String,
    pub profile: ActivationProfile,
    pub identity: ActivationIdentity,
}

/// Why activation has no cloud configuration for a device (`code` of the 404 body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RefusalCode {
    /// The serial is not in the organisation.
    DeviceNotFound,
    /// The device is in the organisation but assigned to no MDM server.
    DeviceNotAssigned,
    /// Assigned, but its server gave it no ADE profile (or removed it).
    ProfileNotAssigned,
}

/// The body of a refusal: `{"error": "...", "code": "..."}`, status 404.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub error: String,
    pub code: RefusalCode,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (StatusCode::NOT_FOUND, Json(self)).into_response()
    }
}

pub(crate) fn routes() -> Router<Sim> {
    Router::new()
        .route("/device-ca.pem", get(device_ca_pem))
        .route("/activation", post(activate))
}

async fn device_ca_pem(State(sim): State<Sim>) -> Result<Response, AdminError> {
    let ca = device_ca(&sim).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/x-pem-file")],
        ca.certificate_pem,
    )
        .into_response())
}

/// The device CA, generated and saved to the state file on first use.
pub(crate) async fn device_ca(sim: &Sim) -> Result<DeviceCaRec, AdminError> {
    if let Some(ca) = sim.state().device_ca.clone() {
        return Ok(ca);
    }
    let generated = tokio::task::spawn_blocking(|| {
        let ca = CertificateAuthority::generate(DEVICE_CA_NAME, DEVICE_CA_DAYS)?;
        let pem = ca.to_pem()?;
        Ok::<_, cultivar_crypto::CryptoError>(DeviceCaRec {
            key_pem: pem.private_key_pem,
            certificate_pem: pem.certificate_pem,
        })
    })
    .await
    .map_err(|e| internal(format!("device CA generation stopped: {e}")))?
    .map_err(|e| internal(format!("cannot generate the device CA: {e}")))?;
    let ca = {
        // Two first requests may race: the first one stored wins, both answer with it.
        let mut state = sim.state_mut();
        state.device_ca.get_or_insert(generated).clone()
    };
    sim.persist().await?;
    Ok(ca)
}

fn internal(message: String) -> AdminError {
    AdminError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message,
    }
}

async fn activate(State(sim): State<Sim>, body: Bytes) -> Result<Response, AdminError> {
    let req: ActivationRequest =
        serde_json::from_slice(&body).map_err(|e| AdminError::bad_request(format!("body: {e}")))?;
    check_request(&req)?;
    let profile = match lookup_profile(&sim.state(), &req.serial_number) {
        Ok(p) => p,
        Err(refusal) => return Ok(refusal.into_response()),
    };
    let ca = device_ca(&sim).await?;
    let udid = req.udid.clone();
    let serial = req.serial_number.clone();
    let identity = tokio::task::spawn_blocking(move || issue_identity(&ca, &serial, &udid))
        .await
        .map_err(|e| internal(format!("identity issuance stopped: {e}")))??;
    let now = sim.now_ms();
    // Apple reports the profile as pushed once the device has fetched it.
    sim.state_mut()
        .mark_pushed(&req.serial_number, now)
        .map_err(|e| AdminError::bad_request(format!("serial_number: {e}")))?;
    sim.persist().await?;
    Ok(Json(Activation {
        serial_number: req.serial_number,
        profile,
        identity,
    })
    .into_response())
}

fn check_request(req: &ActivationRequest) -> Result<(), AdminError> {
    if req.serial_number.trim().is_empty() {
        return Err(AdminError::bad_request("serial_number: must not be empty"));
    }
    let udid_ok = !req.udid.is_empty()
        && req.udid.len() <= 64
        && req
            .udid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !udid_ok {
        return Err(AdminError::bad_request(
            "udid: must be 1 to 64 letters, digits or '-'",
        ));
    }
    Ok(())
}

/// The profile Apple would hand the device with `serial`, or its refusal.
pub(crate) fn lookup_profile(state: &SimState, serial: &str) -> Result<ActivationProfile, Refusal> {
    let refuse = |code, error: String| Refusal { error, code };
    let Some(dev) = state.devices.get(serial) else {
        return Err(refuse(
            RefusalCode::DeviceNotFound,
            format!("serial_number: {serial} is not a device of this organisation"),
        ));
    };
    if dev.server.is_none() {
        return Err(refuse(
            RefusalCode::DeviceNotAssigned,
            format!("serial_number: {serial} is not assigned to an MDM server"),
        ));
    }
    let stored = dev
        .profile_uuid
        .as_ref()
        .filter(|_| dev.profile_status != ProfileState::Removed)
        .and_then(|uuid| state.profiles.get(uuid).map(|p| (uuid, p)));
    let Some((uuid, stored)) = stored else {
        return Err(refuse(
            RefusalCode::ProfileNotAssigned,
            format!("serial_number: {serial} has no ADE profile assigned by its MDM server"),
        ));
    };
    Ok(to_activation_profile(
        uuid,
        &stored.profile,
        &state.org.name,
    ))
}

fn to_activation_profile(
    uuid: &str,
    p: &cultivar_abm_proto::Profile,
    org: &str,
) -> ActivationProfile {
    ActivationProfile {
        profile_uuid: uuid.to_string(),
        profile_name: p.profile_name.clone(),
        url: p.url.clone().unwrap_or_default(),
        configuration_web_url: p.configuration_web_url.clone(),
        anchor_certs: p.anchor_certs.clone(),
        await_device_configured: p.await_device_configured.unwrap_or(false),
        is_supervised: p.is_supervised.unwrap_or(false),
        is_mandatory: p.is_mandatory.unwrap_or(false),
        is_mdm_removable: p.is_mdm_removable,
        is_multi_user: p.is_multi_user.unwrap_or(false),
        skip_setup_items: p.skip_setup_items.clone(),
        language: p.language.clone(),
        region: p.region.clone(),
        department: p.department.clone(),
        support_phone_number: p.support_phone_number.clone(),
        support_email_address: p.support_email_address.clone(),
        org_magic: p.org_magic.clone(),
        organization_name: org.to_string(),
    }
}

/// A key and a certificate from the device CA whose subject names the device the way Apple's
/// device identities do: CN = UDID, serialNumber = the hardware serial.
pub(crate) fn issue_identity(
    ca: &DeviceCaRec,
    serial: &str,
    udid: &str,
) -> Result<ActivationIdentity, AdminError> {
    let fail = |e: cultivar_crypto::CryptoError| internal(format!("device identity: {e}"));
    let authority =
        CertificateAuthority::from_pem(ca.key_pem.as_bytes(), ca.certificate_pem.as_bytes())
            .map_err(fail)?;
    let key = generate_device_key(IDENTITY_KEY_BITS).map_err(fail)?;
    let subject = vec![
        ("CN".to_string(), udid.to_string()),
        ("serialNumber".to_string(), serial.to_string()),
        ("OU".to_string(), "Device Identity".to_string()),
        ("O".to_string(), "Apple Inc.".to_string()),
    ];
    let csr = build_csr_for_key(key.as_bytes(), &subject, None).map_err(fail)?;
    let issued = authority
        .issue_client_certificate(&csr, None, IDENTITY_DAYS, certificate_serial(udid))
        .map_err(fail)?;
    Ok(ActivationIdentity {
        key_pem: key,
        certificate_pem: issued.certificate_pem,
        ca_certificate_pem: ca.certificate_pem.clone(),
    })
}

/// A positive 63-bit certificate serial from the UDID and a random part (a device may
/// activate more than once; each identity gets its own serial).
fn certificate_serial(udid: &str) -> u64 {
    let mut input = udid.as_bytes().to_vec();
    input.extend_from_slice(&cultivar_crypto::random_bytes(8));
    let digest = cultivar_crypto::sha256(&input);
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(bytes) >> 1).max(1)
}
