//! `Settings`: each item of the `Settings` array is applied on its own; the command is
//! `Acknowledged` and the response's `Settings` array carries one status per item, in order,
//! with `MCSettingsErrorDomain` 28000 "Unknown item" for items the simulator does not apply.

use plist::{Dictionary, Value};

use super::error_item;
use crate::device::SimDevice;

const SETTINGS_DOMAIN: &str = "MCSettingsErrorDomain";
const UNKNOWN_ITEM: i64 = 28000;

impl SimDevice {
    pub(super) fn apply_settings(&mut self, payload: &Dictionary) -> Dictionary {
        let items = payload
            .get("Settings")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let results = items
            .iter()
            .map(|item| Value::Dictionary(self.apply_item(item)))
            .collect();
        let mut out = Dictionary::new();
        out.insert("Settings".into(), Value::Array(results));
        out
    }

    fn apply_item(&mut self, item: &Value) -> Dictionary {
        let dict = item.as_dictionary().cloned().unwrap_or_default();
        let name = dict
            .get("Item")
            .and_then(Value::as_string)
            .unwrap_or_default()
            .to_string();
        let applied = match name.as_str() {
            "DeviceName" => self.set_string(&dict, "DeviceName", |d, v| d.device_name = v),
            "HostName" if self.host_name.is_some() => {
                self.set_string(&dict, "HostName", |d, v| d.host_name = Some(v))
            }
            "TimeZone" => self.set_string(&dict, "TimeZone", |d, v| d.time_zone = v),
            "Bluetooth" => match dict.get("Enabled").and_then(Value::as_boolean) {
                Some(on) => {
                    self.bluetooth_enabled = on;
                    true
                }
                None => false,
            },
            // Accepted and remembered; the simulator has no behaviour tied to them.
            "OrganizationInfo"
            | "MDMOptions"
            | "DataRoaming"
            | "VoiceRoaming"
            | "PersonalHotspot"
            | "DiagnosticSubmission"
            | "AppAnalytics" => true,
            _ => false,
        };
        let mut result = Dictionary::new();
        if applied {
            self.settings.insert(name, dict);
            result.insert("Status".into(), Value::String("Acknowledged".into()));
        } else {
            result.insert("Status".into(), Value::String("Error".into()));
            result.insert("ErrorChain".into(), unknown_item(&name));
        }
        result
    }

    fn set_string(
        &mut self,
        dict: &Dictionary,
        key: &str,
        apply: impl FnOnce(&mut Self, String),
    ) -> bool {
        match dict.get(key).and_then(Value::as_string) {
            Some(v) if !v.is_empty() => {
                apply(self, v.to_string());
                true
            }
            _ => false,
        }
    }
}

/// The per-item `ErrorChain` for a setting the device does not know.
fn unknown_item(name: &str) -> Value {
    let chain = error_item(
        SETTINGS_DOMAIN,
        UNKNOWN_ITEM,
        format!("Unknown setting item “{name}”."),
    );
    let mut entry = Dictionary::new();
    if let (Some(code), Some(domain)) = (chain.error_code, chain.error_domain) {
        entry.insert("ErrorCode".into(), Value::Integer(code.into()));
        entry.insert("ErrorDomain".into(), Value::String(domain));
    }
    for (key, value) in [
        ("LocalizedDescription", chain.localized_description),
        ("USEnglishDescription", chain.us_english_description),
    ] {
        if let Some(v) = value {
            entry.insert(key.into(), Value::String(v));
        }
    }
    Value::Array(vec![Value::Dictionary(entry)])
}
