//! The portal's side of profiles: unassign in ABM, a device fetching its profile (`pushed`), the
//! profile listing, and the state file keeping injected results.

mod common;

use common::*;
use cultivar_abm_sim::admin_types::{AssignResultRequest, InjectedResult};
use cultivar_abm_sim::SimOptions;
use serde_json::{json, Value};

fn profile(name: &str) -> Value {
    json!({
        "profile_name": name,
        "url": "https://mdm.example.com/enroll",
        "is_mdm_removable": true,
        "org_magic": "1"
    })
}

/// Two macOS devices on a new server, its session, and a profile assigned to the first device.
async fn setup(h: &Harness) -> (Mdm, String, Vec<String>, String) {
    let m = register(h, "A").await;
    h.admin
        .set_default_server(Some(&m.server_uuid))
        .await
        .expect("default");
    let serials = h
        .admin
        .add_devices(2, Some("macOS"))
        .await
        .expect("add")
        .serials;
    let s = session(h, &m.token).await;
    let mut p = profile("Macs");
    p["devices"] = json!([serials[0]]);
    let uuid = field(&post(h, "/profile", &s, p).await, "profile_uuid");
    (m, s, serials, uuid)
}

/// The last sync record of `serial` since `cursor`.
async fn synced(h: &Harness, s: &str, cursor: &str, serial: &str) -> Value {
    let sync = post(h, "/devices/sync", s, json!({"cursor": cursor})).await;
    assert_eq!(sync.status, 200, "{}", sync.body);
    let records = sync.body["devices"].as_array().expect("devices");
    let mine: Vec<&Value> = records
        .iter()
        .filter(|d| d["serial_number"] == serial)
        .collect();
    assert_eq!(mine.len(), 1, "{}", sync.body);
    mine[0].clone()
}

#[tokio::test]
async fn unassign_in_abm_is_a_modified_record_with_status_removed() {
    let h = Harness::start(options()).await;
    let (_, s, serials, _) = setup(&h).await;
    let c = fetch_cursor(&h, &s).await;
    let both = serials.clone();
    let r = h.admin.unassign_profiles(&both).await.expect("unassign");
    assert_eq!(r.applied, vec![serials[0].clone()]);
    assert_eq!(r.unchanged, vec![serials[1].clone()], "had no profile");
    let rec = synced(&h, &s, &c, &serials[0]).await;
    assert_eq!(rec["op_type"], "modified");
    assert_eq!(rec["profile_status"], "removed");
    assert!(rec.get("profile_uuid").is_none_or(Value::is_null), "{rec}");
    let e = h
        .admin
        .unassign_profiles(&["NOPE".into()])
        .await
        .expect("batch");
    assert_eq!(e.errors.len(), 1);
    h.stop().await;
}

#[tokio::test]
async fn pushed_sets_status_and_push_time() {
    let h = Harness::start(options()).await;
    let (_, s, serials, uuid) = setup(&h).await;
    let c = fetch_cursor(&h, &s).await;
    h.admin.advance_clock(60).await.expect("clock");
    let info = h.admin.mark_pushed(&serials[0]).await.expect("pushed");
    assert_eq!(info.profile_status, "pushed");
    let now = h.admin.clock().await.expect("clock").now;
    assert_eq!(info.profile_push_time.as_deref(), Some(now.as_str()));
    assert!(info.profile_assign_time.is_some());
    let rec = synced(&h, &s, &c, &serials[0]).await;
    assert_eq!(
        (rec["op_type"].as_str(), rec["profile_status"].as_str()),
        (Some("modified"), Some("pushed"))
    );
    assert_eq!(rec["profile_uuid"], uuid.as_str());
    assert!(rec["profile_push_time"].is_string(), "{rec}");
    let e = h
        .admin
        .mark_pushed(&serials[1])
        .await
        .expect_err("no profile");
    assert!(e.to_string().contains("has no profile"), "{e}");
    h.stop().await;
}

#[tokio::test]
async fn profiles_list_their_serials_per_server() {
    let h = Harness::start(options()).await;
    let (m, s, serials, uuid) = setup(&h).await;
    let empty = field(
        &post(&h, "/profile", &s, profile("Spare")).await,
        "profile_uuid",
    );
    let listed = h.admin.profiles(&m.server_uuid).await.expect("profiles");
    let got: Vec<(&str, &str, Vec<String>)> = listed
        .iter()
        .map(|p| {
            (
                p.profile_uuid.as_str(),
                p.profile.profile_name.as_str(),
                p.serials.clone(),
            )
        })
        .collect();
    let mut expected = vec![
        (uuid.as_str(), "Macs", vec![serials[0].clone()]),
        (empty.as_str(), "Spare", vec![]),
    ];
    expected.sort();
    assert_eq!(got, expected, "in UUID order");
    assert!(listed.iter().all(|p| p.server_uuid == m.server_uuid));
    let other = register(&h, "B").await;
    assert!(h
        .admin
        .profiles(&other.server_uuid)
        .await
        .expect("B")
        .is_empty());
    let e = h.admin.profiles("FFFF").await.expect_err("unknown server");
    assert!(e.to_string().contains("server:"), "{e}");
    h.stop().await;
}

#[tokio::test]
async fn state_file_keeps_injected_results_and_profile_states() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("abm-sim.json");
    let opts = || SimOptions {
        state_file: Some(file.clone()),
        ..options()
    };
    let h = Harness::start(opts()).await;
    let (m, _, serials, _) = setup(&h).await;
    h.admin.mark_pushed(&serials[0]).await.expect("pushed");
    let req = AssignResultRequest {
        serials: vec![serials[1].clone()],
        result: InjectedResult::Throttled,
        count: Some(3),
        retry_after_seconds: Some(60),
    };
    let injected = h.admin.add_assign_results(&req).await.expect("inject");
    let profiles = h.admin.profiles(&m.server_uuid).await.expect("profiles");
    h.stop().await;

    let h = Harness::start(opts()).await;
    assert_eq!(h.admin.assign_results().await.expect("list"), injected);
    assert_eq!(
        h.admin.profiles(&m.server_uuid).await.expect("profiles"),
        profiles
    );
    let s = session(&h, &m.token).await;
    let d = post(&h, "/devices", &s, json!({"devices": [serials[0]]})).await;
    assert_eq!(d.body["devices"][&serials[0]]["profile_status"], "pushed");
    h.stop().await;
}
