//! The wire spellings of ABM device sync that the CLI, scripts and the console depend on.
#![allow(clippy::unwrap_used)] // tests may panic on unexpected shapes

use cultivar_api_types::abm_sync::{
    canonical, canonical_os, AbmDeviceFilter, AbmServerSettings, SyncRunView, DEVICE_FAMILIES,
    PROFILE_STATUSES,
};
use uuid::Uuid;

#[test]
fn os_names_resolve_to_apples_spelling_in_any_case() {
    assert_eq!(canonical_os("ios"), Some("iOS"));
    assert_eq!(canonical_os("IPADOS"), Some("iPadOS"));
    assert_eq!(canonical_os("macOS"), Some("OSX"));
    assert_eq!(canonical_os("osx"), Some("OSX"));
    assert_eq!(canonical_os("windows"), None);
    assert_eq!(canonical("appletv", DEVICE_FAMILIES), Some("AppleTV"));
    assert_eq!(canonical("Pushed", PROFILE_STATUSES), Some("pushed"));
    assert_eq!(canonical("phone", DEVICE_FAMILIES), None);
}

#[test]
fn device_filters_serialize_only_what_is_set() {
    let filter = AbmDeviceFilter {
        os: Some("iOS".into()),
        removed: Some(false),
        limit: Some(5),
        ..AbmDeviceFilter::default()
    };
    assert_eq!(
        serde_urlencoded::to_string(&filter).unwrap(),
        "os=iOS&removed=false&limit=5"
    );
    assert_eq!(
        serde_urlencoded::to_string(AbmDeviceFilter::default()).unwrap(),
        ""
    );
}

#[test]
fn settings_refuse_unknown_fields() {
    let ok: AbmServerSettings = serde_json::from_str(r#"{"sync_batch_size":250}"#).unwrap();
    assert_eq!(ok.sync_batch_size, 250);
    let err = serde_json::from_str::<AbmServerSettings>(r#"{"sync_batch_size":1,"x":2}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `x`"), "{err}");
}

#[test]
fn a_finished_run_summarises_itself() {
    let run: SyncRunView = serde_json::from_value(serde_json::json!({
        "id": "6f1c1e0e-8a39-4d1f-9a5e-3b1b2b4c5d6e",
        "abm_server_id": "7f1c1e0e-8a39-4d1f-9a5e-3b1b2b4c5d6e",
        "trigger": "manual",
        "phase": "sync",
        "started_at": "2025-01-02T03:04:05Z",
        "finished_at": "2025-01-02T03:04:07Z",
        "pages": 3, "added": 25, "modified": 1, "deleted": 2,
        "outcome": "warning",
        "error": null,
        "warning": "cursor: echoed",
        "duration_ms": 2000
    }))
    .unwrap();
    assert!(!run.is_running());
    let summary = serde_json::to_value(run.summary()).unwrap();
    assert_eq!(summary["run_id"], "6f1c1e0e-8a39-4d1f-9a5e-3b1b2b4c5d6e");
    assert_eq!(
        (summary["outcome"].as_str(), summary["pages"].as_u64()),
        (Some("warning"), Some(3))
    );
    assert_eq!(summary["duration_ms"], 2000);
    assert_eq!(summary["warning"], "cursor: echoed");
    assert_eq!(summary["error"], serde_json::Value::Null);
    let id: Uuid = serde_json::from_value(summary["abm_server_id"].clone()).unwrap();
    assert_eq!(id, run.abm_server_id);
}
