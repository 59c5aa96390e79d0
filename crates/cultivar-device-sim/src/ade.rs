//! Automated Device Enrollment as a device in Setup Assistant does it: activation gives the ADE
//! profile and the device identity; the device sends MachineInfo signed with that identity to
//! the profile URL (`POST` with `Content-Type: application/pkcs7-signature`, or `GET` with the
//! signed MachineInfo base64 in `x-apple-aspen-deviceinfo`); the answer is the enrollment
//! profile, which it installs (SCEP, Authenticate, TokenUpdate with `AwaitingConfiguration`);
//! then it stays in Setup Assistant, polling, until the server sends `DeviceConfigured`.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cultivar_mdm_proto::EnrollmentKind;

use crate::activation::{activate, Activation, AdeProfile};
use crate::client::{MdmClient, SessionReport};
use crate::device::SimDevice;
use crate::enroll::enroll_with_profile;
use crate::error::SimError;
use crate::machine_info::signed_machine_info;

/// The MachineInfo content type of the `POST` form.
pub const MACHINE_INFO_CONTENT_TYPE: &str = "application/pkcs7-signature";
/// The header carrying the signed MachineInfo (base64) in the `GET` form.
pub const DEVICE_INFO_HEADER: &str = "x-apple-aspen-deviceinfo";
/// Apple's 403 error code: update the OS before enrolling.
pub const SOFTWARE_UPDATE_REQUIRED: &str = "com.apple.softwareupdate.required";
/// Sessions a device in Setup Assistant waits for `DeviceConfigured` before giving up (the
/// simulator's limit; a real device waits for good).
const MAX_SETUP_SESSIONS: usize = 5;

/// How the device sends MachineInfo to the profile URL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AdeMethod {
    /// `POST` of the CMS-signed MachineInfo (what devices do).
    #[default]
    Post,
    /// `GET` with `x-apple-aspen-deviceinfo`.
    Get,
}

/// What ADE enrollment did.
#[derive(Debug, Clone)]
pub struct AdeEnrollment {
    pub client: MdmClient,
    pub profile: AdeProfile,
    /// The sessions run while waiting in Setup Assistant (empty without await-configured).
    pub sessions: Vec<SessionReport>,
    /// Check-in round trips (Authenticate, TokenUpdate) then each session's.
    pub latencies: Vec<Duration>,
}

/// Full ADE enrollment of `device` with the activation service of the ABM simulator at
/// `abm_url`.
pub async fn enroll_ade(
    http: &reqwest::Client,
    device: &mut SimDevice,
    abm_url: &str,
    method: AdeMethod,
) -> Result<AdeEnrollment, SimError> {
    let activation = activate(http, abm_url, device).await?;
    enroll_ade_with(http, device, &activation, method).await
}

/// ADE enrollment from an activation record already obtained (tests build their own).
pub async fn enroll_ade_with(
    http: &reqwest::Client,
    device: &mut SimDevice,
    activation: &Activation,
    method: AdeMethod,
) -> Result<AdeEnrollment, SimError> {
    device.enrollment = EnrollmentKind::Ade;
    device.awaiting_configuration = activation.profile.await_device_configured;
    let signed = signed_machine_info(device, &activation.identity)?;
    let profile_bytes =
        fetch_enrollment_profile(http, &activation.profile.url, &signed, method).await?;
    let client = enroll_with_profile(http, device, &profile_bytes).await?;
    let mut latencies = Vec::new();
    let sessions = await_configuration(&client, device).await?;
    for s in &sessions {
        latencies.extend_from_slice(&s.latencies);
    }
    Ok(AdeEnrollment {
        client,
        profile: activation.profile.clone(),
        sessions,
        latencies,
    })
}

/// Sends signed MachineInfo to the profile URL and returns the enrollment profile. Apple's 403
/// `com.apple.softwareupdate.required` is [`SimError::SoftwareUpdateRequired`]; any other
/// non-200 answer is [`SimError::Status`].
pub async fn fetch_enrollment_profile(
    http: &reqwest::Client,
    url: &str,
    signed_machine_info: &[u8],
    method: AdeMethod,
) -> Result<Vec<u8>, SimError> {
    let step = "ADE enrollment profile";
    let request = match method {
        AdeMethod::Post => http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, MACHINE_INFO_CONTENT_TYPE)
            .body(signed_machine_info.to_vec()),
        AdeMethod::Get => http
            .get(url)
            .header(DEVICE_INFO_HEADER, STANDARD.encode(signed_machine_info)),
    };
    let response = request.send().await.map_err(SimError::http(step, url))?;
    let status = response.status().as_u16();
    let json = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("json"));
    let body = response.bytes().await.map_err(SimError::http(step, url))?;
    if status == 200 {
        return Ok(body.to_vec());
    }
    if status == 403 {
        if let Some(update) = software_update_required(&body, json) {
            return Err(update);
        }
    }
    Err(SimError::Status {
        step,
        url: url.to_string(),
        status,
        body: String::from_utf8_lossy(&body).chars().take(500).collect(),
    })
}

/// Reads Apple's 403 body (JSON or plist, as its Content-Type says) if it is
/// `com.apple.softwareupdate.required`.
fn software_update_required(body: &[u8], json: bool) -> Option<SimError> {
    let value: serde_json::Value = if json {
        serde_json::from_slice(body).ok()?
    } else {
        let v: plist::Value = plist::from_bytes(body).ok()?;
        serde_json::to_value(v).ok()?
    };
    if value.get("code")?.as_str()? != SOFTWARE_UPDATE_REQUIRED {
        return None;
    }
    let details = value.get("details");
    let text = |v: Option<&serde_json::Value>, k: &str| {
        v.and_then(|d| d.get(k))
            .and_then(|x| x.as_str())
            .map(str::to_string)
    };
    Some(SimError::SoftwareUpdateRequired {
        os_version: text(details, "OSVersion").unwrap_or_default(),
        build_version: text(details, "BuildVersion"),
        message: text(Some(&value), "message"),
    })
}

/// Polls in Setup Assistant until the server sends `DeviceConfigured`; a session that brings
/// no command while the device still waits means the server will not release it.
async fn await_configuration(
    client: &MdmClient,
    device: &mut SimDevice,
) -> Result<Vec<SessionReport>, SimError> {
    let mut sessions = Vec::new();
    while device.awaiting_configuration {
        if sessions.len() >= MAX_SETUP_SESSIONS {
            return Err(SimError::Protocol {
                step: "Setup Assistant",
                reason: format!(
                    "still awaiting configuration after {MAX_SETUP_SESSIONS} sessions; \
                     the server never sent DeviceConfigured"
                ),
            });
        }
        let report = client.session(device).await?;
        let idle = report.commands.is_empty();
        sessions.push(report);
        if idle && device.awaiting_configuration {
            return Err(SimError::Protocol {
                step: "Setup Assistant",
                reason: "the server has no commands but never sent DeviceConfigured".into(),
            });
        }
    }
    Ok(sessions)
}
