//! Command refusals, bulk enqueue, the activity log, cancel and the error view.

use cultivar_store::NextCommand;
use cultivar_testkit::{both_backends, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

use crate::kit::{call, device_reports, enroll, get};

async fn refusal(server: &TestServer, device: &str, body: Value) -> (String, String) {
    let (status, resp) = call(
        server,
        reqwest::Method::POST,
        &format!("/api/v1/devices/{device}/commands"),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{resp}");
    (
        resp["error"]["field"].as_str().unwrap().to_owned(),
        resp["error"]["message"].as_str().unwrap().to_owned(),
    )
}

/// Unknown type, a payload key of the wrong type, a command forbidden in User Enrollment,
/// one not available on tvOS: each names its field and rule.
async fn schema_refusals(server: &TestServer) {
    let (field, message) =
        refusal(server, "UDID-IPHONE", json!({"request_type": "MakeCoffee"})).await;
    assert_eq!(field, "request_type");
    assert!(message.contains("MakeCoffee"), "{message}");

    let bad = json!({"request_type": "DeviceInformation", "payload": {"Queries": "UDID"}});
    let (field, message) = refusal(server, "UDID-IPHONE", bad).await;
    assert_eq!(field, "payload.Queries");
    assert!(message.contains("expected array"), "{message}");

    let (field, message) = refusal(
        server,
        "UE-ENROLLMENT-ID",
        json!({"request_type": "EraseDevice"}),
    )
    .await;
    assert_eq!(field, "targets[0]");
    assert!(message.contains("User Enrollment"), "{message}");

    let (field, message) = refusal(server, "RF3", json!({"request_type": "DeviceLock"})).await;
    assert_eq!(field, "targets[0]");
    assert!(message.contains("tvOS"), "{message}");
}

async fn refusals(server: TestServer) {
    let store = server.store().as_ref();
    enroll(store, "UDID-IPHONE", Some("RF1"), "iPhone16,1", "ade", 0).await;
    enroll(
        store,
        "UE-ENROLLMENT-ID",
        None,
        "iPhone16,1",
        "user_enrollment",
        0,
    )
    .await;
    enroll(store, "UDID-TV", Some("RF3"), "AppleTV14,1", "ade", 0).await;

    schema_refusals(&server).await;

    // A bulk request with one refused device queues nothing at all.
    let bulk = json!({"targets": ["UDID-IPHONE", "UDID-TV"], "request_type": "DeviceLock"});
    let (status, _) = call(
        &server,
        reqwest::Method::POST,
        "/api/v1/commands",
        Some(bulk),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let log = get(&server, "/api/v1/devices/UDID-IPHONE/commands").await;
    assert_eq!(log["commands"], json!([]), "nothing queued");

    let (status, _) = call(
        &server,
        reqwest::Method::POST,
        "/api/v1/devices/NOSUCH/commands",
        Some(json!({"request_type": "ProfileList"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let read_only = server
        .http()
        .post(server.url_for("/api/v1/devices/RF1/commands"))
        .bearer_auth(server.read_only_key())
        .json(&json!({"request_type": "DeviceInformation"}))
        .send()
        .await
        .unwrap();
    assert_eq!(read_only.status(), StatusCode::FORBIDDEN);
    server.shutdown().await;
}

#[tokio::test]
async fn commands_are_refused_with_the_field_and_rule() {
    both_backends(refusals).await;
}

const ERROR_EXTRA: &str =
    "<key>ErrorChain</key><array><dict><key>ErrorCode</key><integer>12021</integer>\
    <key>ErrorDomain</key><string>MCMDMErrorDomain</string>\
    <key>LocalizedDescription</key><string>Unknown command</string>\
    <key>USEnglishDescription</key><string>Unknown command</string></dict></array>\
    <key>RejectionReason</key><string>NotSupported</string>";

/// One command for two devices (and a duplicate and an unknown target), one for A alone.
async fn enqueue_both(server: &TestServer) -> (String, String) {
    let bulk = json!({
        "targets": ["UDID-A", "LOGB", "UDID-A", "NOPE"],
        "request_type": "DeviceInformation",
        "payload": {"Queries": ["OSVersion", "SerialNumber"]},
    });
    let (status, queued) = call(
        server,
        reqwest::Method::POST,
        "/api/v1/commands",
        Some(bulk),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{queued}");
    assert_eq!(queued["queued"], json!(["UDID-A", "UDID-B"]));
    assert_eq!(queued["unknown"], json!(["NOPE"]));
    let info = queued["command_uuid"].as_str().unwrap().to_owned();

    let (status, lock) = call(
        server,
        reqwest::Method::POST,
        "/api/v1/devices/LOGA/commands",
        Some(json!({"request_type": "ProfileList"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{lock}");
    let profiles = lock["command_uuid"].as_str().unwrap().to_owned();

    (info, profiles)
}

/// The log's rows and its state and type filters.
async fn log_rows_and_filters(server: &TestServer, profiles: &str) {
    let log = get(server, "/api/v1/devices/LOGA/commands").await;
    let rows: Vec<(&str, &str, bool, u64)> = log["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["request_type"].as_str().unwrap(),
                c["state"].as_str().unwrap(),
                c["has_error"].as_bool().unwrap(),
                c["not_now_count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("ProfileList", "acknowledged", false, 0),
            ("DeviceInformation", "error", true, 1)
        ]
    );

    let errors = get(
        server,
        "/api/v1/devices/LOGA/commands?state=error,command_format_error",
    )
    .await;
    assert_eq!(errors["commands"].as_array().unwrap().len(), 1);
    let by_type = get(server, "/api/v1/devices/LOGA/commands?type=ProfileList").await;
    assert_eq!(by_type["commands"][0]["command_uuid"], profiles);
}

/// Date filters: `since`/`until` dates, an until date including its day, bad input.
async fn date_filters(server: &TestServer) {
    let log = get(server, "/api/v1/devices/LOGA/commands").await;
    let future = (OffsetDateTime::now_utc() + Duration::days(1)).date();
    let none = get(
        server,
        &format!("/api/v1/devices/LOGA/commands?since={future}"),
    )
    .await;
    assert_eq!(none["commands"], json!([]));
    // A date as `until` includes that whole day (UTC): the days the commands were queued.
    let day_of = |i: usize| {
        let t = log["commands"][i]["queued_at"].as_str().unwrap();
        OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .unwrap()
            .to_offset(time::UtcOffset::UTC)
            .date()
    };
    let (day, last_day) = (day_of(1), day_of(0));
    let those_days = get(
        server,
        &format!("/api/v1/devices/LOGA/commands?since={day}&until={last_day}"),
    )
    .await;
    assert_eq!(those_days["commands"].as_array().unwrap().len(), 2);
    let day_before = day.previous_day().unwrap();
    let before = get(
        server,
        &format!("/api/v1/devices/LOGA/commands?until={day_before}"),
    )
    .await;
    assert_eq!(before["commands"], json!([]));
    let (status, body) = call(
        server,
        reqwest::Method::GET,
        "/api/v1/devices/LOGA/commands?since=yesterday",
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("since"))
    );
}

/// The command's reports and its parsed error.
async fn error_view(server: &TestServer, info: &str) {
    let detail = get(server, &format!("/api/v1/devices/UDID-A/commands/{info}")).await;
    let statuses: Vec<&str> = detail["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["NotNow", "Error"]);
    let error = &detail["error"];
    assert_eq!(error["rejection_reason"], "NotSupported");
    assert_eq!(error["error_chain"][0]["code"], 12021);
    assert_eq!(error["error_chain"][0]["domain"], "MCMDMErrorDomain");
}

/// Device B never fetched it: cancel it there; a second cancel finds nothing waiting.
async fn cancel(server: &TestServer, info: &str) {
    let store = server.store().as_ref();
    let path = format!("/api/v1/commands/{info}?device=LOGB");
    let (status, body) = call(server, reqwest::Method::DELETE, &path, None).await;
    assert_eq!(
        (status, body["cancelled"].as_u64()),
        (StatusCode::OK, Some(1))
    );
    let b = get(server, "/api/v1/devices/UDID-B/commands").await;
    assert_eq!(b["commands"][0]["state"], "cancelled");
    let (status, _) = call(server, reqwest::Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = call(
        server,
        reqwest::Method::DELETE,
        "/api/v1/commands/NO-SUCH-UUID",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let next = store
        .next_mdm_command("UDID-B", NextCommand::AfterIdle, OffsetDateTime::now_utc())
        .await
        .unwrap();
    assert_eq!(next, None, "a cancelled command is never handed out");
}

async fn queue_and_log(server: TestServer) {
    let store = server.store().as_ref();
    enroll(store, "UDID-A", Some("LOGA"), "iPhone16,1", "ade", 0).await;
    enroll(store, "UDID-B", Some("LOGB"), "Mac14,2", "ade", 0).await;

    let (info, profiles) = enqueue_both(&server).await;
    // Device A: NotNow first, then an Error on the information query; ProfileList acknowledged.
    device_reports(store, "UDID-A", &info, "NotNow", "").await;
    device_reports(store, "UDID-A", &info, "Error", ERROR_EXTRA).await;
    device_reports(store, "UDID-A", &profiles, "Acknowledged", "").await;

    log_rows_and_filters(&server, &profiles).await;
    date_filters(&server).await;
    error_view(&server, &info).await;
    cancel(&server, &info).await;
    audited(&server, &info).await;
    server.shutdown().await;
}

/// Enqueue and cancel leave audit entries naming the command.
async fn audited(server: &TestServer, info: &str) {
    let audit = get(server, "/api/v1/audit?limit=100").await;
    let target = format!("command:{info}");
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target"] == target.as_str())
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["mdm.command.cancel", "mdm.command.enqueue"]);
}

#[tokio::test]
async fn bulk_enqueue_activity_log_cancel_and_error_view() {
    both_backends(queue_and_log).await;
}
