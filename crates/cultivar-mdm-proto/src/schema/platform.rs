//! Apple platforms and OS versions as Apple's schemas name them.

use std::fmt;
use std::str::FromStr;

/// An Apple OS family (the keys of a schema's `supportedOS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    IOs,
    MacOs,
    TvOs,
    VisionOs,
    WatchOs,
}

impl Platform {
    /// Every platform.
    pub const ALL: [Platform; 5] = [
        Self::IOs,
        Self::MacOs,
        Self::TvOs,
        Self::VisionOs,
        Self::WatchOs,
    ];

    /// Apple's spelling (`iOS`, `macOS`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IOs => "iOS",
            Self::MacOs => "macOS",
            Self::TvOs => "tvOS",
            Self::VisionOs => "visionOS",
            Self::WatchOs => "watchOS",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of Apple's platform names or not a version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("platform: unknown value {0:?} (expected iOS, macOS, tvOS, visionOS or watchOS)")]
    Platform(String),
    #[error("OS version: {0:?} is not MAJOR[.MINOR[.PATCH]] with decimal numbers")]
    Version(String),
}

impl FromStr for Platform {
    type Err = ParseError;

    /// Accepts Apple's spelling in any case (`iOS`, `ios`, `iPadOS` counts as iOS).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "ios" | "ipados" => Ok(Self::IOs),
            "macos" => Ok(Self::MacOs),
            "tvos" => Ok(Self::TvOs),
            "visionos" => Ok(Self::VisionOs),
            "watchos" => Ok(Self::WatchOs),
            _ => Err(ParseError::Platform(s.to_string())),
        }
    }
}

/// An OS version (`17.4.1`); missing parts are zero, so `17.4` equals `17.4.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OsVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl OsVersion {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }
}

impl fmt::Display for OsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.patch == 0 {
            write!(f, "{}.{}", self.major, self.minor)
        } else {
            write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
        }
    }
}

impl FromStr for OsVersion {
    type Err = ParseError;

    /// Parses what devices report in `OSVersion` (`9.3.5`, `10.12.6`, `18.1`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ParseError::Version(s.to_string());
        let mut parts = [0u32; 3];
        let mut pieces = s.trim().split('.');
        for slot in &mut parts {
            match pieces.next() {
                Some(piece) => *slot = piece.parse().map_err(|_| bad())?,
                None => break,
            }
        }
        if pieces.next().is_some() {
            return Err(bad());
        }
        Ok(Self::new(parts[0], parts[1], parts[2]))
    }
}
