//! The profile wizard's form: read from the posted fields or a stored profile, turned into
//! Apple's profile JSON plus `"os"` (what `AdeService::create_profile` takes), and the
//! per-field errors of a refused profile.

use cultivar_core::ade::{skipkeys::skip_keys, AdeOs};
use serde_json::{Map, Value};

/// The wizard's three steps.
pub(super) const STEPS: u8 = 3;

/// Everything the wizard collects; carried from step to step in the page's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ProfileForm {
    /// The step shown (1–3).
    pub step: u8,
    /// The revision an edit started from (`None` for a new profile).
    pub revision: Option<i64>,
    pub profile_name: String,
    pub description: String,
    pub os: String,
    pub department: String,
    pub support_phone_number: String,
    pub support_email_address: String,
    pub language: String,
    pub region: String,
    /// Checked skip keys and the extra ones typed in, in order, without repeats.
    pub skip: Vec<String>,
    pub is_supervised: bool,
    pub is_mandatory: bool,
    pub is_mdm_removable: bool,
    pub await_device_configured: bool,
    pub allow_pairing: bool,
    pub is_multi_user: bool,
    pub auto_advance_setup: bool,
    /// Base64 DER certificates, one a line.
    pub anchor_certs: String,
    pub supervising_host_certs: String,
}

impl Default for ProfileForm {
    /// A new profile: supervised and removable, as most organisations start.
    fn default() -> Self {
        ProfileForm {
            step: 1,
            revision: None,
            profile_name: String::new(),
            description: String::new(),
            os: AdeOs::Ios.as_str().to_owned(),
            department: String::new(),
            support_phone_number: String::new(),
            support_email_address: String::new(),
            language: String::new(),
            region: String::new(),
            skip: Vec::new(),
            is_supervised: true,
            is_mandatory: false,
            is_mdm_removable: true,
            await_device_configured: false,
            allow_pairing: true,
            is_multi_user: false,
            auto_advance_setup: false,
            anchor_certs: String::new(),
            supervising_host_certs: String::new(),
        }
    }
}

/// A field of the posted form: checkboxes post a hidden `0` before the box's `1`, so the
/// last value wins and an absent field keeps the default.
fn flag(pairs: &[(String, String)], name: &str, default: bool) -> bool {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map_or(default, |(_, v)| v == "1")
}

fn text(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !item.is_empty() && !list.iter().any(|s| s == item) {
        list.push(item.to_owned());
    }
}

impl ProfileForm {
    /// The form as posted (`skip` boxes and the free `skip_other` field are merged).
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let d = ProfileForm::default();
        let mut skip = Vec::new();
        for (k, v) in pairs {
            if k == "skip" {
                push_unique(&mut skip, v.trim());
            }
        }
        for item in text(pairs, "skip_other").split(|c: char| c == ',' || c.is_whitespace()) {
            push_unique(&mut skip, item);
        }
        let step = text(pairs, "step").parse().unwrap_or(1).clamp(1, STEPS);
        let os = text(pairs, "os");
        ProfileForm {
            step,
            revision: text(pairs, "revision").parse().ok(),
            profile_name: text(pairs, "profile_name"),
            description: text(pairs, "description"),
            os: if os.is_empty() { d.os } else { os },
            department: text(pairs, "department"),
            support_phone_number: text(pairs, "support_phone_number"),
            support_email_address: text(pairs, "support_email_address"),
            language: text(pairs, "language"),
            region: text(pairs, "region"),
            skip,
            is_supervised: flag(pairs, "is_supervised", d.is_supervised),
            is_mandatory: flag(pairs, "is_mandatory", d.is_mandatory),
            is_mdm_removable: flag(pairs, "is_mdm_removable", d.is_mdm_removable),
            await_device_configured: flag(
                pairs,
                "await_device_configured",
                d.await_device_configured,
            ),
            allow_pairing: flag(pairs, "allow_pairing", d.allow_pairing),
            is_multi_user: flag(pairs, "is_multi_user", d.is_multi_user),
            auto_advance_setup: flag(pairs, "auto_advance_setup", d.auto_advance_setup),
            anchor_certs: text(pairs, "anchor_certs"),
            supervising_host_certs: text(pairs, "supervising_host_certs"),
        }
    }

    /// The form for editing a stored profile (its Apple JSON body, OS and description).
    pub fn from_stored(body: &Value, os: &str, description: &str, revision: i64) -> Self {
        let d = ProfileForm::default();
        let s = |key: &str| {
            body.get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let b =
            |key: &str, default: bool| body.get(key).and_then(Value::as_bool).unwrap_or(default);
        let list = |key: &str| -> Vec<String> {
            body.get(key)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        ProfileForm {
            step: 1,
            revision: Some(revision),
            profile_name: s("profile_name"),
            description: description.to_owned(),
            os: os.to_owned(),
            department: s("department"),
            support_phone_number: s("support_phone_number"),
            support_email_address: s("support_email_address"),
            language: s("language"),
            region: s("region"),
            skip: list("skip_setup_items"),
            // Apple's defaults for absent keys.
            is_supervised: b("is_supervised", false),
            is_mandatory: b("is_mandatory", false),
            is_mdm_removable: b("is_mdm_removable", d.is_mdm_removable),
            await_device_configured: b("await_device_configured", false),
            allow_pairing: b("allow_pairing", true),
            is_multi_user: b("is_multi_user", false),
            auto_advance_setup: b("auto_advance_setup", false),
            anchor_certs: list("anchor_certs").join("\n"),
            supervising_host_certs: list("supervising_host_certs").join("\n"),
        }
    }

    /// The chosen OS, if it is one.
    pub fn ade_os(&self) -> Option<AdeOs> {
        self.os.parse().ok()
    }

    /// Shared iPad is iPadOS only.
    pub fn offers_multi_user(&self) -> bool {
        self.ade_os() == Some(AdeOs::IpadOs)
    }

    /// Auto-advance is tvOS and macOS only.
    pub fn offers_auto_advance(&self) -> bool {
        matches!(self.ade_os(), Some(AdeOs::TvOs | AdeOs::MacOs))
    }

    /// Apple's profile JSON plus `"os"` and `"description"`, laid over `base` (a stored
    /// profile's body when editing, so fields the wizard does not show are kept).
    pub fn to_json(&self, base: Option<&Value>) -> Value {
        let mut o = base
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_else(Map::new);
        let mut put = |key: &str, value: Option<Value>| match value {
            Some(v) => {
                o.insert(key.to_owned(), v);
            }
            None => {
                o.remove(key);
            }
        };
        let opt_text = |v: &str| (!v.is_empty()).then(|| Value::from(v));
        put("os", Some(Value::from(self.os.as_str())));
        put("description", Some(Value::from(self.description.as_str())));
        put(
            "profile_name",
            Some(Value::from(self.profile_name.as_str())),
        );
        put("department", opt_text(&self.department));
        put("support_phone_number", opt_text(&self.support_phone_number));
        put(
            "support_email_address",
            opt_text(&self.support_email_address),
        );
        put("language", opt_text(&self.language));
        put("region", opt_text(&self.region));
        put("skip_setup_items", non_empty_list(self.skip.clone()));
        put("is_supervised", Some(self.is_supervised.into()));
        put("is_mandatory", Some(self.is_mandatory.into()));
        put("is_mdm_removable", Some(self.is_mdm_removable.into()));
        put(
            "await_device_configured",
            Some(self.await_device_configured.into()),
        );
        put("allow_pairing", Some(self.allow_pairing.into()));
        // Flags of other OSes are not offered, so they are not sent either.
        let multi = self
            .offers_multi_user()
            .then_some(self.is_multi_user.into());
        put("is_multi_user", multi);
        let advance = self
            .offers_auto_advance()
            .then_some(self.auto_advance_setup.into());
        put("auto_advance_setup", advance);
        put("anchor_certs", non_empty_list(lines(&self.anchor_certs)));
        put(
            "supervising_host_certs",
            non_empty_list(lines(&self.supervising_host_certs)),
        );
        Value::Object(o)
    }

    /// The skip keys Apple lists for the chosen OS, checked as the form says.
    pub fn skip_choices(&self) -> Vec<SkipChoice> {
        let Some(os) = self.ade_os() else {
            return Vec::new();
        };
        skip_keys()
            .iter()
            .filter_map(|k| {
                let platform = k.platform(os)?;
                let note = match platform.deprecated {
                    Some(v) => format!("{os} {}+, deprecated in {v}", platform.introduced),
                    None => format!("{os} {}+", platform.introduced),
                };
                Some(SkipChoice {
                    key: k.key,
                    checked: self.skip.iter().any(|s| s == k.key),
                    note,
                })
            })
            .collect()
    }

    /// Skip keys in the form that are not boxes for this OS (newer than Apple's list, or
    /// for another OS): shown in the free field so nothing is dropped silently.
    pub fn skip_other(&self) -> String {
        let boxes = self.skip_choices();
        let other: Vec<&str> = self
            .skip
            .iter()
            .filter(|s| !boxes.iter().any(|b| b.key == s.as_str()))
            .map(String::as_str)
            .collect();
        other.join(", ")
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn non_empty_list(items: Vec<String>) -> Option<Value> {
    (!items.is_empty()).then(|| Value::from(items))
}

/// One skip-key checkbox.
pub(super) struct SkipChoice {
    pub key: &'static str,
    pub checked: bool,
    /// "iOS 7.0+", "iOS 7.0+, deprecated in 17.0".
    pub note: String,
}

/// One refused field, as shown next to its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FieldErr {
    /// The JSON key (`anchor_certs[1]` for list items); `profile` for the whole document.
    pub field: String,
    /// Apple's validation code (`SUPPORT_EMAIL_INVALID`), or empty for cultivar's plain rules.
    pub code: String,
    pub message: String,
}

impl FieldErr {
    /// The form input the error belongs to (`anchor_certs[1]` → `anchor_certs`).
    pub fn input(&self) -> &str {
        self.field.split('[').next().unwrap_or(&self.field)
    }

    /// The wizard step showing the input; 1 for errors of the whole document.
    pub fn step(&self) -> u8 {
        match self.input() {
            "skip_setup_items" => 2,
            "is_supervised"
            | "is_mandatory"
            | "is_mdm_removable"
            | "await_device_configured"
            | "allow_pairing"
            | "is_multi_user"
            | "auto_advance_setup"
            | "anchor_certs"
            | "supervising_host_certs" => 3,
            _ => 1,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn checkboxes_take_the_last_value_and_absent_ones_keep_defaults() {
        let form = ProfileForm::from_pairs(&pairs(&[
            ("os", "iPadOS"),
            ("is_supervised", "0"),
            ("is_mandatory", "0"),
            ("is_mandatory", "1"),
            ("skip", "Siri"),
            ("skip", "Siri"),
            ("skip_other", "NewPane, Other"),
        ]));
        assert!(!form.is_supervised);
        assert!(form.is_mandatory);
        assert!(form.is_mdm_removable, "absent: the default");
        assert_eq!(form.skip, vec!["Siri", "NewPane", "Other"]);
        assert_eq!(form.skip_other(), "NewPane, Other");
    }

    #[test]
    fn json_drops_empty_texts_and_flags_of_other_oses_and_keeps_base_keys() {
        let mut form = ProfileForm {
            profile_name: "Staff".into(),
            is_multi_user: true,
            auto_advance_setup: true,
            ..ProfileForm::default()
        };
        let base = serde_json::json!({"org_magic": "x", "department": "old"});
        let json = form.to_json(Some(&base));
        assert_eq!(json["org_magic"], "x");
        assert_eq!(json.get("department"), None);
        assert_eq!(json.get("is_multi_user"), None);
        assert_eq!(json.get("auto_advance_setup"), None);
        form.os = "iPadOS".into();
        assert_eq!(form.to_json(None)["is_multi_user"], true);
    }

    #[test]
    fn stored_profiles_round_trip_through_the_form() {
        let form = ProfileForm {
            profile_name: "Macs".into(),
            os: "macOS".into(),
            skip: vec!["FileVault".into()],
            auto_advance_setup: true,
            anchor_certs: "AAAA\nBBBB".into(),
            revision: Some(3),
            ..ProfileForm::default()
        };
        let json = form.to_json(None);
        let back = ProfileForm::from_stored(&json, "macOS", "", 3);
        assert_eq!(back, form);
        let boxes = back.skip_choices();
        assert!(boxes.iter().any(|b| b.key == "FileVault" && b.checked));
        assert!(boxes.iter().all(|b| b.key != "TVRoom"), "macOS keys only");
    }

    #[test]
    fn errors_belong_to_their_step() {
        let e = |field: &str| FieldErr {
            field: field.into(),
            code: String::new(),
            message: String::new(),
        };
        assert_eq!(e("support_email_address").step(), 1);
        assert_eq!(e("skip_setup_items[0]").step(), 2);
        assert_eq!(e("anchor_certs[1]").step(), 3);
        assert_eq!(e("anchor_certs[1]").input(), "anchor_certs");
    }
}
