//! Device states and the merged device list.

use cultivar_testkit::{both_backends, TestServer};
use reqwest::StatusCode;
use serde_json::Value;
use time::OffsetDateTime;

use crate::kit::{call, enroll, get, seed_abm};

fn keys_and_states(list: &Value) -> Vec<(String, String)> {
    list["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["key"].as_str().unwrap().to_owned(),
                d["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Pending, enrolled, offline, removed-from-ABM and checked-out devices, and a User
/// Enrollment without a serial.
async fn seed(server: &TestServer) {
    let store = server.store().as_ref();
    seed_abm(
        store,
        &["MA1PENDING", "MA2ENROLLED", "MA4REMOVED"],
        &["MA4REMOVED"],
    )
    .await;
    enroll(store, "UDID-2", Some("MA2ENROLLED"), "iPhone16,1", "ade", 0).await;
    enroll(
        store,
        "UDID-3",
        Some("MA3OFFLINE"),
        "iPad13,1",
        "profile",
        30,
    )
    .await;
    enroll(store, "UDID-5", Some("MA5OUT"), "iPhone15,2", "profile", 0).await;
    store
        .store_check_out("UDID-5", OffsetDateTime::now_utc())
        .await
        .unwrap();
    enroll(
        store,
        "MA9-UE-ENROLLMENT",
        None,
        "iPhone16,1",
        "user_enrollment",
        0,
    )
    .await;
}

/// Every device in key order with its state; returns the expected listing.
async fn full_list(server: &TestServer) -> Vec<(String, String)> {
    let all = get(server, "/api/v1/devices?limit=1000").await;
    let expected: Vec<(String, String)> = [
        ("MA1PENDING", "pending"),
        ("MA2ENROLLED", "enrolled"),
        ("MA3OFFLINE", "offline"),
        ("MA4REMOVED", "unmanaged"),
        ("MA5OUT", "unmanaged"),
        ("MA9-UE-ENROLLMENT", "enrolled"),
    ]
    .iter()
    .map(|(k, s)| ((*k).to_owned(), (*s).to_owned()))
    .collect();
    assert_eq!(keys_and_states(&all), expected);
    let merged = &all["devices"][1];
    assert_eq!(merged["abm"]["serial_number"], "MA2ENROLLED");
    assert_eq!(merged["enrollment"]["id"], "UDID-2");

    expected
}

async fn paging(server: &TestServer, expected: &[(String, String)]) {
    // Keyset paging walks the same list two at a time.
    let mut walked = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/api/v1/devices?limit=2&after={a}"),
            None => "/api/v1/devices?limit=2".to_owned(),
        };
        let page = get(server, &path).await;
        walked.extend(keys_and_states(&page));
        match page["next_after"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(walked, expected);
}

/// The state filter pages too; an unknown state is refused.
async fn state_filter(server: &TestServer) {
    let unmanaged = get(server, "/api/v1/devices?state=unmanaged&limit=1").await;
    assert_eq!(
        keys_and_states(&unmanaged),
        vec![("MA4REMOVED".to_owned(), "unmanaged".to_owned())]
    );
    let next = unmanaged["next_after"].as_str().unwrap();
    let rest = get(
        server,
        &format!("/api/v1/devices?state=unmanaged&after={next}"),
    )
    .await;
    assert_eq!(
        keys_and_states(&rest),
        vec![("MA5OUT".to_owned(), "unmanaged".to_owned())]
    );

    let (status, body) = call(
        server,
        reqwest::Method::GET,
        "/api/v1/devices?state=gone",
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("state"))
    );
}

/// Detail by UDID or serial (with inventory), a pending device, an unknown one.
async fn detail(server: &TestServer) {
    let store = server.store().as_ref();
    let update = cultivar_store::MdmInventoryUpdate {
        enrollment_id: "UDID-2".to_owned(),
        inventory: serde_json::json!({"OSVersion": "18.2", "DeviceName": "Lab iPhone"}),
        device_name: Some("Lab iPhone".to_owned()),
        os_version: Some("18.2".to_owned()),
        build_version: None,
        product_name: None,
        model: None,
        at: OffsetDateTime::now_utc(),
    };
    store.store_mdm_inventory(&update).await.unwrap();
    let by_udid = get(server, "/api/v1/devices/UDID-2").await;
    assert_eq!(by_udid["inventory"]["DeviceName"], "Lab iPhone");
    assert_eq!(by_udid["enrollment"]["os_version"], "18.2");
    let by_serial = get(server, "/api/v1/devices/MA2ENROLLED").await;
    assert_eq!(by_udid, by_serial);
    assert_eq!(by_udid["state"], "enrolled");
    let pending = get(server, "/api/v1/devices/MA1PENDING").await;
    assert_eq!(
        (pending["state"].as_str(), pending["enrollment"].is_null()),
        (Some("pending"), true)
    );
    let (status, _) = call(server, reqwest::Method::GET, "/api/v1/devices/NOSUCH", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn states_and_list(server: TestServer) {
    seed(&server).await;
    let expected = full_list(&server).await;
    paging(&server, &expected).await;
    state_filter(&server).await;
    detail(&server).await;
    server.shutdown().await;
}

#[tokio::test]
async fn device_states_and_the_merged_list() {
    both_backends(states_and_list).await;
}
