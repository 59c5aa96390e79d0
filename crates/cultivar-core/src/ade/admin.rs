//! What administrators change: profiles (validated against Apple's rules before anything is
//! stored), OS defaults, groups and their members, explicit device profiles. Every change
//! signals [`AdeService::changed`], so the automatic runner resolves and pushes it; nothing
//! else is needed for a change to reach Apple.

use cultivar_store::{
    AdeOsDefault, AdeProfile, DeviceGroup, DeviceGroupUpdate, DeviceProfileAssignment,
    MembersAdded, NewAdeProfile, NewDeviceGroup,
};
use serde_json::Value;
use uuid::Uuid;

use super::service::AdeService;
use super::{validate_profile, AdeOs, AdeProfileInput, ProfileWarning};
use crate::error::CoreError;

/// A stored profile and the warnings its validation gave (unknown skip keys, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedProfile {
    pub profile: AdeProfile,
    pub warnings: Vec<ProfileWarning>,
}

/// A CSV row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// 1-based line number.
    pub line: u64,
    pub value: String,
    pub reason: String,
}

/// What a CSV import added, and the rows it refused (the good rows are added regardless).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvImport {
    pub added: MembersAdded,
    pub serials: Vec<String>,
    pub rejected: Vec<RejectedRow>,
}

/// Apple serial numbers: letters and digits, stored upper-case.
const SERIAL_LEN: std::ops::RangeInclusive<usize> = 6..=20;

/// Trims and upper-cases a serial number, or says which rule it breaks.
pub fn normalize_serial(field: &str, raw: &str) -> Result<String, CoreError> {
    let serial = raw.trim().to_ascii_uppercase();
    if serial.is_empty() {
        return Err(CoreError::invalid(field, "must not be empty"));
    }
    if !serial.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(CoreError::invalid(
            field,
            &format!("{raw:?} is not a serial number: letters and digits only"),
        ));
    }
    if !SERIAL_LEN.contains(&serial.len()) {
        return Err(CoreError::invalid(
            field,
            &format!(
                "{raw:?} is not a serial number: {} to {} characters",
                SERIAL_LEN.start(),
                SERIAL_LEN.end()
            ),
        ));
    }
    Ok(serial)
}

/// Splits the submitted JSON into what the store keeps: Apple's validated profile (as the
/// body), the OS, and cultivar's own `description` (not an Apple field, so never sent).
fn to_new_profile(json: &str) -> Result<(NewAdeProfile, Vec<ProfileWarning>), CoreError> {
    let mut value: Value = serde_json::from_str(json)
        .map_err(|e| CoreError::invalid("profile", &format!("not a JSON document: {e}")))?;
    let description = match value.as_object_mut().and_then(|o| o.remove("description")) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s,
        Some(_) => return Err(CoreError::invalid("description", "must be a string")),
    };
    if description.chars().count() > 1000 {
        return Err(CoreError::invalid("description", "at most 1000 characters"));
    }
    let input = AdeProfileInput::from_json(&value.to_string())?;
    let validated = validate_profile(input)?;
    let body = validated
        .body()
        .map_err(|e| CoreError::Internal(format!("profile did not serialize: {e}")))?;
    let new = NewAdeProfile {
        name: validated.profile.profile_name.clone(),
        os: validated.os.as_str().to_owned(),
        description,
        body,
    };
    Ok((new, validated.warnings))
}

impl AdeService {
    /// Validates and stores a new profile (Apple's JSON plus `"os"`, optionally
    /// `"description"`). Its name is Apple's `profile_name`.
    pub async fn create_profile(&self, json: &str) -> Result<SavedProfile, CoreError> {
        let (new, warnings) = to_new_profile(json)?;
        let profile = self.store.insert_ade_profile(&new).await?;
        self.changed();
        Ok(SavedProfile { profile, warnings })
    }

    /// Replaces a profile. `expected_revision` guards against overwriting someone else's
    /// edit; `None` replaces the current revision. A changed profile is defined again on
    /// every ABM server at the next push, and its devices are assigned the new definition.
    pub async fn update_profile(
        &self,
        id: Uuid,
        expected_revision: Option<i64>,
        json: &str,
    ) -> Result<SavedProfile, CoreError> {
        let (new, warnings) = to_new_profile(json)?;
        let revision = match expected_revision {
            Some(r) => r,
            None => self.profile(&id.to_string()).await?.revision,
        };
        let profile = self.store.update_ade_profile(id, revision, &new).await?;
        self.changed();
        Ok(SavedProfile { profile, warnings })
    }

    /// Deletes a profile. One in use is refused (naming what uses it) unless `force`, which
    /// leaves its devices, groups and defaults to the next rule.
    pub async fn delete_profile(&self, id: Uuid, force: bool) -> Result<(), CoreError> {
        let profile = self.profile(&id.to_string()).await?;
        let usage = self.store.ade_profile_usage(id).await?;
        if usage.in_use() && !force {
            return Err(CoreError::Conflict {
                what: format!(
                    "profile {:?} is in use by {} device(s), {} group(s) and {} OS default(s); \
                     delete with force to leave them to the next rule",
                    profile.name, usage.devices, usage.groups, usage.defaults
                ),
            });
        }
        self.store.delete_ade_profile(id, force).await?;
        self.changed();
        Ok(())
    }

    /// The profile with this UUID or name.
    pub async fn profile(&self, key: &str) -> Result<AdeProfile, CoreError> {
        let found = match Uuid::parse_str(key) {
            Ok(id) => self.store.ade_profile(id).await?,
            Err(_) => self.store.ade_profile_by_name(key).await?,
        };
        found.ok_or_else(|| CoreError::NotFound {
            what: format!("ADE profile {key:?}"),
        })
    }

    /// Makes `profile` the default of `os` (the profile must be for that OS).
    pub async fn set_os_default(
        &self,
        os: AdeOs,
        profile: &str,
    ) -> Result<AdeOsDefault, CoreError> {
        let profile = self.profile(profile).await?;
        if profile.os != os.as_str() {
            return Err(CoreError::invalid(
                "profile",
                &format!(
                    "{:?} is a {} profile; the {os} default must be a {os} profile",
                    profile.name, profile.os
                ),
            ));
        }
        let set = self.store.set_os_default(os.as_str(), profile.id).await?;
        self.changed();
        Ok(set)
    }

    /// Clears the default of `os`; whether there was one.
    pub async fn clear_os_default(&self, os: AdeOs) -> Result<bool, CoreError> {
        let cleared = self.store.clear_os_default(os.as_str()).await?;
        if cleared {
            self.changed();
        }
        Ok(cleared)
    }

    /// The group with this UUID or name.
    pub async fn group(&self, key: &str) -> Result<DeviceGroup, CoreError> {
        let found = match Uuid::parse_str(key) {
            Ok(id) => self.store.device_group(id).await?,
            Err(_) => self
                .store
                .list_device_groups()
                .await?
                .into_iter()
                .find(|g| g.name == key),
        };
        found.ok_or_else(|| CoreError::NotFound {
            what: format!("group {key:?}"),
        })
    }

    /// Creates a group; `profile` is a profile UUID or name.
    pub async fn create_group(
        &self,
        mut new: NewDeviceGroup,
        profile: Option<&str>,
    ) -> Result<DeviceGroup, CoreError> {
        if let Some(key) = profile {
            new.profile_id = Some(self.profile(key).await?.id);
        }
        let group = self.store.create_device_group(&new).await?;
        if group.profile_id.is_some() {
            self.changed();
        }
        Ok(group)
    }

    /// Renames or re-prioritises a group.
    pub async fn update_group(
        &self,
        id: Uuid,
        update: DeviceGroupUpdate,
    ) -> Result<DeviceGroup, CoreError> {
        let group = self.store.update_device_group(id, &update).await?;
        self.changed();
        Ok(group)
    }

    /// Sets (profile UUID or name) or clears (`None`) a group's profile.
    pub async fn set_group_profile(
        &self,
        id: Uuid,
        profile: Option<&str>,
    ) -> Result<DeviceGroup, CoreError> {
        let profile_id = match profile {
            Some(key) => Some(self.profile(key).await?.id),
            None => None,
        };
        let update = DeviceGroupUpdate {
            profile_id: Some(profile_id),
            ..DeviceGroupUpdate::default()
        };
        self.update_group(id, update).await
    }

    /// Deletes a group (its members go with it); whether it existed.
    pub async fn delete_group(&self, id: Uuid) -> Result<bool, CoreError> {
        let deleted = self.store.delete_device_group(id).await?;
        if deleted {
            self.changed();
        }
        Ok(deleted)
    }

    /// Adds serials to a static group; every serial is checked first, so a bad one adds
    /// nothing.
    pub async fn add_group_members(
        &self,
        id: Uuid,
        serials: &[String],
    ) -> Result<MembersAdded, CoreError> {
        let serials = serials
            .iter()
            .enumerate()
            .map(|(i, s)| normalize_serial(&format!("serials[{i}]"), s))
            .collect::<Result<Vec<_>, _>>()?;
        if serials.is_empty() {
            return Err(CoreError::invalid("serials", "name at least one serial"));
        }
        let added = self.store.add_group_members(id, &serials).await?;
        self.changed();
        Ok(added)
    }

    /// Imports a CSV of serials, one a row (first column; a `serial`/`serial_number` header
    /// is skipped, blank lines ignored). Bad rows are reported; the good ones are added.
    pub async fn import_group_csv(&self, id: Uuid, csv: &str) -> Result<CsvImport, CoreError> {
        let (serials, rejected) = parse_serial_csv(csv);
        if serials.is_empty() {
            return Err(CoreError::invalid(
                "csv",
                &format!(
                    "no serial numbers found ({} row(s) rejected)",
                    rejected.len()
                ),
            ));
        }
        let added = self.store.add_group_members(id, &serials).await?;
        self.changed();
        Ok(CsvImport {
            added,
            serials,
            rejected,
        })
    }

    /// Removes serials from a group; how many were members.
    pub async fn remove_group_members(
        &self,
        id: Uuid,
        serials: &[String],
    ) -> Result<u64, CoreError> {
        let serials = serials
            .iter()
            .map(|s| s.trim().to_ascii_uppercase())
            .collect::<Vec<_>>();
        let removed = self.store.remove_group_members(id, &serials).await?;
        if removed > 0 {
            self.changed();
        }
        Ok(removed)
    }

    /// Gives `serial` an explicit profile (UUID or name), whatever its groups say.
    pub async fn set_device_profile(
        &self,
        serial: &str,
        profile: &str,
    ) -> Result<DeviceProfileAssignment, CoreError> {
        let serial = normalize_serial("serial", serial)?;
        let profile = self.profile(profile).await?;
        let set = self.store.set_device_profile(&serial, profile.id).await?;
        self.changed();
        Ok(set)
    }

    /// Clears the explicit profile of `serial`; whether it had one.
    pub async fn clear_device_profile(&self, serial: &str) -> Result<bool, CoreError> {
        let serial = normalize_serial("serial", serial)?;
        let cleared = self.store.clear_device_profile(&serial).await?;
        if cleared {
            self.changed();
        }
        Ok(cleared)
    }
}

/// The serials of a CSV (first column of each row) and the rows refused, with line numbers.
pub fn parse_serial_csv(csv: &str) -> (Vec<String>, Vec<RejectedRow>) {
    let mut serials = Vec::new();
    let mut rejected = Vec::new();
    for (i, line) in csv.lines().enumerate() {
        let line_no = i as u64 + 1;
        let first = line
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        let first = first.trim_start_matches('\u{feff}').trim();
        if first.is_empty() && line.trim().trim_matches(',').is_empty() {
            continue;
        }
        let lower = first.to_ascii_lowercase();
        if line_no == 1 && matches!(lower.as_str(), "serial" | "serial_number" | "serial number") {
            continue;
        }
        match normalize_serial("serial", first) {
            Ok(s) => serials.push(s),
            Err(e) => rejected.push(RejectedRow {
                line: line_no,
                value: first.to_owned(),
                reason: match e {
                    CoreError::Invalid { rule, .. } => rule,
                    other => other.to_string(),
                },
            }),
        }
    }
    (serials, rejected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_read_and_bad_rows_reported() {
        let csv = "\u{feff}serial_number,note\nc02abc123def,a\n\n\"F9XYZ12345\"\nbad serial!\nAB\n";
        let (serials, rejected) = parse_serial_csv(csv);
        assert_eq!(serials, vec!["C02ABC123DEF", "F9XYZ12345"]);
        let lines: Vec<u64> = rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![5, 6]);
        assert!(
            rejected[0].reason.contains("letters and digits"),
            "{rejected:?}"
        );
        assert!(rejected[1].reason.contains("6 to 20"), "{rejected:?}");
    }

    #[test]
    fn serials_are_normalized() {
        assert_eq!(
            normalize_serial("serial", " c02abc123def ").ok(),
            Some("C02ABC123DEF".to_owned())
        );
        assert!(normalize_serial("serial", "").is_err());
    }

    #[test]
    fn description_is_kept_apart_from_apple_fields() {
        let json = r#"{"os":"iOS","profile_name":"Staff","description":"for staff"}"#;
        let (new, _) = to_new_profile(json).expect("valid");
        assert_eq!(new.description, "for staff");
        assert!(!new.body.contains("description"), "{}", new.body);
        assert_eq!(new.name, "Staff");
    }

    #[test]
    fn invalid_profiles_report_every_field() {
        let json = r#"{"os":"iOS","profile_name":"","is_mdm_removable":false}"#;
        match to_new_profile(json) {
            Err(CoreError::InvalidProfile(p)) => assert!(p.errors.len() >= 2, "{p:?}"),
            other => panic!("expected InvalidProfile, got {other:?}"),
        }
    }
}
