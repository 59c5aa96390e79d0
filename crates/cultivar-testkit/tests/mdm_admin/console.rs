//! Devices and Device Details > Logs > MDM Activity in the console, over plain HTTP: the list
//! with states, the overview, the activity table with filters and the "view error" page.

use cultivar_testkit::{both_backends, TestServer};
use reqwest::{Client, StatusCode};

use crate::kit::{call, device_reports, enroll, seed_abm};

const EMAIL: &str = "devices-admin@example.com";
const PASSWORD: &str = "correct horse battery";
const ERROR: &str =
    "<key>ErrorChain</key><array><dict><key>ErrorCode</key><integer>12021</integer>\
    <key>ErrorDomain</key><string>MCMDMErrorDomain</string>\
    <key>USEnglishDescription</key><string>Unknown command</string></dict></array>\
    <key>RejectionReason</key><string>NotSupported</string>";

async fn signed_in(server: &TestServer) -> Client {
    cultivar_core::auth::create_admin_user(&**server.store(), EMAIL, PASSWORD)
        .await
        .unwrap();
    let browser = server.browser();
    let login = browser.get(server.url_for("/login")).send().await.unwrap();
    let html = login.text().await.unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let token = html[start..].split('"').next().unwrap().to_owned();
    let form = [
        ("email", EMAIL),
        ("password", PASSWORD),
        ("csrf_token", &token),
    ];
    let resp = browser
        .post(server.url_for("/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    browser
}

async fn page(browser: &Client, server: &TestServer, path: &str) -> String {
    let resp = browser.get(server.url_for(path)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.text().await.unwrap()
}

/// A pending ABM device, an enrolled one with a failed ProfileList; returns its UUID.
async fn setup(server: &TestServer) -> String {
    let store = server.store().as_ref();
    seed_abm(store, &["CON1PENDING"], &[]).await;
    enroll(store, "CON-UDID-2", Some("CON2"), "iPhone16,1", "ade", 0).await;
    let body = serde_json::json!({"request_type": "ProfileList"});
    let (status, queued) = call(
        server,
        reqwest::Method::POST,
        "/api/v1/devices/CON2/commands",
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let uuid = queued["command_uuid"].as_str().unwrap().to_owned();
    device_reports(store, "CON-UDID-2", &uuid, "Error", ERROR).await;

    uuid
}

/// The list (a session needed) with its state column and filter.
async fn device_list(server: &TestServer, browser: &Client) {
    let list = page(browser, server, "/devices").await;
    assert!(list.contains(
        "<tr data-state=\"pending\"><td class=\"serial\"><a href=\"/devices/CON1PENDING\">"
    ));
    assert!(list
        .contains("<tr data-state=\"enrolled\"><td class=\"serial\"><a href=\"/devices/CON2\">"));
    let pending = page(browser, server, "/devices?state=pending").await;
    assert!(pending.contains("CON1PENDING") && !pending.contains("/devices/CON2\""));
}

/// The Overview tab, before and after the device's inventory arrives.
async fn overview(server: &TestServer, browser: &Client) {
    let store = server.store().as_ref();
    let overview = page(browser, server, "/devices/CON2").await;
    assert!(overview.contains("CON-UDID-2") && overview.contains("id=\"device-state\">enrolled"));
    assert!(overview.contains("id=\"no-inventory\""), "{overview}");
    let update = cultivar_store::MdmInventoryUpdate {
        enrollment_id: "CON-UDID-2".to_owned(),
        inventory: serde_json::json!({"DeviceName": "Front desk", "IsSupervised": true}),
        device_name: None,
        os_version: None,
        build_version: None,
        product_name: None,
        model: None,
        at: time::OffsetDateTime::now_utc(),
    };
    store.store_mdm_inventory(&update).await.unwrap();
    let overview = page(browser, server, "/devices/CON2").await;
    assert!(
        overview.contains("<th>DeviceName</th><td>Front desk</td>"),
        "{overview}"
    );
    assert!(overview.contains("<th>IsSupervised</th><td>true</td>"));
}

/// Logs > MDM Activity with its filters, the view-error page, an unknown device.
async fn activity(server: &TestServer, browser: &Client, uuid: &str) {
    let log = page(browser, server, "/devices/CON2/logs/mdm").await;
    assert!(log.contains(&format!("data-uuid=\"{uuid}\"")), "{log}");
    let error_href = format!("href=\"/devices/CON2/logs/mdm/{uuid}#error\">view error</a>");
    assert!(log.contains(&error_href), "{log}");
    let filtered = page(
        browser,
        server,
        "/devices/CON2/logs/mdm?state=acknowledged&since=&until=&type=",
    )
    .await;
    assert!(filtered.contains("id=\"no-commands\""));
    let by_type = page(
        browser,
        server,
        "/devices/CON2/logs/mdm?state=&type=ProfileList",
    )
    .await;
    assert!(by_type.contains(uuid));

    let error = page(browser, server, &format!("/devices/CON2/logs/mdm/{uuid}")).await;
    assert!(error.contains("<code>NotSupported</code>"), "{error}");
    assert!(
        error.contains("MCMDMErrorDomain")
            && error.contains("12021")
            && error.contains("Unknown command")
    );

    let missing = browser
        .get(server.url_for("/devices/NOSUCH"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

async fn console_pages(server: TestServer) {
    let uuid = setup(&server).await;
    let anonymous = server
        .browser()
        .get(server.url_for("/devices"))
        .send()
        .await
        .unwrap();
    assert_ne!(anonymous.status(), StatusCode::OK, "pages need a session");
    let browser = signed_in(&server).await;
    device_list(&server, &browser).await;
    overview(&server, &browser).await;
    activity(&server, &browser, &uuid).await;
    server.shutdown().await;
}

#[tokio::test]
async fn devices_and_the_mdm_activity_log_in_the_console() {
    both_backends(console_pages).await;
}
