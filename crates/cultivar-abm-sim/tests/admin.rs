//! The portal side: default server, CSV assignment, faults, terms, admin errors, state file.

mod common;

use common::*;
use cultivar_abm_sim::admin_types::{DeviceList, DeviceQuery};
use cultivar_abm_sim::{ClientError, Fault, SimOptions};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn default_server_only_gets_new_devices() {
    let h = Harness::start(SimOptions {
        devices: 3,
        ..options()
    })
    .await;
    let m = register(&h, "A").await;
    let unassigned = DeviceQuery {
        server: Some("none".into()),
        ..DeviceQuery::default()
    };
    assert_eq!(
        h.admin
            .devices(&unassigned)
            .await
            .expect("list")
            .devices
            .len(),
        3
    );
    h.admin
        .set_default_server(Some(&m.server_uuid))
        .await
        .expect("default");
    assert_eq!(
        h.admin
            .devices(&unassigned)
            .await
            .expect("list")
            .devices
            .len(),
        3,
        "not retroactive"
    );
    let added = h.admin.add_devices(2, Some("visionOS")).await.expect("add");
    assert_eq!(added.server_uuid.as_deref(), Some(m.server_uuid.as_str()));
    let on_a = DeviceQuery {
        server: Some(m.server_uuid.clone()),
        limit: Some(1),
        ..DeviceQuery::default()
    };
    let page = h.admin.devices(&on_a).await.expect("list");
    assert_eq!(
        (page.devices.len(), page.devices[0].os.as_str()),
        (1, "visionOS")
    );
    let next = DeviceQuery {
        after: page.next_after.clone(),
        ..on_a
    };
    let page2 = h.admin.devices(&next).await.expect("list");
    assert_eq!((page2.devices.len(), page2.next_after), (1, None));
    h.stop().await;
}

#[tokio::test]
async fn csv_assignment_applies_good_rows_and_reports_bad_ones() {
    let h = Harness::start(SimOptions {
        devices: 2,
        ..options()
    })
    .await;
    let m = register(&h, "A").await;
    let all = h
        .admin
        .devices(&DeviceQuery::default())
        .await
        .expect("list")
        .devices;
    let (s1, s2) = (all[0].serial_number.clone(), all[1].serial_number.clone());
    let csv = format!(
        "Serial Number\n{s1}\nnot-a-serial!\nZZZZZZZZZZZZ\n\n{}\n",
        s2.to_lowercase()
    );
    let r = h
        .admin
        .assign_csv(&m.server_uuid, &csv)
        .await
        .expect("assign");
    assert_eq!(r.applied, vec![s1.clone(), s2.clone()]);
    let bad: Vec<(Option<usize>, &str)> =
        r.errors.iter().map(|e| (e.row, e.value.as_str())).collect();
    assert_eq!(
        bad,
        vec![(Some(3), "not-a-serial!"), (Some(4), "ZZZZZZZZZZZZ")]
    );
    assert!(
        r.errors[1].error.contains("not a known serial"),
        "{}",
        r.errors[1].error
    );
    let again = h
        .admin
        .assign(&m.server_uuid, std::slice::from_ref(&s1))
        .await
        .expect("assign");
    assert_eq!(again.unchanged, vec![s1]);
    h.stop().await;
}

#[tokio::test]
async fn admin_errors_name_the_field() {
    let h = Harness::start(options()).await;
    let e = h
        .admin
        .register_server("A", "not a pem")
        .await
        .expect_err("bad cert");
    assert!(
        matches!(&e, ClientError::Status { status: 400, message } if message.starts_with("certificate_pem:")),
        "{e}"
    );
    let e = h
        .admin
        .download_token("NOPE", None, None)
        .await
        .expect_err("unknown");
    assert!(
        matches!(&e, ClientError::Status { status: 404, message } if message.contains("server_uuid")),
        "{e}"
    );
    let e = h
        .admin
        .add_devices(1, Some("watchOS"))
        .await
        .expect_err("os");
    assert!(
        matches!(&e, ClientError::Status { status: 400, message } if message.starts_with("os:")),
        "{e}"
    );
    let raw = h
        .http
        .post(format!("{}/_sim/clock/advance", h.base))
        .body("{")
        .send()
        .await
        .expect("send");
    assert_eq!(raw.status().as_u16(), 400);
    let body: serde_json::Value = raw.json().await.expect("json");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|m| m.starts_with("body:")),
        "{body}"
    );
    h.stop().await;
}

fn fault(endpoint: &str, status: u16) -> Fault {
    Fault {
        endpoint: endpoint.into(),
        status: Some(status),
        code: None,
        retry_after: None,
        count: 1,
        latency_ms: None,
    }
}

#[tokio::test]
async fn faults_fire_in_order_with_retry_after_and_count() {
    let h = Harness::start(options()).await;
    let m = register(&h, "A").await;
    let s = session(&h, &m.token).await;
    let c = fetch_cursor(&h, &s).await;
    let throttled = Fault {
        retry_after: Some(7),
        count: 2,
        ..fault("/devices/sync", 429)
    };
    let expired = Fault {
        code: Some("EXPIRED_CURSOR".into()),
        ..fault("/devices/sync", 400)
    };
    let down = Fault {
        latency_ms: Some(5),
        ..fault("*", 503)
    };
    for f in [&throttled, &expired] {
        h.admin.add_fault(f).await.expect("fault");
    }
    assert_eq!(h.admin.add_fault(&down).await.expect("fault").len(), 3);
    let sync = || post(&h, "/devices/sync", &s, json!({"cursor": c}));
    for _ in 0..2 {
        let r = sync().await;
        assert_error(&r, 429, "TOO_MANY_REQUESTS");
        assert_eq!(r.headers["retry-after"], "7");
    }
    assert_error(&sync().await, 400, "EXPIRED_CURSOR");
    let account = api(&h, Method::GET, "/account", &s, None).await;
    assert_error(&account, 503, "SERVICE_UNAVAILABLE");
    assert_eq!(sync().await.status, 200);
    assert!(h.admin.faults().await.expect("list").is_empty());
    h.stop().await;
}

#[tokio::test]
async fn echo_cursor_fault_answers_the_request_cursor_with_more_to_follow() {
    let h = Harness::start(options()).await;
    let m = register(&h, "A").await;
    let s = session(&h, &m.token).await;
    let c = fetch_cursor(&h, &s).await;
    h.admin
        .add_fault(&Fault::echo_cursor("/devices/sync", 2))
        .await
        .expect("fault");
    for _ in 0..2 {
        let r = post(&h, "/devices/sync", &s, json!({"cursor": c, "limit": 5})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            (
                &r.body["cursor"],
                &r.body["more_to_follow"],
                &r.body["devices"]
            ),
            (&json!(c), &json!(true), &json!([]))
        );
    }
    // Spent: the next call answers normally with a new cursor.
    let r = post(&h, "/devices/sync", &s, json!({"cursor": c})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_ne!(r.body["cursor"], json!(c));
    assert_eq!(r.body["more_to_follow"], json!(false));
    // Refused where it cannot apply.
    let bad = h
        .admin
        .add_fault(&Fault::echo_cursor("/account", 1))
        .await
        .expect_err("echo on /account");
    assert!(bad.to_string().contains("endpoint"), "{bad}");
    h.stop().await;
}

#[tokio::test]
async fn faults_are_validated_and_can_be_cleared() {
    let h = Harness::start(options()).await;
    h.admin
        .add_fault(&fault("/session", 429))
        .await
        .expect("fault");
    assert_eq!(h.admin.clear_faults().await.expect("clear").removed, 1);
    let zero = Fault {
        count: 0,
        ..fault("*", 500)
    };
    let bad = h.admin.add_fault(&zero).await.expect_err("count 0");
    assert!(bad.to_string().contains("count"), "{bad}");
    let bad = h
        .admin
        .add_fault(&fault("devices/sync", 500))
        .await
        .expect_err("path");
    assert!(bad.to_string().contains("endpoint"), "{bad}");
    h.stop().await;
}

#[tokio::test]
async fn unsigned_terms_block_api_calls_but_not_sessions() {
    let h = Harness::start(options()).await;
    let m = register(&h, "A").await;
    let s = session(&h, &m.token).await;
    assert!(
        !h.admin
            .set_terms_signed(false)
            .await
            .expect("terms")
            .terms_signed
    );
    let s2 = session(&h, &m.token).await;
    assert_error(
        &api(&h, Method::GET, "/account", &s, None).await,
        403,
        "T_C_NOT_SIGNED",
    );
    assert_error(
        &post(&h, "/server/devices", &s2, json!({})).await,
        403,
        "T_C_NOT_SIGNED",
    );
    h.admin.set_terms_signed(true).await.expect("terms");
    assert_eq!(api(&h, Method::GET, "/account", &s, None).await.status, 200);
    h.stop().await;
}

async fn all_devices(h: &Harness) -> DeviceList {
    h.admin
        .devices(&DeviceQuery::default())
        .await
        .expect("list")
}

#[tokio::test]
async fn state_file_round_trip_keeps_org_tokens_and_cursors_but_not_sessions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("abm-sim.json");
    let opts = || SimOptions {
        state_file: Some(file.clone()),
        devices: 4,
        ..options()
    };
    let h = Harness::start(opts()).await;
    let m = register(&h, "A").await;
    let first = all_devices(&h).await.devices[0].serial_number.clone();
    h.admin
        .assign(&m.server_uuid, &[first])
        .await
        .expect("assign");
    h.admin.advance_clock(3_600).await.expect("clock");
    let s = session(&h, &m.token).await;
    let c = fetch_cursor(&h, &s).await;
    let before = all_devices(&h).await;
    let clock = h.admin.clock().await.expect("clock");
    h.stop().await;
    assert!(file.exists());

    let h = Harness::start(opts()).await;
    assert_eq!(all_devices(&h).await, before, "no extra devices on reload");
    let offset = h.admin.clock().await.expect("clock").offset_seconds;
    assert_eq!(offset, clock.offset_seconds);
    let stale = api(&h, Method::GET, "/account", &s, None).await;
    assert_error(&stale, 401, "UNAUTHORIZED");
    let s = session(&h, &m.token).await;
    let sync = post(&h, "/devices/sync", &s, json!({"cursor": c})).await;
    assert_eq!(sync.status, 200, "cursor survives: {}", sync.body);
    assert_eq!(h.admin.servers().await.expect("servers")[0].device_count, 1);
    h.stop().await;
}

#[tokio::test]
async fn bad_query_parameters_get_json_errors() {
    let h = Harness::start(options()).await;
    let url = format!("{}/_sim/devices?limit=lots", h.base);
    let resp = h.http.get(url).send().await.expect("send");
    assert_eq!(resp.status().as_u16(), 400);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|m| m.starts_with("query:")),
        "{body}"
    );
    h.stop().await;
}
