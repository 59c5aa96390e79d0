//! Apple's Setup Assistant skip keys, from the vendored `skipkeys.yaml` (see `build.rs`).

use super::AdeOs;

/// One skip key and the OSes it applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkipKey {
    pub key: &'static str,
    pub platforms: &'static [Platform],
}

/// Where a skip key applies, in `skipkeys.yaml`'s OS names (`iOS` covers iPadOS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Platform {
    pub os: &'static str,
    pub introduced: &'static str,
    pub deprecated: Option<&'static str>,
}

include!(concat!(env!("OUT_DIR"), "/skipkeys.rs"));

/// Every skip key Apple lists, in the YAML's order.
pub fn skip_keys() -> &'static [SkipKey] {
    SKIP_KEYS
}

/// The key called `name` (exact, case-sensitive as Apple's are), if Apple lists it.
pub fn skip_key(name: &str) -> Option<&'static SkipKey> {
    SKIP_KEYS.iter().find(|k| k.key == name)
}

impl SkipKey {
    /// Where the key applies for `os`, if it does.
    pub fn platform(&self, os: AdeOs) -> Option<&'static Platform> {
        self.platforms.iter().find(|p| p.os == os.skipkeys_os())
    }

    /// The profile OSes the key applies to (iOS keys apply to iPadOS too).
    pub fn oses(&self) -> Vec<AdeOs> {
        AdeOs::ALL
            .into_iter()
            .filter(|os| self.platform(*os).is_some())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendored_list_is_read_with_each_keys_oses() {
        assert_eq!(skip_keys().len(), 45, "skipkeys.yaml lists 45 keys");
        let file_vault = skip_key("FileVault").map(SkipKey::oses);
        assert_eq!(
            file_vault,
            Some(vec![AdeOs::MacOs]),
            "FileVault is macOS only"
        );
        let action = skip_key("ActionButton").map(SkipKey::oses);
        assert_eq!(
            action,
            Some(vec![AdeOs::Ios, AdeOs::IpadOs]),
            "iOS keys cover iPadOS"
        );
        let tv = skip_key("TVRoom").map(SkipKey::oses);
        assert_eq!(tv, Some(vec![AdeOs::TvOs]));
        // No supportedOS of its own: inherits the payload's iOS, macOS, tvOS.
        let apple_id = skip_key("AppleID").map(SkipKey::oses);
        let base = vec![AdeOs::Ios, AdeOs::IpadOs, AdeOs::MacOs, AdeOs::TvOs];
        assert_eq!(apple_id, Some(base));
        // Mentions only iOS and macOS (n/a): tvOS comes from the payload.
        let screen_saver = skip_key("ScreenSaver").map(SkipKey::oses);
        assert_eq!(screen_saver, Some(vec![AdeOs::TvOs]));
        let zoom = skip_key("Zoom").and_then(|k| k.platform(AdeOs::Ios));
        assert_eq!(zoom.and_then(|p| p.deprecated), Some("17.0"));
        assert_eq!(skip_key("NoSuchPane"), None);
        assert_eq!(skip_key("fileVault"), None, "keys are case-sensitive");
    }
}
