//! Constructors for the commands cultivar sends. Each one builds exactly the keys Apple's schema
//! names for its RequestType; the tests validate every constructor against the schema.

use plist::{Dictionary, Value};

use crate::command::Command;
use crate::fields::{put_bool, put_str};

/// Options of `DeviceLock` (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceLockOptions {
    /// `Message` shown on the lock screen.
    pub message: Option<String>,
    /// `PhoneNumber` shown on the lock screen.
    pub phone_number: Option<String>,
    /// `PIN`: six digits, macOS only; store it before sending, it is needed to unlock the Mac.
    pub pin: Option<String>,
}

/// `EraseDevice.ObliterationBehavior` (macOS 12+): what to do when Erase All Content and Settings
/// cannot run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObliterationBehavior {
    Default,
    DoNotObliterate,
    ObliterateWithWarning,
    Always,
}

impl ObliterationBehavior {
    /// The value Apple's schema lists.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "Default",
            Self::DoNotObliterate => "DoNotObliterate",
            Self::ObliterateWithWarning => "ObliterateWithWarning",
            Self::Always => "Always",
        }
    }
}

/// Options of `EraseDevice` (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EraseDeviceOptions {
    /// `PIN`: the six-character Find My PIN (macOS).
    pub pin: Option<String>,
    /// `PreserveDataPlan` (iOS 11+).
    pub preserve_data_plan: Option<bool>,
    /// `DisallowProximitySetup` (iOS 11.3+).
    pub disallow_proximity_setup: Option<bool>,
    /// `ObliterationBehavior` (macOS 12+).
    pub obliteration_behavior: Option<ObliterationBehavior>,
}

impl Command {
    /// `DeviceInformation` asking for the named `Queries` (for example `OSVersion`).
    pub fn device_information<S: AsRef<str>>(queries: &[S]) -> Self {
        let queries = queries
            .iter()
            .map(|q| Value::String(q.as_ref().to_string()))
            .collect();
        let mut payload = Dictionary::new();
        payload.insert("Queries".to_string(), Value::Array(queries));
        Self::new("DeviceInformation", payload)
    }

    /// `InstallProfile` with the profile bytes (plain or CMS-signed `.mobileconfig`).
    pub fn install_profile(profile: Vec<u8>) -> Self {
        let mut payload = Dictionary::new();
        payload.insert("Payload".to_string(), Value::Data(profile));
        Self::new("InstallProfile", payload)
    }

    /// `DeviceLock`.
    pub fn device_lock(options: &DeviceLockOptions) -> Self {
        let mut payload = Dictionary::new();
        put_str(&mut payload, "Message", options.message.as_deref());
        put_str(&mut payload, "PhoneNumber", options.phone_number.as_deref());
        put_str(&mut payload, "PIN", options.pin.as_deref());
        Self::new("DeviceLock", payload)
    }

    /// `EraseDevice`.
    pub fn erase_device(options: &EraseDeviceOptions) -> Self {
        let mut payload = Dictionary::new();
        put_str(&mut payload, "PIN", options.pin.as_deref());
        put_bool(&mut payload, "PreserveDataPlan", options.preserve_data_plan);
        put_bool(
            &mut payload,
            "DisallowProximitySetup",
            options.disallow_proximity_setup,
        );
        put_str(
            &mut payload,
            "ObliterationBehavior",
            options
                .obliteration_behavior
                .map(ObliterationBehavior::as_str),
        );
        Self::new("EraseDevice", payload)
    }

    /// `DeviceConfigured`: releases an ADE device waiting in Setup Assistant
    /// (`AwaitingConfiguration`).
    pub fn device_configured() -> Self {
        Self::new("DeviceConfigured", Dictionary::new())
    }
}
