//! MachineInfo: the plist an ADE device sends to its enrollment URL, with the keys of Apple's
//! schema (`vendor/apple-device-management/other/machineinfo.yaml`), CMS-signed with the device
//! identity from activation.

use cultivar_mdm_proto::Platform;
use plist::{Dictionary, Value};

use crate::checkin::Identity;
use crate::device::SimDevice;
use crate::error::SimError;

/// The language Setup Assistant reports (`LANGUAGE`).
pub const LANGUAGE: &str = "en";

/// The MachineInfo dictionary of `device`. `OS_VERSION` and `MDM_CAN_REQUEST_SOFTWARE_UPDATE`
/// appear from iOS/tvOS 17 and macOS 14 as the schema says (the latter not on tvOS).
pub fn machine_info(device: &SimDevice) -> Dictionary {
    let mut d = Dictionary::new();
    let mut put = |k: &str, v: &str| {
        d.insert(k.to_string(), Value::String(v.to_string()));
    };
    if !device.is_user_enrollment() {
        put("UDID", &device.udid);
        put("SERIAL", &device.serial_number);
    }
    put("PRODUCT", device.model.product_name);
    put("VERSION", &device.build_version);
    put("LANGUAGE", LANGUAGE);
    let platform = device.family().platform();
    let first_major = match platform {
        Platform::MacOs => 14,
        _ => 17,
    };
    let major = device
        .os_version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(0);
    if major >= first_major {
        put("OS_VERSION", &device.os_version);
        if platform != Platform::TvOs {
            d.insert(
                "MDM_CAN_REQUEST_SOFTWARE_UPDATE".into(),
                Value::Boolean(true),
            );
        }
    }
    d
}

/// MachineInfo as XML plist bytes.
pub fn machine_info_xml(device: &SimDevice) -> Result<Vec<u8>, SimError> {
    let mut out = Vec::new();
    plist::to_writer_xml(&mut out, &machine_info(device)).map_err(|e| SimError::Protocol {
        step: "MachineInfo",
        reason: format!("cannot encode the plist ({e})"),
    })?;
    Ok(out)
}

/// MachineInfo signed with `identity`: CMS SignedData (DER) with the plist attached.
pub fn signed_machine_info(device: &SimDevice, identity: &Identity) -> Result<Vec<u8>, SimError> {
    let plist = machine_info_xml(device)?;
    cultivar_crypto::sign_machine_info(&plist, &identity.key_pem, &identity.cert_pem, &[])
        .map_err(SimError::crypto("MachineInfo signature"))
}
