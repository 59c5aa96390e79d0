//! Device models and deterministic identifiers. The catalog holds real product identifiers
//! with OS builds Apple shipped for them, so a server sees what a real fleet reports.

use std::fmt;
use std::str::FromStr;

use cultivar_mdm_proto::schema::OsVersion;
use cultivar_mdm_proto::Platform;

use crate::error::SimError;

/// The kinds of device the simulator plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    IPhone,
    IPad,
    Mac,
    AppleTv,
}

impl Family {
    /// Every family, in the order `--count` spreads devices over them.
    pub const ALL: [Family; 4] = [Self::IPhone, Self::IPad, Self::Mac, Self::AppleTv];

    /// The platform in Apple's schemas (iPadOS is `iOS` there).
    pub fn platform(self) -> Platform {
        match self {
            Self::IPhone | Self::IPad => Platform::IOs,
            Self::Mac => Platform::MacOs,
            Self::AppleTv => Platform::TvOs,
        }
    }

    /// The lower-case name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IPhone => "iphone",
            Self::IPad => "ipad",
            Self::Mac => "mac",
            Self::AppleTv => "appletv",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Family {
    type Err = SimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| SimError::Invalid {
                field: "family",
                reason: format!("{s:?} is not one of iphone, ipad, mac, appletv"),
            })
    }
}

/// One hardware model with the OS it runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelInfo {
    pub family: Family,
    /// `ProductName`, for example `iPhone16,2`.
    pub product_name: &'static str,
    /// `Model`: the order number on iOS/tvOS (`MU663LL/A`), the identifier on macOS.
    pub model: &'static str,
    /// `ModelName`, for example `iPhone` or `MacBook Pro`.
    pub model_name: &'static str,
    /// `ModelNumber` (iOS/tvOS), for example `MU663`.
    pub model_number: &'static str,
    /// `OSVersion`.
    pub os_version: &'static str,
    /// `BuildVersion` Apple shipped for that version.
    pub build_version: &'static str,
    /// `DeviceCapacity` in GB.
    pub capacity_gb: f64,
    /// The 4-hex-digit chip ID in a modern iOS/tvOS UDID (`00008120-…`); empty on macOS.
    pub chip_id: &'static str,
    /// `IsAppleSilicon` (macOS).
    pub apple_silicon: bool,
}

/// The models the simulator picks from (index = device index modulo the family's list).
pub const CATALOG: &[ModelInfo] = &[
    ModelInfo {
        family: Family::IPhone,
        product_name: "iPhone16,2",
        model: "MU663LL/A",
        model_name: "iPhone",
        model_number: "MU663",
        os_version: "18.1",
        build_version: "22B83",
        capacity_gb: 256.0,
        chip_id: "8130",
        apple_silicon: false,
    },
    ModelInfo {
        family: Family::IPhone,
        product_name: "iPhone15,2",
        model: "MQ0G3LL/A",
        model_name: "iPhone",
        model_number: "MQ0G3",
        os_version: "17.6.1",
        build_version: "21G93",
        capacity_gb: 128.0,
        chip_id: "8120",
        apple_silicon: false,
    },
    ModelInfo {
        family: Family::IPad,
        product_name: "iPad13,18",
        model: "MPQ03LL/A",
        model_name: "iPad",
        model_number: "MPQ03",
        os_version: "18.1",
        build_version: "22B83",
        capacity_gb: 64.0,
        chip_id: "8101",
        apple_silicon: false,
    },
    ModelInfo {
        family: Family::IPad,
        product_name: "iPad14,3",
        model: "MNXD3LL/A",
        model_name: "iPad Pro",
        model_number: "MNXD3",
        os_version: "17.7",
        build_version: "21H16",
        capacity_gb: 128.0,
        chip_id: "8112",
        apple_silicon: false,
    },
    ModelInfo {
        family: Family::Mac,
        product_name: "Mac15,3",
        model: "Mac15,3",
        model_name: "MacBook Pro",
        model_number: "",
        os_version: "15.1",
        build_version: "24B83",
        capacity_gb: 512.0,
        chip_id: "",
        apple_silicon: true,
    },
    ModelInfo {
        family: Family::Mac,
        product_name: "Mac14,2",
        model: "Mac14,2",
        model_name: "MacBook Air",
        model_number: "",
        os_version: "14.7.1",
        build_version: "23H222",
        capacity_gb: 256.0,
        chip_id: "",
        apple_silicon: true,
    },
    ModelInfo {
        family: Family::AppleTv,
        product_name: "AppleTV14,1",
        model: "MN893LL/A",
        model_name: "Apple TV",
        model_number: "MN893",
        os_version: "18.1",
        build_version: "22J580",
        capacity_gb: 64.0,
        chip_id: "8110",
        apple_silicon: false,
    },
];

impl ModelInfo {
    /// The `index`-th model of `family` (wrapping).
    pub fn pick(family: Family, index: u64) -> &'static ModelInfo {
        let models: Vec<&'static ModelInfo> =
            CATALOG.iter().filter(|m| m.family == family).collect();
        // Every family has at least one model in CATALOG, checked by a test.
        let i = usize::try_from(index % models.len().max(1) as u64).unwrap_or(0);
        models.get(i).copied().unwrap_or(&CATALOG[0])
    }

    /// `OSVersion` parsed (for the schema's version checks).
    pub fn os(&self) -> Option<OsVersion> {
        self.os_version.parse().ok()
    }
}

/// Serial numbers avoid I and O like Apple's (they read as 1 and 0).
const SERIAL_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// 32 deterministic bytes for (`seed`, `index`, `purpose`).
fn derive(seed: &str, index: u64, purpose: &str) -> [u8; 32] {
    let input = format!("cultivar-device-sim\0{seed}\0{index}\0{purpose}");
    cultivar_crypto::sha256(input.as_bytes())
}

/// A 12-character serial number (upper-case letters and digits) from `seed` and `index`.
pub fn serial_number(seed: &str, index: u64) -> String {
    derive(seed, index, "serial")
        .iter()
        .take(12)
        .map(|b| char::from(SERIAL_ALPHABET[usize::from(*b) % SERIAL_ALPHABET.len()]))
        .collect()
}

/// A UDID in the family's format: `0000CCCC-XXXXXXXXXXXXXXXX` for modern iOS/tvOS hardware,
/// an upper-case UUID for Macs.
pub fn udid(model: &ModelInfo, seed: &str, index: u64) -> String {
    let bytes = derive(seed, index, "udid");
    let hex = hex::encode_upper(bytes);
    if model.family == Family::Mac {
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    } else {
        format!("0000{}-{}", model.chip_id, &hex[0..16])
    }
}

/// Deterministic bytes for push tokens and magic (`purpose` separates them).
pub(crate) fn derived_bytes(seed: &str, index: u64, purpose: &str) -> [u8; 32] {
    derive(seed, index, purpose)
}
