//! Request counts, the long-poll on them, and faults aimed at the Nth request (`skip`).

mod common;

use common::*;
use cultivar_abm_sim::{ClientError, Fault};
use serde_json::json;

fn unavailable(endpoint: &str) -> Fault {
    Fault {
        endpoint: endpoint.into(),
        status: Some(503),
        code: None,
        retry_after: None,
        count: 1,
        latency_ms: None,
    }
}

#[tokio::test]
async fn requests_are_counted_per_path_and_can_be_waited_for() {
    let h = Harness::start(options()).await;
    let m = register(&h, "A").await;
    let s = session(&h, &m.token).await;
    for _ in 0..2 {
        let r = post(&h, "/server/devices", &s, json!({})).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let counts = h.admin.request_counts().await.expect("counts").counts;
    assert_eq!(counts.get("/server/devices"), Some(&2));
    assert_eq!(counts.get("/session"), Some(&1));
    assert_eq!(counts.get("/devices/sync"), None);

    // Reached already: answers at once.
    let done = h
        .admin
        .wait_for_requests("/server/devices", 2, None)
        .await
        .expect("wait");
    assert_eq!((done.count, done.reached), (2, true));
    // Reached while waiting: a request made after the wait began wakes it.
    let admin = h.admin.clone();
    let waiter =
        tokio::spawn(async move { admin.wait_for_requests("/server/devices", 3, None).await });
    // The waiter may or may not be registered before this request; either way it sees count 3.
    let r = post(&h, "/server/devices", &s, json!({})).await;
    assert_eq!(r.status, 200);
    let woke = waiter.await.expect("join").expect("wait");
    assert_eq!((woke.count, woke.reached), (3, true));
    // Not reached: the wait ends at its timeout and says so.
    let missed = h
        .admin
        .wait_for_requests("/devices/sync", 1, Some(0))
        .await
        .expect("wait");
    assert_eq!((missed.count, missed.reached), (0, false));
    h.stop().await;
}

#[tokio::test]
async fn bad_waits_are_refused_with_the_field_named() {
    let h = Harness::start(options()).await;
    let cases = [
        ("server/devices", 1, None, "path:"),
        ("/server/devices", 1, Some(120_001), "timeout_ms:"),
    ];
    for (path, count, timeout, field) in cases {
        let e = h
            .admin
            .wait_for_requests(path, count, timeout)
            .await
            .expect_err(path);
        match e {
            ClientError::Status { status, message } => {
                assert_eq!(status, 400);
                assert!(message.starts_with(field), "{message}");
            }
            other => panic!("expected a 400, got {other}"),
        }
    }
    h.stop().await;
}

#[tokio::test]
async fn a_fault_with_skip_fires_on_the_request_after_the_skipped_ones() {
    let h = Harness::start(options()).await;
    let m = register(&h, "A").await;
    let s = session(&h, &m.token).await;
    h.admin
        .add_fault_after(&unavailable("/server/devices"), 2)
        .await
        .expect("fault");
    let statuses = [
        post(&h, "/server/devices", &s, json!({})).await.status,
        // Other endpoints do not count towards the skip.
        api(&h, reqwest::Method::GET, "/account", &s, None)
            .await
            .status,
        post(&h, "/server/devices", &s, json!({})).await.status,
        post(&h, "/server/devices", &s, json!({})).await.status,
        post(&h, "/server/devices", &s, json!({})).await.status,
    ];
    assert_eq!(statuses, [200, 200, 200, 503, 200]);
    assert!(h.admin.faults().await.expect("faults").is_empty());
    h.stop().await;
}
