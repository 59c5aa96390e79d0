//! Profile define (with Apple's validation), get, assign (PUT and POST) and remove.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

fn profile() -> Value {
    json!({
        "profile_name": "Staff iPhones",
        "url": "https://mdm.example.com/enroll",
        "is_supervised": true,
        "is_mdm_removable": false,
        "org_magic": "1",
        "department": "IT",
        "support_email_address": "help@example.com",
        "skip_setup_items": ["Siri", "Privacy"]
    })
}

fn with(key: &str, value: Value) -> Value {
    let mut p = profile();
    p[key] = value;
    p
}

async fn setup(h: &Harness) -> (String, Vec<String>, String) {
    let m = register(h, "A").await;
    h.admin
        .set_default_server(Some(&m.server_uuid))
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
        .serials
        .remove(0);
    (session(h, &m.token).await, mine, theirs)
}

#[tokio::test]
async fn define_validates_like_apple() {
    let h = Harness::start(options()).await;
    let (s, _, _) = setup(&h).await;
    let cases = [
        (with("profile_name", json!("")), "CONFIG_NAME_REQUIRED"),
        (
            with("profile_name", json!("x".repeat(126))),
            "CONFIG_NAME_INVALID",
        ),
        (with("url", json!("not a url")), "CONFIG_URL_INVALID"),
        (with("is_supervised", json!(false)), "FLAGS_INVALID"),
        (
            with("department", json!("d".repeat(126))),
            "DEPARTMENT_INVALID",
        ),
        (with("org_magic", json!("m".repeat(257))), "MAGIC_INVALID"),
        (
            with("support_email_address", json!("nobody")),
            "SUPPORT_EMAIL_INVALID",
        ),
        (
            with("support_phone_number", json!("5".repeat(51))),
            "SUPPORT_PHONE_INVALID",
        ),
        (json!(["not", "an", "object"]), "MALFORMED_REQUEST_BODY"),
    ];
    for (body, code) in cases {
        assert_error(&post(&h, "/profile", &s, body).await, 400, code);
    }
    let mut no_url = profile();
    no_url.as_object_mut().expect("object").remove("url");
    assert_error(
        &post(&h, "/profile", &s, no_url).await,
        400,
        "CONFIG_URL_REQUIRED",
    );
    h.stop().await;
}

#[tokio::test]
async fn define_with_devices_then_get() {
    let h = Harness::start(options()).await;
    let (s, mine, theirs) = setup(&h).await;
    let r = post(
        &h,
        "/profile",
        &s,
        with("devices", json!([mine[0], theirs])),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let uuid = r.body["profile_uuid"].as_str().expect("uuid").to_string();
    assert!(
        uuid.len() == 32
            && uuid
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    );
    assert_eq!(
        r.body["devices"],
        json!({ mine[0].clone(): "SUCCESS", theirs.clone(): "NOT_ACCESSIBLE" })
    );

    let got = api(
        &h,
        Method::GET,
        &format!("/profile?profile_uuid={uuid}"),
        &s,
        None,
    )
    .await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(
        (
            got.body["profile_uuid"].as_str(),
            got.body["profile_name"].as_str()
        ),
        (Some(uuid.as_str()), Some("Staff iPhones"))
    );
    assert_eq!(got.body["skip_setup_items"], json!(["Siri", "Privacy"]));
    assert!(got.body.get("devices").is_none());
    assert_error(
        &api(&h, Method::GET, "/profile?profile_uuid=FFFF", &s, None).await,
        404,
        "PROFILE_NOT_FOUND",
    );
    assert_error(
        &api(&h, Method::GET, "/profile", &s, None).await,
        400,
        "PROFILE_UUID_REQUIRED",
    );
    h.stop().await;
}

async fn assign(h: &Harness, method: Method, s: &str, uuid: &str, serials: &[&String]) -> Reply {
    let body = json!({"profile_uuid": uuid, "devices": serials});
    api(h, method, "/profile/devices", s, Some(body)).await
}

#[tokio::test]
async fn assign_with_put_or_post_marks_devices_and_emits_modified() {
    let h = Harness::start(options()).await;
    let (s, mine, theirs) = setup(&h).await;
    let c = fetch_cursor(&h, &s).await;
    let uuid = field(&post(&h, "/profile", &s, profile()).await, "profile_uuid");

    let put = assign(&h, Method::PUT, &s, &uuid, &[&mine[0], &theirs]).await;
    assert_eq!(put.status, 200, "{}", put.body);
    let expected = json!({ mine[0].clone(): "SUCCESS", theirs.clone(): "NOT_ACCESSIBLE" });
    assert_eq!(put.body["devices"], expected);
    assert_eq!(put.body["profile_uuid"], uuid.as_str());
    let post_r = assign(&h, Method::POST, &s, &uuid, &[&mine[1]]).await;
    assert_eq!(post_r.body["devices"][&mine[1]], "SUCCESS");

    let d = post(&h, "/devices", &s, json!({"devices": [mine[0]]})).await;
    let rec = &d.body["devices"][&mine[0]];
    let got = (rec["profile_uuid"].as_str(), rec["profile_status"].as_str());
    assert_eq!(got, (Some(uuid.as_str()), Some("assigned")));
    assert!(rec["profile_assign_time"].as_str().is_some());

    let sync = post(&h, "/devices/sync", &s, json!({"cursor": c})).await;
    let records = sync.body["devices"].as_array().expect("devices");
    let kinds: Vec<&str> = records
        .iter()
        .filter_map(|d| d["op_type"].as_str())
        .collect();
    assert_eq!(kinds, vec!["modified", "modified"]);
    h.stop().await;
}

#[tokio::test]
async fn remove_with_delete_and_request_errors() {
    let h = Harness::start(options()).await;
    let (s, mine, theirs) = setup(&h).await;
    let uuid = field(&post(&h, "/profile", &s, profile()).await, "profile_uuid");
    assign(&h, Method::POST, &s, &uuid, &[&mine[0]]).await;
    let body = json!({"devices": [mine[0], theirs]});
    let del = api(&h, Method::DELETE, "/profile/devices", &s, Some(body)).await;
    let expected = json!({ mine[0].clone(): "SUCCESS", theirs.clone(): "NOT_ACCESSIBLE" });
    assert_eq!(del.body["devices"], expected);
    let d = post(&h, "/devices", &s, json!({"devices": [mine[0]]})).await;
    assert_eq!(d.body["devices"][&mine[0]]["profile_status"], "removed");

    let unknown = assign(&h, Method::POST, &s, "0000", &[&mine[0]]).await;
    assert_error(&unknown, 400, "PROFILE_NOT_FOUND");
    let no_uuid = post(&h, "/profile/devices", &s, json!({"devices": [mine[0]]})).await;
    assert_error(&no_uuid, 400, "PROFILE_UUID_REQUIRED");
    let no_devices = post(&h, "/profile/devices", &s, json!({"profile_uuid": uuid})).await;
    assert_error(&no_devices, 400, "DEVICE_ID_REQUIRED");
    h.stop().await;
}

#[tokio::test]
async fn profiles_belong_to_the_server_that_defined_them() {
    let h = Harness::start(options()).await;
    let (s, mine, _) = setup(&h).await;
    let uuid = post(&h, "/profile", &s, profile()).await.body["profile_uuid"]
        .as_str()
        .expect("uuid")
        .to_string();
    let c = register(&h, "C").await;
    let sc = session(&h, &c.token).await;
    assert_error(
        &api(
            &h,
            Method::GET,
            &format!("/profile?profile_uuid={uuid}"),
            &sc,
            None,
        )
        .await,
        404,
        "PROFILE_NOT_FOUND",
    );
    let r = post(
        &h,
        "/profile/devices",
        &sc,
        json!({"profile_uuid": uuid, "devices": [mine[0]]}),
    )
    .await;
    assert_error(&r, 400, "PROFILE_NOT_FOUND");
    h.stop().await;
}
