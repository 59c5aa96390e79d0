//! ARCHITECTURE.md must stay true: every crate in `crates/` has its line, and every crate named
//! there exists.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn architecture_names_exactly_the_workspace_crates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let named: BTreeSet<String> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|n| n.starts_with("cultivar-"))
        .map(str::to_string)
        .collect();
    let present: BTreeSet<String> = std::fs::read_dir(root.join("crates"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        named, present,
        "ARCHITECTURE.md's crate table and crates/ differ"
    );
}
