//! The ADE enrollment endpoint (the `url` of every ADE profile, `/mdm/ade/enroll`): a device in
//! Setup Assistant sends its CMS-signed MachineInfo; cultivar checks the signature against the
//! configured anchors (Apple's root in production), finds the serial's ABM record and resolved
//! ADE profile, and answers the signed enrollment profile, a refusal naming the reason, or
//! Apple's `com.apple.softwareupdate.required` when the device must update first.

use cultivar_crypto::CryptoError;
use cultivar_store::NewAuditEntry;
use plist::{Dictionary, Value};

use super::{MdmError, MdmService};
use crate::ade::{AdeOs, AdeService, Outcome, UnassignedReason};
use crate::CoreError;

/// The path of the ADE enrollment endpoint under the public base URL.
pub const ADE_ENROLL_PATH: &str = "/mdm/ade/enroll";
/// Apple's 403 code that makes Setup Assistant update the OS and retry.
pub const SOFTWARE_UPDATE_REQUIRED: &str = "com.apple.softwareupdate.required";

/// What the endpoint checks devices against (from the server configuration).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdeEnrollPolicy {
    /// Trusted roots for the MachineInfo signer, one certificate (PEM or DER) each.
    pub anchors: Vec<Vec<u8>>,
    /// Minimum iOS/iPadOS version (e.g. `17.2`, or `17.1 (a)`); older devices must update.
    pub min_os_ios: Option<String>,
    /// Minimum macOS version.
    pub min_os_macos: Option<String>,
}

/// The keys of MachineInfo cultivar reads (Apple's `other/machineinfo.yaml`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MachineInfo {
    pub udid: String,
    pub serial: String,
    pub product: String,
    /// The build (`VERSION`, e.g. `21A329`).
    pub version: String,
    /// `OS_VERSION` (iOS 17 / macOS 14 and later).
    pub os_version: Option<String>,
    pub language: Option<String>,
    pub software_update_device_id: Option<String>,
    pub supplemental_build_version: Option<String>,
    /// `MDM_CAN_REQUEST_SOFTWARE_UPDATE`: only then may the server ask for an update.
    pub can_request_software_update: bool,
}

/// A successful answer of the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdeEnrollReply {
    /// The signed enrollment profile (`application/x-apple-aspen-config`).
    Profile(Vec<u8>),
    /// HTTP 403 with this JSON body (Apple's `com.apple.softwareupdate.required`).
    SoftwareUpdateRequired(Vec<u8>),
}

impl MdmService {
    /// Answers a device's signed MachineInfo (DER CMS). Refusals (400/403) are audited.
    pub async fn ade_enroll(
        &self,
        ade: &AdeService,
        signed: &[u8],
        policy: &AdeEnrollPolicy,
    ) -> Result<AdeEnrollReply, MdmError> {
        let mut info = None;
        let result = self.ade_enroll_inner(ade, signed, policy, &mut info).await;
        match &result {
            Err(e) => self.audit_ade_refusal(info.as_ref(), e).await,
            Ok(AdeEnrollReply::SoftwareUpdateRequired(_)) => {
                let e = MdmError::forbidden(SOFTWARE_UPDATE_REQUIRED);
                self.audit_ade_refusal(info.as_ref(), &e).await;
            }
            Ok(AdeEnrollReply::Profile(_)) => {}
        }
        result
    }

    async fn ade_enroll_inner(
        &self,
        ade: &AdeService,
        signed: &[u8],
        policy: &AdeEnrollPolicy,
        seen: &mut Option<MachineInfo>,
    ) -> Result<AdeEnrollReply, MdmError> {
        let anchors: Vec<&[u8]> = policy.anchors.iter().map(Vec::as_slice).collect();
        let plist = cultivar_crypto::verify_signed_machine_info(signed, &anchors)
            .map_err(signature_error)?;
        let info = parse_machine_info(&plist)?;
        *seen = Some(info.clone());
        let explanation = match ade.explain(&info.serial).await {
            Ok(x) => x,
            Err(CoreError::NotFound { .. }) => {
                return Err(MdmError::forbidden(format!(
                    "serial {}: not a device of this organization in Apple Business Manager \
                     (no ABM record synced)",
                    info.serial
                )))
            }
            Err(e) => return Err(MdmError::internal(e)),
        };
        let os = match explanation.resolution.outcome {
            Outcome::Assigned { .. } => explanation.resolution.device_os,
            Outcome::Unassigned(reason) => {
                return Err(MdmError::forbidden(format!(
                    "serial {}: {}",
                    info.serial,
                    unassigned_text(&reason)
                )))
            }
        };
        if let Some(body) = update_required(&info, os, policy) {
            return Ok(AdeEnrollReply::SoftwareUpdateRequired(body));
        }
        // The SCEP challenge is bound to the device channel id the device will check in with.
        match self.enrollment_profile(&info.udid).await {
            Ok(profile) => Ok(AdeEnrollReply::Profile(profile)),
            Err(e) => Err(MdmError::internal(e)),
        }
    }

    async fn audit_ade_refusal(&self, info: Option<&MachineInfo>, err: &MdmError) {
        let status = match err {
            MdmError::BadRequest(_) => 400,
            MdmError::Forbidden(_) => 403,
            MdmError::Store(_) | MdmError::Internal(_) => return,
        };
        let entry = NewAuditEntry {
            actor: "device".to_owned(),
            action: "mdm.request.refused".to_owned(),
            target: info.map(|i| format!("abm_device:{}", i.serial)),
            detail: serde_json::json!({
                "endpoint": ADE_ENROLL_PATH,
                "status": status,
                "reason": err.to_string(),
                "serial": info.map(|i| &i.serial),
                "udid": info.map(|i| &i.udid),
            }),
        };
        if let Err(e) = self.store.append_audit(&entry).await {
            tracing::warn!(error = %e, "could not audit a refused ADE enrollment");
        }
    }
}

/// A damaged message is a 400; a well-formed one from a signer we do not trust is a 403.
fn signature_error(e: CryptoError) -> MdmError {
    match e {
        CryptoError::NotSignedData { .. } | CryptoError::NoSignerCertificate { .. } => {
            MdmError::bad(format!("MachineInfo: {e}"))
        }
        other => MdmError::forbidden(format!("MachineInfo: {other}")),
    }
}

/// Reads MachineInfo; a missing required key is named.
pub fn parse_machine_info(xml: &[u8]) -> Result<MachineInfo, MdmError> {
    let dict: Dictionary = plist::from_bytes(xml)
        .map_err(|e| MdmError::bad(format!("MachineInfo: not a plist dictionary ({e})")))?;
    let text = |key: &str| dict.get(key).and_then(Value::as_string).map(str::to_owned);
    let required = |key: &str| {
        text(key)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| MdmError::bad(format!("MachineInfo: {key} is required (a string)")))
    };
    Ok(MachineInfo {
        udid: required("UDID")?,
        serial: required("SERIAL")?,
        product: required("PRODUCT")?,
        version: required("VERSION")?,
        os_version: text("OS_VERSION"),
        language: text("LANGUAGE"),
        software_update_device_id: text("SOFTWARE_UPDATE_DEVICE_ID"),
        supplemental_build_version: text("SUPPLEMENTAL_BUILD_VERSION"),
        can_request_software_update: dict
            .get("MDM_CAN_REQUEST_SOFTWARE_UPDATE")
            .and_then(Value::as_boolean)
            .unwrap_or(false),
    })
}

fn unassigned_text(reason: &UnassignedReason) -> String {
    match reason {
        UnassignedReason::DeviceRemoved => {
            "removed from its ABM server, so it has no ADE profile from cultivar".into()
        }
        UnassignedReason::UnknownOs { reported } => format!(
            "unassigned: ABM reports OS {:?}, which cultivar does not know",
            reported.as_deref().unwrap_or("none")
        ),
        UnassignedReason::NoDefaultForOs(os) => {
            format!("unassigned: no profile for this {os} device and no {os} default")
        }
        UnassignedReason::ProfileForAnotherOs {
            profile_os,
            device_os,
            ..
        } => format!(
            "unassigned: the profile that applies is a {profile_os} profile but this is a \
             {device_os} device"
        ),
    }
}

/// Apple's 403 body when a minimum is set for the device's OS, the device is older and says it
/// can update (`MDM_CAN_REQUEST_SOFTWARE_UPDATE`); older clients would only fail, so they enroll.
fn update_required(
    info: &MachineInfo,
    os: Option<AdeOs>,
    policy: &AdeEnrollPolicy,
) -> Option<Vec<u8>> {
    let family = os.or_else(|| os_from_product(&info.product))?;
    let min = match family {
        AdeOs::Ios | AdeOs::IpadOs => policy.min_os_ios.as_deref(),
        AdeOs::MacOs => policy.min_os_macos.as_deref(),
        _ => None,
    }?;
    let current = info.os_version.as_deref()?;
    if !info.can_request_software_update || version_parts(current) >= version_parts(min) {
        return None;
    }
    let body = serde_json::json!({
        "code": SOFTWARE_UPDATE_REQUIRED,
        "message": format!("This device must update to {min} before it can enroll."),
        "details": {"OSVersion": min},
    });
    serde_json::to_vec(&body).ok()
}

fn os_from_product(product: &str) -> Option<AdeOs> {
    if product.starts_with("iPhone") || product.starts_with("iPod") {
        Some(AdeOs::Ios)
    } else if product.starts_with("iPad") {
        Some(AdeOs::IpadOs)
    } else if product.starts_with("Mac") || product.starts_with("VirtualMac") {
        Some(AdeOs::MacOs)
    } else {
        None
    }
}

/// `17.1 (a)` → [17, 1, 0]: numeric parts, padded so `17` equals `17.0`.
pub fn version_parts(v: &str) -> Vec<u32> {
    let numeric = v.split_whitespace().next().unwrap_or_default();
    let mut parts: Vec<u32> = numeric.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    parts.resize(parts.len().max(3), 0);
    parts
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert!(version_parts("16.7.2") < version_parts("17.0"));
        assert!(version_parts("17.10") > version_parts("17.9"));
        assert_eq!(version_parts("17"), version_parts("17.0.0"));
        assert_eq!(version_parts("17.1 (a)"), version_parts("17.1"));
    }

    fn info(os: &str, can: bool) -> MachineInfo {
        MachineInfo {
            product: "iPhone15,2".into(),
            os_version: Some(os.into()),
            can_request_software_update: can,
            ..MachineInfo::default()
        }
    }

    #[test]
    fn update_is_required_only_below_the_minimum_and_when_the_device_can() {
        let policy = AdeEnrollPolicy {
            min_os_ios: Some("17.2".into()),
            ..AdeEnrollPolicy::default()
        };
        let body = update_required(&info("17.1", true), None, &policy);
        let json: serde_json::Value = serde_json::from_slice(&body.unwrap_or_default()).unwrap();
        assert_eq!(json["code"], SOFTWARE_UPDATE_REQUIRED);
        assert_eq!(json["details"]["OSVersion"], "17.2");
        assert!(update_required(&info("17.2", true), None, &policy).is_none());
        assert!(update_required(&info("17.1", false), None, &policy).is_none());
        assert!(update_required(&info("17.1", true), Some(AdeOs::MacOs), &policy).is_none());
    }

    #[test]
    fn missing_keys_are_named() {
        let xml = br#"<?xml version="1.0"?><plist version="1.0"><dict>
            <key>UDID</key><string>u</string><key>PRODUCT</key><string>iPhone15,2</string>
            <key>VERSION</key><string>21A1</string></dict></plist>"#;
        let err = parse_machine_info(xml).unwrap_err().to_string();
        assert!(err.contains("SERIAL is required"), "{err}");
    }
}
