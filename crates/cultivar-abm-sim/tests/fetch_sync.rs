//! Fetch paging and exhaustion, sync events, cursor errors, limits and the User-Agent rule.

mod common;

use common::*;
use cultivar_abm_sim::admin_types::DeviceQuery;
use cultivar_abm_sim::state::DevicePatch;
use serde_json::{json, Value};

async fn with_devices(h: &Harness, name: &str, n: u32) -> (Mdm, String, Vec<String>) {
    let m = register(h, name).await;
    h.admin
        .set_default_server(Some(&m.server_uuid))
        .await
        .expect("default");
    let serials = h
        .admin
        .add_devices(n, Some("mix"))
        .await
        .expect("add")
        .serials;
    let s = session(h, &m.token).await;
    (m, s, serials)
}

#[tokio::test]
async fn fetch_pages_in_serial_order_then_exhausts_and_hands_over_to_sync() {
    let h = Harness::start(options()).await;
    let (_, s, mut added) = with_devices(&h, "Main", 25).await;
    added.sort();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let mut body = json!({"limit": 10});
        if let Some(c) = &cursor {
            body["cursor"] = json!(c);
        }
        let r = post(&h, "/server/devices", &s, body).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(
            r.body["devices"][0].get("op_type").is_none(),
            "fetch records carry no op_type"
        );
        seen.extend(serials(&r.body));
        pages.push(r.body["devices"].as_array().map_or(0, Vec::len));
        cursor = Some(r.body["cursor"].as_str().expect("cursor").to_string());
        if r.body["more_to_follow"] == json!(false) {
            break;
        }
    }
    assert_eq!(pages, vec![10, 10, 5]);
    assert_eq!(seen, added);
    let last = cursor.expect("cursor");
    assert_error(
        &post(&h, "/server/devices", &s, json!({"cursor": last})).await,
        400,
        "EXHAUSTED_CURSOR",
    );
    let sync = post(&h, "/devices/sync", &s, json!({"cursor": last})).await;
    assert_eq!(sync.status, 200, "{}", sync.body);
    assert_eq!(
        (serials(&sync.body).len(), &sync.body["more_to_follow"]),
        (0, &json!(false))
    );
    let fresh = post(&h, "/server/devices", &s, json!({})).await;
    assert_eq!(
        serials(&fresh.body).len(),
        25,
        "a fetch without cursor starts over (default limit 100)"
    );
    h.stop().await;
}

fn ops(page: &Value) -> Vec<(String, String, String)> {
    page["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .map(|d| {
            let f = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            (f("serial_number"), f("op_type"), f("op_date"))
        })
        .collect()
}

/// Moves the sim clock a minute on; returns the new time as Apple formats it.
async fn tick(h: &Harness) -> String {
    h.admin.advance_clock(60).await.expect("clock").now
}

#[tokio::test]
async fn sync_reports_assign_modify_release_and_move_with_op_dates() {
    let h = Harness::start(options()).await;
    let (a, sa, _) = with_devices(&h, "A", 2).await;
    let b = register(&h, "B").await;
    let sb = session(&h, &b.token).await;
    let ca = fetch_cursor(&h, &sa).await;
    let cb = fetch_cursor(&h, &sb).await;

    h.admin.set_default_server(None).await.expect("no default");
    let x = h
        .admin
        .add_devices(1, Some("iOS"))
        .await
        .expect("add")
        .serials
        .remove(0);
    let one = std::slice::from_ref(&x);
    let t0 = tick(&h).await;
    h.admin.assign(&a.server_uuid, one).await.expect("assign");
    let t1 = tick(&h).await;
    let patch = DevicePatch {
        asset_tag: Some("TAG-1".into()),
        ..DevicePatch::default()
    };
    h.admin.modify_device(&x, &patch).await.expect("modify");
    let t2 = tick(&h).await;
    let moved = h
        .admin
        .move_devices(one, &b.server_uuid)
        .await
        .expect("move");
    assert_eq!(moved.applied, one);
    let t3 = tick(&h).await;
    h.admin.release(one).await.expect("release");

    let page_a = post(&h, "/devices/sync", &sa, json!({"cursor": ca})).await;
    assert_eq!(
        ops(&page_a.body),
        vec![
            (x.clone(), "added".into(), t0),
            (x.clone(), "modified".into(), t1),
            (x.clone(), "deleted".into(), t2.clone()),
        ]
    );
    let page_b = post(&h, "/devices/sync", &sb, json!({"cursor": cb})).await;
    assert_eq!(
        ops(&page_b.body),
        vec![
            (x.clone(), "added".into(), t2),
            (x.clone(), "deleted".into(), t3)
        ]
    );
    // Records show the device as of now: released, so no assignment date any more.
    assert!(page_b.body["devices"][0]
        .get("device_assigned_date")
        .is_none());
    assert_eq!(page_a.body["devices"][0]["asset_tag"], "TAG-1");
    h.stop().await;
}

#[tokio::test]
async fn sync_pages_follow_the_event_log() {
    let h = Harness::start(options()).await;
    let (_, s, _) = with_devices(&h, "A", 3).await;
    let c = fetch_cursor(&h, &s).await;
    let more = h.admin.add_devices(5, None).await.expect("add").serials;
    let p1 = post(&h, "/devices/sync", &s, json!({"cursor": c, "limit": 3})).await;
    assert_eq!(
        (serials(&p1.body), &p1.body["more_to_follow"]),
        (more[..3].to_vec(), &json!(true))
    );
    let c1 = p1.body["cursor"].as_str().expect("c");
    let p2 = post(&h, "/devices/sync", &s, json!({"cursor": c1, "limit": 3})).await;
    assert_eq!(
        (serials(&p2.body), &p2.body["more_to_follow"]),
        (more[3..].to_vec(), &json!(false))
    );
    assert!(p2.body["devices"]
        .as_array()
        .expect("d")
        .iter()
        .all(|d| d["op_type"] == "added"));
    assert_eq!(
        p2.body["devices"][0]["op_date"],
        p2.body["devices"][0]["device_assigned_date"]
    );
    h.stop().await;
}

#[tokio::test]
async fn cursor_required_invalid_foreign_and_expired() {
    let h = Harness::start(options()).await;
    let (a, s, _) = with_devices(&h, "A", 1).await;
    let b = register(&h, "B").await;
    let sb = session(&h, &b.token).await;
    assert_error(
        &post(&h, "/devices/sync", &s, json!({})).await,
        400,
        "CURSOR_REQUIRED",
    );
    assert_error(
        &post(&h, "/devices/sync", &s, json!({"cursor": ""})).await,
        400,
        "CURSOR_REQUIRED",
    );
    assert_error(
        &post(&h, "/devices/sync", &s, json!({"cursor": "garbage!"})).await,
        400,
        "INVALID_CURSOR",
    );
    let c = fetch_cursor(&h, &s).await;
    assert_error(
        &post(&h, "/devices/sync", &sb, json!({"cursor": c})).await,
        400,
        "INVALID_CURSOR",
    );
    assert_error(
        &post(&h, "/devices/sync", &s, json!("not an object")).await,
        400,
        "MALFORMED_REQUEST_BODY",
    );

    // Sessions die after 30 minutes of sim time, so each step opens a new one.
    h.admin.advance_clock(7 * 86_400 - 60).await.expect("clock");
    let s = session(&h, &a.token).await;
    assert_eq!(
        post(&h, "/devices/sync", &s, json!({"cursor": c}))
            .await
            .status,
        200,
        "just under 7 days"
    );
    h.admin.advance_clock(120).await.expect("clock");
    let s = session(&h, &a.token).await;
    assert_error(
        &post(&h, "/devices/sync", &s, json!({"cursor": c})).await,
        400,
        "EXPIRED_CURSOR",
    );
    assert_error(
        &post(&h, "/server/devices", &s, json!({"cursor": c})).await,
        400,
        "EXPIRED_CURSOR",
    );
    h.stop().await;
}

#[tokio::test]
async fn limits_default_and_clamp_to_apples_maximum() {
    let h = Harness::start(options()).await;
    let (_, s, _) = with_devices(&h, "A", 1_050).await;
    let default = post(&h, "/server/devices", &s, json!({})).await;
    assert_eq!(serials(&default.body).len(), 100);
    let big = post(&h, "/server/devices", &s, json!({"limit": 5000})).await;
    assert_eq!(
        (serials(&big.body).len(), &big.body["more_to_follow"]),
        (1000, &json!(true))
    );
    let rest = post(
        &h,
        "/server/devices",
        &s,
        json!({"limit": 5000, "cursor": big.body["cursor"]}),
    )
    .await;
    assert_eq!(
        (serials(&rest.body).len(), &rest.body["more_to_follow"]),
        (50, &json!(false))
    );
    let too_many: Vec<String> = (0..1001).map(|i| format!("SERIAL{i:06}")).collect();
    assert_error(
        &post(&h, "/devices", &s, json!({"devices": too_many})).await,
        400,
        "MALFORMED_REQUEST_BODY",
    );
    h.stop().await;
}

#[tokio::test]
async fn fetch_and_sync_need_a_product_user_agent() {
    let h = Harness::start(options()).await;
    let (_, s, _) = with_devices(&h, "A", 1).await;
    for (ua, code) in [
        (None, "USER_AGENT_MISSING"),
        (Some("Go-http-client/1.1"), "USER_AGENT_INVALID"),
    ] {
        for path in ["/server/devices", "/devices/sync"] {
            let mut rb = h
                .http
                .post(format!("{}{path}", h.base))
                .header("X-ADM-Auth-Session", &s)
                .body("{}");
            if let Some(ua) = ua {
                rb = rb.header("User-Agent", ua);
            }
            let resp = rb.send().await.expect("send");
            assert_eq!(resp.status().as_u16(), 400);
            assert_eq!(resp.text().await.expect("body"), format!("\"{code}\""));
        }
    }
    h.stop().await;
}

/// Two devices on server A (with a session), one on server B.
async fn two_servers(h: &Harness) -> (String, Vec<String>, String) {
    let (_, s, mine) = with_devices(h, "A", 2).await;
    let b = register(h, "B").await;
    h.admin
        .set_default_server(Some(&b.server_uuid))
        .await
        .expect("default");
    let theirs = h.admin.add_devices(1, Some("macOS")).await.expect("add");
    (s, mine, theirs.serials[0].clone())
}

#[tokio::test]
async fn details_answer_not_accessible_for_other_servers() {
    let h = Harness::start(options()).await;
    let (s, mine, theirs) = two_servers(&h).await;
    let body = json!({"devices": [mine[0], theirs, "NOSUCHSERIAL"]});
    let r = post(&h, "/devices", &s, body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let status = |serial: &str| r.body["devices"][serial]["response_status"].clone();
    assert_eq!(status(&mine[0]), "SUCCESS");
    assert!(r.body["devices"][&mine[0]]["model"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert_eq!(status(&theirs), "NOT_ACCESSIBLE");
    assert_eq!(status("NOSUCHSERIAL"), "NOT_ACCESSIBLE");
    let empty = post(&h, "/devices", &s, json!({"devices": []})).await;
    assert_error(&empty, 400, "DEVICE_ID_REQUIRED");
    h.stop().await;
}

#[tokio::test]
async fn disown_removes_own_devices_for_good() {
    let h = Harness::start(options()).await;
    let (s, mine, theirs) = two_servers(&h).await;
    let c = fetch_cursor(&h, &s).await;
    let d = post(
        &h,
        "/devices/disown",
        &s,
        json!({"devices": [mine[1], theirs]}),
    )
    .await;
    let expected = json!({ mine[1].clone(): "SUCCESS", theirs.clone(): "NOT_ACCESSIBLE" });
    assert_eq!(d.body["devices"], expected);
    let sync = post(&h, "/devices/sync", &s, json!({"cursor": c})).await;
    let got: Vec<(String, String)> = ops(&sync.body).into_iter().map(|o| (o.0, o.1)).collect();
    assert_eq!(got, vec![(mine[1].clone(), "deleted".to_string())]);
    let left = h
        .admin
        .devices(&DeviceQuery::default())
        .await
        .expect("devices");
    let gone = left.devices.iter().all(|d| d.serial_number != mine[1]);
    assert!(gone, "disowned devices leave the org");
    h.stop().await;
}
