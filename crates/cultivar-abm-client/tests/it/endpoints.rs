//! Typed calls: methods, paths, bodies, replies, cursor errors, the 1000-serial limit.

use crate::mock::{client, fixture, Mock, Reply};
use cultivar_abm_client::AbmError;
use cultivar_abm_proto::{DeviceResult, Profile};
use serde_json::json;

fn serials(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("SERIAL{i:05}")).collect()
}

#[tokio::test]
async fn fetch_and_sync_send_cursor_and_limit_as_json() {
    let mock = Mock::start().await;
    let page = fixture("dep-api-json/device_response.json");
    mock.default("POST /server/devices", Reply::new(200, page.clone()));
    mock.default("POST /devices/sync", Reply::new(200, page));
    let (client, _) = client(&mock);

    let first = client.fetch_devices(None, None).await.expect("fetch");
    assert!(!first.devices.is_empty());
    assert!(!first.cursor.is_empty());
    client
        .fetch_devices(Some("abc"), Some(500))
        .await
        .expect("fetch page 2");
    client.sync_devices("xyz", None).await.expect("sync");

    let fetches = mock.requests("POST /server/devices");
    assert_eq!(fetches[0].json(), json!({}));
    assert_eq!(fetches[1].json(), json!({"cursor": "abc", "limit": 500}));
    assert_eq!(
        fetches[1].header("content-type"),
        Some("application/json;charset=UTF8")
    );
    let syncs = mock.requests("POST /devices/sync");
    assert_eq!(syncs[0].json(), json!({"cursor": "xyz"}));
}

#[tokio::test]
async fn cursor_error_codes_become_typed_variants() {
    let cases = [
        ("EXHAUSTED_CURSOR", AbmError::CursorExhausted),
        ("\"EXPIRED_CURSOR\"", AbmError::CursorExpired),
        (r#"{"code":"INVALID_CURSOR"}"#, AbmError::CursorInvalid),
        ("CURSOR_REQUIRED", AbmError::CursorRequired),
    ];
    let mock = Mock::start().await;
    let (client, sleeper) = client(&mock);
    for (body, expected) in cases {
        mock.queue("POST /devices/sync", Reply::new(400, body));
        let err = client.sync_devices("c", None).await.expect_err(body);
        assert_eq!(err, expected);
        assert!(err.is_cursor_error() && !err.is_retryable() && !err.is_auth_error());
    }
    mock.queue("POST /server/devices", Reply::new(400, "EXHAUSTED_CURSOR"));
    let err = client
        .fetch_devices(Some("c"), None)
        .await
        .expect_err("end");
    assert_eq!(err, AbmError::CursorExhausted);
    assert!(sleeper.delays().is_empty());
    assert_eq!(
        mock.count("GET /session"),
        1,
        "cursor errors are not auth errors"
    );
}

#[tokio::test]
async fn sync_without_a_cursor_is_refused_locally() {
    let mock = Mock::start().await;
    let (client, _) = client(&mock);
    assert_eq!(
        client.sync_devices("", None).await.expect_err("empty"),
        AbmError::CursorRequired
    );
    assert_eq!(mock.total(), 0);
}

#[tokio::test]
async fn device_details_and_disown_post_serials() {
    let mock = Mock::start().await;
    mock.default(
        "POST /devices",
        Reply::new(200, fixture("dep-api-json/device_details_response.json")),
    );
    mock.default(
        "POST /devices/disown",
        Reply::new(200, r#"{"devices":{"S1":"SUCCESS","S2":"NOT_ACCESSIBLE"}}"#),
    );
    let (client, _) = client(&mock);
    let details = client.device_details(&serials(2)).await.expect("details");
    assert!(!details.devices.is_empty());
    let disowned = client
        .disown_devices(&["S1".into(), "S2".into()])
        .await
        .expect("disown");
    assert_eq!(disowned.devices["S2"], DeviceResult::NotAccessible);
    assert_eq!(
        mock.requests("POST /devices")[0].json(),
        json!({"devices": ["SERIAL00000", "SERIAL00001"]})
    );
    assert_eq!(
        mock.requests("POST /devices/disown")[0].json(),
        json!({"devices": ["S1", "S2"]})
    );
}

#[tokio::test]
async fn define_and_get_profile() {
    let mock = Mock::start().await;
    mock.queue(
        "POST /profile",
        Reply::new(200, r#"{"profile_uuid":"P1","devices":{"S1":"SUCCESS"}}"#),
    );
    mock.queue("POST /profile", Reply::new(200, r#"{"devices":{}}"#));
    mock.default(
        "GET /profile",
        Reply::new(200, fixture("dep-api-json/fetch_profile_response.json")),
    );
    let (client, _) = client(&mock);
    let profile = Profile {
        profile_name: "Default".into(),
        url: Some("https://mdm.example.com/enroll".into()),
        is_mdm_removable: true,
        org_magic: "1".into(),
        devices: vec!["S1".into()],
        ..Profile::default()
    };
    let defined = client.define_profile(&profile).await.expect("define");
    assert_eq!(defined.profile_uuid.as_deref(), Some("P1"));
    let sent = mock.requests("POST /profile")[0].json();
    assert_eq!(sent["profile_name"], "Default");
    assert_eq!(sent["devices"], json!(["S1"]));

    let err = client.define_profile(&profile).await.expect_err("no uuid");
    assert!(matches!(err, AbmError::Malformed { .. }), "{err:?}");
    assert!(err.to_string().contains("profile_uuid"), "{err}");

    let fetched = client.get_profile("P 1/x").await.expect("get");
    assert!(fetched.url.is_some());
    let query = mock.requests("GET /profile")[0].query.clone();
    assert_eq!(query.as_deref(), Some("profile_uuid=P+1%2Fx"));
}

#[tokio::test]
async fn assign_uses_put_and_remove_is_a_delete_with_a_body() {
    let mock = Mock::start().await;
    mock.default(
        "PUT /profile/devices",
        Reply::new(
            200,
            r#"{"profile_uuid":"P1","devices":{"S1":"SUCCESS","S2":"THROTTLED"},"retry_after_seconds":3600}"#,
        ),
    );
    mock.default(
        "DELETE /profile/devices",
        Reply::new(200, r#"{"devices":{"S1":"SUCCESS"}}"#),
    );
    let (client, _) = client(&mock);
    let assigned = client
        .assign_profile("P1", &["S1".into(), "S2".into()])
        .await
        .expect("assign");
    assert_eq!(assigned.devices["S2"], DeviceResult::Throttled);
    assert_eq!(assigned.retry_after_seconds, Some(3600));
    assert_eq!(
        mock.requests("PUT /profile/devices")[0].json(),
        json!({"profile_uuid": "P1", "devices": ["S1", "S2"]})
    );

    client
        .remove_profile(&["S1".into()], Some("P1"))
        .await
        .expect("remove");
    client
        .remove_profile(&["S1".into()], None)
        .await
        .expect("remove");
    let removes = mock.requests("DELETE /profile/devices");
    assert_eq!(
        removes[0].json(),
        json!({"devices": ["S1"], "profile_uuid": "P1"})
    );
    assert_eq!(removes[1].json(), json!({"devices": ["S1"]}));
    assert_eq!(
        removes[0].header("content-type"),
        Some("application/json;charset=UTF8")
    );
}

#[tokio::test]
async fn more_than_1000_serials_are_refused_before_any_request() {
    let mock = Mock::start().await;
    let (client, _) = client(&mock);
    let many = serials(1001);
    let profile = Profile {
        devices: many.clone(),
        ..Profile::default()
    };
    let errors = [
        client
            .assign_profile("P1", &many)
            .await
            .expect_err("assign"),
        client
            .remove_profile(&many, None)
            .await
            .expect_err("remove"),
        client.device_details(&many).await.expect_err("details"),
        client.disown_devices(&many).await.expect_err("disown"),
        client.define_profile(&profile).await.expect_err("define"),
    ];
    for err in errors {
        assert!(matches!(err, AbmError::InvalidRequest { .. }), "{err:?}");
        assert!(err.to_string().contains("at most 1000"), "{err}");
    }
    assert_eq!(mock.total(), 0);

    mock.default(
        "PUT /profile/devices",
        Reply::new(200, r#"{"profile_uuid":"P1","devices":{}}"#),
    );
    client
        .assign_profile("P1", &serials(1000))
        .await
        .expect("exactly 1000 is fine");
}
