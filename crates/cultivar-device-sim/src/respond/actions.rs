//! Commands that change the device: profiles, apps, lock, erase, DeviceConfigured.

use plist::{Dictionary, Value};

use super::{Failure, Outcome, MDM_DOMAIN};
use crate::device::{App, SimDevice};
use crate::profile::Profile;

/// `MCProfileErrorDomain` 1000: "Malformed profile".
const PROFILE_DOMAIN: &str = "MCProfileErrorDomain";
const MALFORMED_PROFILE: i64 = 1000;
/// `MCMDMErrorDomain` codes from Apple's table.
const PROFILE_NOT_INSTALLED: i64 = 12075;
const APP_ALREADY_INSTALLED: i64 = 12025;
const APP_NOT_MANAGED: i64 = 12029;
const MALFORMED_REQUEST: i64 = 12008;

fn text(payload: &Dictionary, key: &str) -> Option<String> {
    payload
        .get(key)
        .and_then(Value::as_string)
        .map(str::to_string)
}

fn malformed(key: &str) -> Failure {
    Failure::new(
        MDM_DOMAIN,
        MALFORMED_REQUEST,
        format!("The MDM request is malformed: “{key}” is missing or invalid."),
    )
}

impl SimDevice {
    /// `InstallProfile`: parses the payload (plain or signed); a profile with the same
    /// `PayloadIdentifier` is replaced, as on a device.
    pub(super) fn install_profile(&mut self, payload: &Dictionary) -> Outcome {
        let Some(Value::Data(bytes)) = payload.get("Payload") else {
            return Err(malformed("Payload"));
        };
        let profile = Profile::parse(bytes).map_err(|e| {
            Failure::new(
                PROFILE_DOMAIN,
                MALFORMED_PROFILE,
                format!("The profile is malformed. ({e})"),
            )
        })?;
        self.profiles.insert(profile.identifier.clone(), profile);
        Ok(Dictionary::new())
    }

    /// `RemoveProfile` by `Identifier`. Removing the MDM profile unenrolls the device.
    pub(super) fn remove_profile(&mut self, payload: &Dictionary) -> Outcome {
        let id = text(payload, "Identifier").ok_or_else(|| malformed("Identifier"))?;
        let Some(removed) = self.profiles.remove(&id) else {
            return Err(Failure::new(
                MDM_DOMAIN,
                PROFILE_NOT_INSTALLED,
                format!("The profile “{id}” is not installed."),
            ));
        };
        if removed.is_mdm_profile() {
            self.enrolled = false;
        }
        Ok(Dictionary::new())
    }

    /// `InstallApplication` by `Identifier` or `iTunesStoreID` (the simulator names a store
    /// app `app.store.<id>`; it has no App Store). The app is installed at once and managed.
    pub(super) fn install_application(&mut self, payload: &Dictionary) -> Outcome {
        let identifier = match (
            text(payload, "Identifier"),
            payload
                .get("iTunesStoreID")
                .and_then(Value::as_signed_integer),
        ) {
            (Some(id), _) => id,
            (None, Some(store_id)) => format!("app.store.{store_id}"),
            (None, None) if payload.contains_key("ManifestURL") => {
                format!("app.enterprise.{}", self.apps.len() + 1)
            }
            (None, None) => return Err(malformed("Identifier")),
        };
        let mut keys = Dictionary::new();
        keys.insert("Identifier".into(), Value::String(identifier.clone()));
        if self.apps.get(&identifier).is_some_and(|a| a.managed) {
            return Err(Failure {
                rejection_reason: Some("AppAlreadyInstalled".into()),
                keys,
                ..Failure::new(
                    MDM_DOMAIN,
                    APP_ALREADY_INSTALLED,
                    format!("The app “{identifier}” is already installed."),
                )
            });
        }
        let name = identifier.rsplit('.').next().unwrap_or("App").to_string();
        self.apps.insert(
            identifier.clone(),
            App {
                identifier,
                name,
                short_version: "1.0".into(),
                version: "1".into(),
                bundle_size: 24_117_248,
                managed: true,
            },
        );
        keys.insert("State".into(), Value::String("Queued".into()));
        Ok(keys)
    }

    /// `RemoveApplication`: only managed apps can be removed by MDM.
    pub(super) fn remove_application(&mut self, payload: &Dictionary) -> Outcome {
        let id = text(payload, "Identifier").ok_or_else(|| malformed("Identifier"))?;
        if !self.apps.get(&id).is_some_and(|a| a.managed) {
            return Err(Failure::new(
                MDM_DOMAIN,
                APP_NOT_MANAGED,
                format!("The app “{id}” is not managed."),
            ));
        }
        self.apps.remove(&id);
        Ok(Dictionary::new())
    }

    /// `DeviceLock`: shows the lock screen with the optional message.
    pub(super) fn device_lock(&mut self, payload: &Dictionary) -> Dictionary {
        self.lock_message = Some(text(payload, "Message").unwrap_or_default());
        Dictionary::new()
    }

    /// `EraseDevice`: acknowledged, then the device wipes itself and stops talking to the
    /// server until it is enrolled again.
    pub(super) fn erase_device(&mut self) -> Dictionary {
        self.wipe();
        Dictionary::new()
    }

    /// `DeviceConfigured`: the device leaves Setup Assistant's "Awaiting Configuration".
    pub(super) fn device_configured(&mut self) -> Dictionary {
        self.awaiting_configuration = false;
        Dictionary::new()
    }
}
