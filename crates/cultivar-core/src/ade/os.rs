//! The OSes an ADE profile is scoped to, and how an ABM device record's `os` and
//! `device_family` map onto them.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// The OS of an ADE profile, an OS group or an OS default (Apple's spelling on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AdeOs {
    #[serde(rename = "iOS")]
    Ios,
    #[serde(rename = "iPadOS")]
    IpadOs,
    #[serde(rename = "macOS")]
    MacOs,
    #[serde(rename = "tvOS")]
    TvOs,
    #[serde(rename = "visionOS")]
    VisionOs,
}

impl AdeOs {
    /// Every OS, in a fixed order.
    pub const ALL: [AdeOs; 5] = [
        AdeOs::Ios,
        AdeOs::IpadOs,
        AdeOs::MacOs,
        AdeOs::TvOs,
        AdeOs::VisionOs,
    ];

    /// Apple's spelling, also the stored one (`cultivar_store::ADE_OSES`).
    pub fn as_str(self) -> &'static str {
        match self {
            AdeOs::Ios => "iOS",
            AdeOs::IpadOs => "iPadOS",
            AdeOs::MacOs => "macOS",
            AdeOs::TvOs => "tvOS",
            AdeOs::VisionOs => "visionOS",
        }
    }

    /// The OS name `skipkeys.yaml` uses for this OS (it has no iPadOS: iPads follow iOS).
    pub(crate) fn skipkeys_os(self) -> &'static str {
        match self {
            AdeOs::Ios | AdeOs::IpadOs => "iOS",
            other => other.as_str(),
        }
    }
}

impl fmt::Display for AdeOs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An OS name that is not one of [`AdeOs::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("os: must be one of iOS, iPadOS, macOS, tvOS, visionOS (got {0:?})")]
pub struct UnknownOs(pub String);

impl FromStr for AdeOs {
    type Err = UnknownOs;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AdeOs::ALL
            .into_iter()
            .find(|os| os.as_str() == s)
            .ok_or_else(|| UnknownOs(s.to_owned()))
    }
}

/// The OS of an ABM device record, normalised: Apple's older `OSX` is macOS, and an iPad
/// reported with `os = "iOS"` (older protocol versions) is iPadOS by its `device_family`.
/// Case-insensitive, as Apple's spelling has varied. `None` when the OS is missing or unknown.
pub fn device_os(os: Option<&str>, device_family: Option<&str>) -> Option<AdeOs> {
    let os = os?.trim().to_ascii_lowercase();
    let is_ipad = device_family.is_some_and(|f| f.trim().eq_ignore_ascii_case("iPad"));
    match os.as_str() {
        "ios" if is_ipad => Some(AdeOs::IpadOs),
        "ios" => Some(AdeOs::Ios),
        "ipados" => Some(AdeOs::IpadOs),
        "osx" | "macos" | "mac os x" => Some(AdeOs::MacOs),
        "tvos" => Some(AdeOs::TvOs),
        "visionos" | "xros" => Some(AdeOs::VisionOs),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_os_normalises_apple_spellings() {
        assert_eq!(device_os(Some("OSX"), Some("Mac")), Some(AdeOs::MacOs));
        assert_eq!(device_os(Some("macOS"), None), Some(AdeOs::MacOs));
        assert_eq!(device_os(Some("iOS"), Some("iPad")), Some(AdeOs::IpadOs));
        assert_eq!(device_os(Some("iOS"), Some("iPhone")), Some(AdeOs::Ios));
        assert_eq!(device_os(Some("iPadOS"), Some("iPad")), Some(AdeOs::IpadOs));
        assert_eq!(device_os(Some("tvOS"), Some("AppleTV")), Some(AdeOs::TvOs));
        assert_eq!(device_os(Some("visionOS"), None), Some(AdeOs::VisionOs));
        assert_eq!(device_os(Some("watchOS"), None), None);
        assert_eq!(device_os(None, Some("iPad")), None);
    }

    #[test]
    fn os_names_round_trip_and_match_the_store() {
        for os in AdeOs::ALL {
            assert_eq!(os.as_str().parse::<AdeOs>(), Ok(os));
        }
        let names: Vec<_> = AdeOs::ALL.iter().map(|o| o.as_str()).collect();
        assert_eq!(names, cultivar_store::ADE_OSES);
        let err = "Windows".parse::<AdeOs>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("os: must be one of iOS, iPadOS, macOS, tvOS, visionOS (got \"Windows\")")
        );
    }
}
