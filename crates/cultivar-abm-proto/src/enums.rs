//! String-valued enums that Apple extends over time. Each keeps values it does not know as
//! `Other(String)`, so a new value never breaks parsing and is written back unchanged.

macro_rules! open_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant,)+ Other(String) }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self { $(Self::$variant => $text,)+ Self::Other(s) => s }
            }
        }
        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() { $($text => Self::$variant,)+ _ => Self::Other(s) }
            }
        }
        impl From<&str> for $name {
            fn from(s: &str) -> Self { Self::from(s.to_string()) }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> { s.serialize_str(self.as_str()) }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(Self::from)
            }
        }
    };
}

open_enum!(
    /// `os` of a device record (`OSX` is Apple's spelling for macOS).
    DeviceOs { Ios => "iOS", IpadOs => "iPadOS", MacOs => "OSX", TvOs => "tvOS", VisionOs => "visionOS", WatchOs => "watchOS" }
);
open_enum!(
    /// `device_family` of a device record.
    DeviceFamily { IPad => "iPad", IPhone => "iPhone", IPod => "iPod", Mac => "Mac", AppleTv => "AppleTV", Vision => "Vision", Watch => "Watch" }
);
open_enum!(
    /// `profile_status` of a device record.
    ProfileStatus { Empty => "empty", Assigned => "assigned", Pushed => "pushed", Removed => "removed" }
);
open_enum!(
    /// `op_type` of a sync record. Fetch records have none.
    OpType { Added => "added", Modified => "modified", Deleted => "deleted" }
);
open_enum!(
    /// Per-serial result of profile, disown and details calls.
    DeviceResult { Success => "SUCCESS", NotAccessible => "NOT_ACCESSIBLE", Failed => "FAILED", Throttled => "THROTTLED" }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_survive_a_round_trip() {
        let v: DeviceOs = serde_json::from_str("\"xrOS\"").expect("parse");
        assert_eq!(v, DeviceOs::Other("xrOS".into()));
        assert_eq!(serde_json::to_string(&v).expect("ser"), "\"xrOS\"");
        assert_eq!(DeviceOs::from("OSX"), DeviceOs::MacOs);
        assert_eq!(DeviceResult::from("THROTTLED").as_str(), "THROTTLED");
    }
}
