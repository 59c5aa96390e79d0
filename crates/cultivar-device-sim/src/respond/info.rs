//! Read-only commands: DeviceInformation, InstalledApplicationList, ManagedApplicationList,
//! ProfileList. Keys and types follow the `responsekeys` of Apple's schemas.

use cultivar_mdm_proto::schema::{self, KeySchema};
use cultivar_mdm_proto::Platform;
use plist::{Dictionary, Value};

use crate::device::SimDevice;
use crate::profile::Profile;

fn strings(payload: &Dictionary, key: &str) -> Option<Vec<String>> {
    payload.get(key).and_then(Value::as_array).map(|items| {
        items
            .iter()
            .filter_map(|v| v.as_string().map(str::to_string))
            .collect()
    })
}

fn query_schema() -> &'static [KeySchema] {
    schema::command("DeviceInformation")
        .and_then(|c| c.response_keys.iter().find(|k| k.key == "QueryResponses"))
        .map_or(&[], |k| k.subkeys)
}

impl SimDevice {
    /// `DeviceInformation`: each queried key the device knows and may reveal; unknown or
    /// unavailable queries are left out, as on a real device. No `Queries`: every known key.
    pub(super) fn device_information(&self, payload: &Dictionary) -> Dictionary {
        let keys = query_schema();
        let queries = strings(payload, "Queries")
            .unwrap_or_else(|| keys.iter().map(|k| k.key.to_string()).collect());
        let mut answers = Dictionary::new();
        for query in queries {
            let Some(key) = keys.iter().find(|k| k.key == query) else {
                continue;
            };
            if !self.key_available(key) {
                continue;
            }
            if let Some(value) = self.query_value(&query) {
                answers.insert(query, value);
            }
        }
        let mut out = Dictionary::new();
        out.insert("QueryResponses".to_string(), Value::Dictionary(answers));
        out
    }

    fn query_value(&self, key: &str) -> Option<Value> {
        let ue = self.is_user_enrollment();
        let ios = self.family().platform() == Platform::IOs;
        let mac = self.family().platform() == Platform::MacOs;
        let s = |v: &str| Some(Value::String(v.to_string()));
        match key {
            // Hardware identifiers stay private in User Enrollment.
            "UDID" | "SerialNumber" | "WiFiMAC" | "BluetoothMAC" if ue => None,
            "UDID" => s(&self.udid),
            "SerialNumber" => s(&self.serial_number),
            "DeviceName" => s(&self.device_name),
            "OSVersion" => s(&self.os_version),
            "BuildVersion" => s(&self.build_version),
            "ProductName" => s(self.model.product_name),
            "Model" => s(self.model.model),
            "ModelName" => s(self.model.model_name),
            "ModelNumber" if !mac => s(self.model.model_number),
            "DeviceCapacity" => Some(Value::Real(self.model.capacity_gb)),
            "AvailableDeviceCapacity" => Some(Value::Real(self.model.capacity_gb * 0.62)),
            "IsSupervised" => Some(Value::Boolean(self.enrollment.is_supervised())),
            "AwaitingConfiguration" => Some(Value::Boolean(self.awaiting_configuration)),
            "IsAppleSilicon" if mac => Some(Value::Boolean(self.model.apple_silicon)),
            "HostName" | "LocalHostName" if mac => self.host_name.as_deref().and_then(s),
            "BatteryLevel" if ios => Some(Value::Real(0.82)),
            "IsMDMLostModeEnabled" if ios => Some(Value::Boolean(false)),
            "IsActivationLockEnabled" => Some(Value::Boolean(false)),
            "IsDeviceLocatorServiceEnabled" => Some(Value::Boolean(false)),
            "IsCloudBackupEnabled" => Some(Value::Boolean(false)),
            "TimeZone" => s(&self.time_zone),
            "WiFiMAC" => s(&self.mac_address(0x10)),
            "BluetoothMAC" => s(&self.mac_address(0x20)),
            _ => None,
        }
    }

    /// A stable, locally administered MAC address derived from the UDID.
    fn mac_address(&self, salt: u8) -> String {
        let digest = cultivar_crypto::sha256(self.udid.as_bytes());
        let mut bytes = [0u8; 6];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = digest[i] ^ salt;
        }
        bytes[0] = (bytes[0] | 0x02) & 0xfe;
        bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    }

    /// `InstalledApplicationList`, filtered by `Identifiers` and `ManagedAppsOnly`.
    pub(super) fn installed_application_list(&self, payload: &Dictionary) -> Dictionary {
        let wanted = strings(payload, "Identifiers");
        let managed_only = payload
            .get("ManagedAppsOnly")
            .and_then(Value::as_boolean)
            .unwrap_or(false);
        let items = self
            .apps
            .values()
            .filter(|a| wanted.as_ref().is_none_or(|w| w.contains(&a.identifier)))
            .filter(|a| !managed_only || a.managed)
            .map(|a| {
                let mut d = Dictionary::new();
                d.insert("Identifier".into(), Value::String(a.identifier.clone()));
                d.insert("Name".into(), Value::String(a.name.clone()));
                d.insert(
                    "ShortVersion".into(),
                    Value::String(a.short_version.clone()),
                );
                d.insert("Version".into(), Value::String(a.version.clone()));
                d.insert("BundleSize".into(), Value::Integer(a.bundle_size.into()));
                d.insert("Installing".into(), Value::Boolean(false));
                Value::Dictionary(d)
            })
            .collect();
        let mut out = Dictionary::new();
        out.insert("InstalledApplicationList".into(), Value::Array(items));
        out
    }

    /// `ManagedApplicationList`: managed apps keyed by bundle identifier.
    pub(super) fn managed_application_list(&self, payload: &Dictionary) -> Dictionary {
        let wanted = strings(payload, "Identifiers");
        let mut apps = Dictionary::new();
        for app in self.apps.values().filter(|a| a.managed) {
            if wanted
                .as_ref()
                .is_some_and(|w| !w.contains(&app.identifier))
            {
                continue;
            }
            let mut d = Dictionary::new();
            d.insert("Status".into(), Value::String("Managed".into()));
            // 1: remove the app when the MDM profile is removed (what servers usually ask).
            d.insert("ManagementFlags".into(), Value::Integer(1.into()));
            d.insert("HasConfiguration".into(), Value::Boolean(false));
            d.insert("HasFeedback".into(), Value::Boolean(false));
            apps.insert(app.identifier.clone(), Value::Dictionary(d));
        }
        let mut out = Dictionary::new();
        out.insert("ManagedApplicationList".into(), Value::Dictionary(apps));
        out
    }

    /// `ProfileList`: every installed profile with its payloads.
    pub(super) fn profile_list(&self) -> Dictionary {
        let items = self
            .profiles
            .values()
            .map(|p| Value::Dictionary(profile_item(p)))
            .collect();
        let mut out = Dictionary::new();
        out.insert("ProfileList".into(), Value::Array(items));
        out
    }
}

fn profile_item(p: &Profile) -> Dictionary {
    let mut d = Dictionary::new();
    d.insert(
        "PayloadIdentifier".into(),
        Value::String(p.identifier.clone()),
    );
    d.insert("PayloadUUID".into(), Value::String(p.uuid.clone()));
    d.insert("PayloadVersion".into(), Value::Integer(p.version.into()));
    for (key, value) in [
        ("PayloadDisplayName", &p.display_name),
        ("PayloadOrganization", &p.organization),
        ("PayloadDescription", &p.description),
    ] {
        if let Some(v) = value {
            d.insert(key.into(), Value::String(v.clone()));
        }
    }
    d.insert(
        "PayloadRemovalDisallowed".into(),
        Value::Boolean(p.removal_disallowed),
    );
    d.insert("HasRemovalPasscode".into(), Value::Boolean(false));
    d.insert("IsEncrypted".into(), Value::Boolean(false));
    d.insert("IsManaged".into(), Value::Boolean(true));
    if let Some(cert) = &p.signer_certificate_der {
        d.insert(
            "SignerCertificates".into(),
            Value::Array(vec![Value::Data(cert.clone())]),
        );
    }
    let content = p
        .payloads
        .iter()
        .map(|item| {
            let mut c = Dictionary::new();
            c.insert(
                "PayloadType".into(),
                Value::String(item.payload_type.clone()),
            );
            c.insert(
                "PayloadIdentifier".into(),
                Value::String(item.identifier.clone()),
            );
            c.insert("PayloadUUID".into(), Value::String(item.uuid.clone()));
            c.insert("PayloadVersion".into(), Value::Integer(item.version.into()));
            if let Some(name) = &item.display_name {
                c.insert("PayloadDisplayName".into(), Value::String(name.clone()));
            }
            Value::Dictionary(c)
        })
        .collect();
    d.insert("PayloadContent".into(), Value::Array(content));
    d
}
