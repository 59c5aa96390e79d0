//! Injected per-serial assign results (FAILED, THROTTLED, NOT_ACCESSIBLE, the wildcard), and
//! the admin's validation of them.

mod common;

use common::*;
use cultivar_abm_sim::admin_types::{AssignResultRequest, InjectedResult};
use reqwest::Method;
use serde_json::{json, Value};

fn profile() -> Value {
    json!({
        "profile_name": "Staff",
        "url": "https://mdm.example.com/enroll",
        "is_mdm_removable": true,
        "org_magic": "1"
    })
}

/// Three iOS devices on server A, one on server B, a session of A and a profile of A.
async fn setup(h: &Harness) -> (String, Vec<String>, String, String) {
    let a = register(h, "A").await;
    h.admin
        .set_default_server(Some(&a.server_uuid))
        .await
        .expect("default");
    let mine = h
        .admin
        .add_devices(3, Some("iOS"))
        .await
        .expect("add")
        .serials;
    let b = register(h, "B").await;
    h.admin
        .set_default_server(Some(&b.server_uuid))
        .await
        .expect("default");
    let theirs = h
        .admin
        .add_devices(1, Some("iOS"))
        .await
        .expect("add")
        .serials;
    let s = session(h, &a.token).await;
    let uuid = field(&post(h, "/profile", &s, profile()).await, "profile_uuid");
    (s, mine, theirs[0].clone(), uuid)
}

fn inject(serials: &[&str], result: InjectedResult, count: Option<u32>) -> AssignResultRequest {
    AssignResultRequest {
        serials: serials.iter().map(|s| s.to_string()).collect(),
        result,
        count,
        retry_after_seconds: None,
    }
}

/// `PUT /profile/devices` with the given protocol version.
async fn assign_v(h: &Harness, s: &str, protocol: u32, uuid: &str, serials: &[&str]) -> Reply {
    let resp = h
        .http
        .put(format!("{}/profile/devices", h.base))
        .header("X-ADM-Auth-Session", s)
        .header("X-Server-Protocol-Version", protocol.to_string())
        .header("User-Agent", UA)
        .header("Content-Type", "application/json;charset=UTF8")
        .body(json!({"profile_uuid": uuid, "devices": serials}).to_string())
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.json().await.expect("json");
    Reply {
        status,
        body,
        headers,
    }
}

async fn status_of(h: &Harness, s: &str, serial: &str) -> (Option<String>, String) {
    let d = post(h, "/devices", s, json!({"devices": [serial]})).await;
    let rec = &d.body["devices"][serial];
    (
        rec["profile_uuid"].as_str().map(str::to_string),
        rec["profile_status"].as_str().expect("status").to_string(),
    )
}

#[tokio::test]
async fn injected_serials_fail_while_the_others_are_assigned() {
    let h = Harness::start(options()).await;
    let (s, mine, _, uuid) = setup(&h).await;
    let c = fetch_cursor(&h, &s).await;
    let failed = inject(&[&mine[0]], InjectedResult::Failed, Some(2));
    h.admin.add_assign_results(&failed).await.expect("inject");
    let mut throttled = inject(&[&mine[1]], InjectedResult::Throttled, None);
    throttled.retry_after_seconds = Some(120);
    h.admin
        .add_assign_results(&throttled)
        .await
        .expect("inject");
    assert_eq!(h.admin.assign_results().await.expect("list").len(), 2);

    let all = [mine[0].as_str(), &mine[1], &mine[2]];
    let r = assign_v(&h, &s, 10, &uuid, &all).await;
    assert_eq!(r.status, 200, "Apple answers 200 whatever the devices got");
    let expected = json!({ mine[0].clone(): "FAILED", mine[1].clone(): "THROTTLED",
        mine[2].clone(): "SUCCESS" });
    assert_eq!(r.body["devices"], expected);
    assert_eq!(r.body["retry_after_seconds"], 120);
    assert_eq!(status_of(&h, &s, &mine[0]).await, (None, "empty".into()));
    assert_eq!(status_of(&h, &s, &mine[1]).await, (None, "empty".into()));
    assert_eq!(
        status_of(&h, &s, &mine[2]).await,
        (Some(uuid.clone()), "assigned".into())
    );
    let sync = post(&h, "/devices/sync", &s, json!({"cursor": c})).await;
    assert_eq!(
        serials(&sync.body),
        vec![mine[2].clone()],
        "no event when refused"
    );

    // The FAILED injection answers twice, then the serial is assigned like any other.
    let second = assign_v(&h, &s, 10, &uuid, &all).await;
    assert_eq!(second.body["devices"][&mine[0]], "FAILED");
    assert_eq!(second.body["devices"][&mine[1]], "SUCCESS");
    assert!(second.body.get("retry_after_seconds").is_none());
    let third = assign_v(&h, &s, 10, &uuid, &[&mine[0]]).await;
    assert_eq!(third.body["devices"][&mine[0]], "SUCCESS");
    assert!(h.admin.assign_results().await.expect("list").is_empty());
    h.stop().await;
}

#[tokio::test]
async fn retry_after_seconds_is_sent_from_protocol_10() {
    let h = Harness::start(options()).await;
    let (s, mine, _, uuid) = setup(&h).await;
    let mut throttled = inject(&[&mine[0]], InjectedResult::Throttled, Some(2));
    throttled.retry_after_seconds = Some(300);
    h.admin
        .add_assign_results(&throttled)
        .await
        .expect("inject");
    let v9 = assign_v(&h, &s, 9, &uuid, &[&mine[0]]).await;
    assert_eq!(v9.body["devices"][&mine[0]], "THROTTLED");
    assert!(v9.body.get("retry_after_seconds").is_none(), "{}", v9.body);
    let v10 = assign_v(&h, &s, 10, &uuid, &[&mine[0]]).await;
    assert_eq!(v10.body["devices"][&mine[0]], "THROTTLED");
    assert_eq!(v10.body["retry_after_seconds"], 300);
    h.stop().await;
}

#[tokio::test]
async fn wildcard_and_not_accessible() {
    let h = Harness::start(options()).await;
    let (s, mine, theirs, uuid) = setup(&h).await;
    let star = inject(&["*"], InjectedResult::Throttled, None);
    h.admin.add_assign_results(&star).await.expect("inject");
    // Defining a profile without devices assigns nothing and leaves the wildcard in place.
    post(&h, "/profile", &s, profile()).await;
    let r = assign_v(&h, &s, 10, &uuid, &[&mine[0], &mine[1]]).await;
    let expected = json!({ mine[0].clone(): "THROTTLED", mine[1].clone(): "THROTTLED" });
    assert_eq!(r.body["devices"], expected);
    assert!(r.body.get("retry_after_seconds").is_none(), "none was set");
    let na = inject(
        &[&mine[0].to_lowercase()],
        InjectedResult::NotAccessible,
        None,
    );
    h.admin.add_assign_results(&na).await.expect("inject");
    let body = json!({"profile_uuid": uuid, "devices": [mine[0], mine[1], theirs]});
    let r = api(&h, Method::POST, "/profile/devices", &s, Some(body)).await;
    let expected = json!({ mine[0].clone(): "NOT_ACCESSIBLE", mine[1].clone(): "SUCCESS",
        theirs.clone(): "NOT_ACCESSIBLE" });
    assert_eq!(r.body["devices"], expected);
    assert_eq!(status_of(&h, &s, &mine[0]).await, (None, "empty".into()));
    h.stop().await;
}

#[tokio::test]
async fn define_with_devices_honours_injections_and_admin_checks_bodies() {
    let h = Harness::start(options()).await;
    let (s, mine, _, _) = setup(&h).await;
    let failed = inject(&[&mine[0]], InjectedResult::Failed, None);
    h.admin.add_assign_results(&failed).await.expect("inject");
    let mut p = profile();
    p["devices"] = json!([mine[0], mine[1]]);
    let r = post(&h, "/profile", &s, p).await;
    let expected = json!({ mine[0].clone(): "FAILED", mine[1].clone(): "SUCCESS" });
    assert_eq!(r.body["devices"], expected);

    let zero = inject(&[&mine[0]], InjectedResult::Failed, Some(0));
    let mut wrong_delay = inject(&[&mine[0]], InjectedResult::Failed, None);
    wrong_delay.retry_after_seconds = Some(5);
    for (bad, field) in [
        (zero, "count:"),
        (wrong_delay, "retry_after_seconds:"),
        (inject(&[], InjectedResult::Failed, None), "serials:"),
    ] {
        let e = h.admin.add_assign_results(&bad).await.expect_err("refused");
        assert!(e.to_string().contains(field), "{e}");
    }
    let unknown = h
        .http
        .post(format!("{}/_sim/assign-results", h.base))
        .json(&json!({"serials": ["X"], "result": "MAYBE"}))
        .send()
        .await
        .expect("send");
    assert_eq!(unknown.status().as_u16(), 400);
    let both = inject(&[&mine[1], &mine[2]], InjectedResult::Failed, None);
    h.admin.add_assign_results(&both).await.expect("inject");
    assert_eq!(
        h.admin.clear_assign_results().await.expect("clear").removed,
        2
    );
    assert!(h.admin.assign_results().await.expect("list").is_empty());
    h.stop().await;
}
