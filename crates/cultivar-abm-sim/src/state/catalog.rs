//! Device kinds the simulator hands out: OS, family, model names, descriptions and colours close to
//! what ABM shows.

use crate::ids::{mix, Domain};
use cultivar_abm_proto::{DeviceFamily, DeviceOs};
use serde::{Deserialize, Serialize};

/// The operating system of a simulated device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Os {
    #[serde(rename = "iOS")]
    Ios,
    #[serde(rename = "iPadOS")]
    IpadOs,
    #[serde(rename = "OSX")]
    MacOs,
    #[serde(rename = "tvOS")]
    TvOs,
    #[serde(rename = "visionOS")]
    VisionOs,
}

impl Os {
    pub fn wire(self) -> DeviceOs {
        match self {
            Os::Ios => DeviceOs::Ios,
            Os::IpadOs => DeviceOs::IpadOs,
            Os::MacOs => DeviceOs::MacOs,
            Os::TvOs => DeviceOs::TvOs,
            Os::VisionOs => DeviceOs::VisionOs,
        }
    }

    pub fn family(self) -> DeviceFamily {
        match self {
            Os::Ios => DeviceFamily::IPhone,
            Os::IpadOs => DeviceFamily::IPad,
            Os::MacOs => DeviceFamily::Mac,
            Os::TvOs => DeviceFamily::AppleTv,
            Os::VisionOs => DeviceFamily::Vision,
        }
    }
}

/// Which OS new devices get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OsChoice {
    One(Os),
    /// A fleet-like blend: mostly iPhones, iPads and Macs, a few Apple TVs and Vision Pros.
    Mix,
}

impl std::str::FromStr for OsChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let os = match s.to_ascii_lowercase().as_str() {
            "mix" => return Ok(OsChoice::Mix),
            "ios" => Os::Ios,
            "ipados" => Os::IpadOs,
            "macos" | "osx" => Os::MacOs,
            "tvos" => Os::TvOs,
            "visionos" => Os::VisionOs,
            _ => {
                return Err(format!(
                    "os: {s:?} is not one of iOS, iPadOS, macOS, tvOS, visionOS, mix"
                ))
            }
        };
        Ok(OsChoice::One(os))
    }
}

/// The fixed attributes of a new device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kind {
    pub os: Os,
    pub model: String,
    pub description: String,
    pub color: String,
}

struct Table {
    models: &'static [&'static str],
    colors: &'static [&'static str],
    storage: &'static [&'static str],
}

fn table(os: Os) -> Table {
    match os {
        Os::Ios => Table {
            models: &[
                "iPhone 16",
                "iPhone 16 Pro",
                "iPhone 15",
                "iPhone SE (3rd generation)",
            ],
            colors: &["BLACK", "WHITE", "BLUE", "NATURAL TITANIUM"],
            storage: &["128GB", "256GB"],
        },
        Os::IpadOs => Table {
            models: &[
                "iPad (10th generation)",
                "iPad Air 11-inch (M2)",
                "iPad mini (A17 Pro)",
            ],
            colors: &["SILVER", "SPACE GRAY", "BLUE"],
            storage: &["64GB", "128GB", "256GB"],
        },
        Os::MacOs => Table {
            models: &[
                "MacBook Air (13-inch, M3)",
                "MacBook Pro (14-inch, M4)",
                "Mac mini (M4)",
            ],
            colors: &["SILVER", "SPACE GRAY", "MIDNIGHT"],
            storage: &["256GB", "512GB"],
        },
        Os::TvOs => Table {
            models: &["Apple TV 4K (3rd generation)"],
            colors: &["BLACK"],
            storage: &["64GB", "128GB"],
        },
        Os::VisionOs => Table {
            models: &["Apple Vision Pro"],
            colors: &["SILVER"],
            storage: &["256GB", "512GB"],
        },
    }
}

fn pick<'a>(items: &[&'a str], v: u64) -> &'a str {
    // Tables are non-empty constants; the fallback only keeps this total.
    items
        .get((v % items.len().max(1) as u64) as usize)
        .copied()
        .unwrap_or("")
}

/// The kind of device number `index`, deterministic from the seed.
pub fn kind(seed: u64, index: u64, choice: OsChoice) -> Kind {
    let v = mix(seed, Domain::DeviceKind, index);
    let os = match choice {
        OsChoice::One(os) => os,
        OsChoice::Mix => match v % 100 {
            0..=39 => Os::Ios,
            40..=64 => Os::IpadOs,
            65..=89 => Os::MacOs,
            90..=94 => Os::TvOs,
            _ => Os::VisionOs,
        },
    };
    let t = table(os);
    let model = pick(t.models, v >> 8);
    let color = pick(t.colors, v >> 16);
    let storage = pick(t.storage, v >> 24);
    Kind {
        os,
        model: model.to_string(),
        description: format!("{} {color} {storage}-USA", model.to_ascii_uppercase()),
        color: color.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_parse_and_mix_covers_every_os() {
        assert_eq!("macOS".parse::<OsChoice>(), Ok(OsChoice::One(Os::MacOs)));
        assert_eq!("OSX".parse::<OsChoice>(), Ok(OsChoice::One(Os::MacOs)));
        assert!("watchOS".parse::<OsChoice>().is_err());
        let seen: std::collections::HashSet<Os> =
            (0..500).map(|i| kind(3, i, OsChoice::Mix).os).collect();
        assert_eq!(seen.len(), 5);
        let k = kind(3, 1, OsChoice::One(Os::TvOs));
        assert_eq!(k.model, "Apple TV 4K (3rd generation)");
        assert_eq!(k.os.family(), DeviceFamily::AppleTv);
    }
}
