//! Turns Apple's vendored `skipkeys.yaml` into Rust data (`$OUT_DIR/skipkeys.rs`), so the
//! list of Setup Assistant skip keys is Apple's own, checked at build time, and updating it is
//! replacing the vendored file. An OS a key does not mention inherits the payload's entry.
use std::{env, fmt::Write as _, fs, path::PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

const SOURCE: &str = "../../vendor/apple-device-management/other/skipkeys.yaml";
/// The OS names of the YAML that cultivar's profiles use (iPadOS follows iOS).
const OSES: &[&str] = &["iOS", "macOS", "tvOS", "visionOS"];

fn main() -> Result<(), String> {
    println!("cargo:rerun-if-changed={SOURCE}");
    let text = fs::read_to_string(SOURCE).map_err(|e| format!("{SOURCE}: {e}"))?;
    let docs = YamlLoader::load_from_str(&text).map_err(|e| format!("{SOURCE}: not YAML: {e}"))?;
    let doc = docs.first().ok_or(format!("{SOURCE}: empty"))?;
    let inherited = &doc["payload"]["supportedOS"];
    let keys = doc["payloadkeys"]
        .as_vec()
        .ok_or(format!("{SOURCE}: payloadkeys is not a list"))?;
    let mut out = String::from("pub(super) static SKIP_KEYS: &[SkipKey] = &[\n");
    for key in keys {
        let name = key["key"]
            .as_str()
            .ok_or(format!("{SOURCE}: a payload key has no `key`"))?;
        let _ = write!(out, "    SkipKey {{ key: {name:?}, platforms: &[");
        for os in OSES {
            // Apple's convention: an OS a key does not mention inherits the payload's entry.
            let entry = match &key["supportedOS"][*os] {
                Yaml::BadValue => &inherited[*os],
                own => own,
            };
            let Some(introduced) = version(&entry["introduced"]) else {
                continue;
            };
            if introduced == "n/a" {
                continue;
            }
            let deprecated = version(&entry["deprecated"]);
            let _ = write!(
                out,
                "Platform {{ os: {os:?}, introduced: {introduced:?}, deprecated: {deprecated:?} }}, "
            );
        }
        out.push_str("] },\n");
    }
    out.push_str("];\n");
    let dir = PathBuf::from(env::var("OUT_DIR").map_err(|e| format!("OUT_DIR: {e}"))?);
    fs::write(dir.join("skipkeys.rs"), out).map_err(|e| format!("skipkeys.rs: {e}"))
}

/// A version as text, whether the YAML quoted it or not.
fn version(v: &Yaml) -> Option<String> {
    match v {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}
