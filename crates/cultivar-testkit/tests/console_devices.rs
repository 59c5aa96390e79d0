//! Devices and Device Details in a real browser (headless Chromium over WebDriver, see
//! `common`), on SQLite and PostgreSQL: the list with each device's state and its filter, a
//! device's Overview with its push failure warning (and a pending one's empty log), Logs >
//! MDM Activity with its state,
//! command and date filters and paging, "view error" with the ErrorChain and
//! RejectionReason; and the top-level Enrollment and Settings links. The device side is
//! driven through the store, as in the `mdm_admin` tests.
#![allow(clippy::unwrap_used)]

mod common;
#[allow(dead_code)]
#[path = "mdm_admin/kit.rs"]
mod kit;

use std::path::Path;

use common::{chromium, screenshot, sign_in, text_of, wait_for, Browser, EMAIL, PASSWORD};
use cultivar_store::MdmPushFailure;
use cultivar_testkit::{Backend, TestServer};
use fantoccini::{Client, Locator};
use kit::{call, device_reports, enroll, seed_abm};
use reqwest::StatusCode;

const PENDING: &str = "BRW1PENDING";
const ENROLLED: &str = "BRW2";
const UDID: &str = "BRW-UDID-2";
const ERROR: &str =
    "<key>ErrorChain</key><array><dict><key>ErrorCode</key><integer>12021</integer>\
    <key>ErrorDomain</key><string>MCMDMErrorDomain</string>\
    <key>USEnglishDescription</key><string>Unknown command</string></dict></array>\
    <key>RejectionReason</key><string>NotSupported</string>";

/// Queues `request_type` for the enrolled device through the admin API; returns its UUID.
async fn queue(server: &TestServer, request_type: &str) -> String {
    let body = serde_json::json!({ "request_type": request_type });
    let path = format!("/api/v1/devices/{ENROLLED}/commands");
    let (status, queued) = call(server, reqwest::Method::POST, &path, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{queued}");
    queued["command_uuid"].as_str().unwrap().to_owned()
}

/// A pending ABM device; an enrolled one whose ProfileList failed, whose CertificateList is
/// still queued and whose last push APNs refused. Returns (ProfileList, CertificateList)
/// UUIDs.
async fn setup(server: &TestServer) -> (String, String) {
    let store = server.store().as_ref();
    seed_abm(store, &[PENDING], &[]).await;
    enroll(store, UDID, Some(ENROLLED), "iPhone16,1", "ade", 0).await;
    let failed = queue(server, "ProfileList").await;
    device_reports(store, UDID, &failed, "Error", ERROR).await;
    let waiting = queue(server, "CertificateList").await;
    // As a push would record it (this server has no push certificate, so nothing is pushed).
    let refused = MdmPushFailure {
        reason: "DeviceTokenNotForTopic".to_owned(),
        permanent: true,
    };
    let now = time::OffsetDateTime::now_utc();
    assert!(store
        .record_mdm_push(UDID, Some(&refused), now)
        .await
        .unwrap());
    (failed, waiting)
}

async fn click(client: &Client, css: &str) {
    let element = client.find(Locator::Css(css)).await;
    element
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// The `data-*` attribute `attr` of every element matching `css`, in page order.
async fn attrs(client: &Client, css: &str, attr: &str) -> Vec<String> {
    let mut out = Vec::new();
    for element in client.find_all(Locator::Css(css)).await.unwrap() {
        out.push(element.attr(attr).await.unwrap().unwrap_or_default());
    }
    out
}

/// Picks `value` in the `<select name=state>` of the filter form and submits it.
async fn filter_state(client: &Client, value: &str) {
    let select = client
        .find(Locator::Css("form.filters select[name=state]"))
        .await;
    select.unwrap().select_by_value(value).await.unwrap();
    click(client, "form.filters button[type=submit]").await;
}

/// Waits until the address bar shows `path` (after a form submit or a link).
async fn wait_for_path(client: &Client, path: &str) {
    let wanted = client.current_url().await.unwrap().join(path).unwrap();
    client
        .wait()
        .at_most(common::PATIENCE)
        .for_url(wanted)
        .await
        .unwrap_or_else(|e| panic!("waiting for {path}: {e}"));
}

/// The list: both devices with their states; the state filter leaves only the pending one.
async fn device_list(client: &Client, dir: &Path) {
    click(client, "nav a[href='/devices']").await;
    wait_for(client, Locator::XPath("//h1[text()='Devices']")).await;
    let pending = format!("#devices tr[data-state='pending'] a[href='/devices/{PENDING}']");
    wait_for(client, Locator::Css(&pending)).await;
    let enrolled = format!("//tr[td/a[@href='/devices/{ENROLLED}']]/td[contains(@class,'state')]");
    let state = client.find(Locator::XPath(&enrolled)).await.unwrap();
    assert_eq!(state.text().await.unwrap(), "enrolled");
    screenshot(client, dir, "devices-list.png").await;

    filter_state(client, "pending").await;
    wait_for_path(client, "/devices?state=pending").await;
    assert_eq!(
        attrs(client, "#devices tbody tr", "data-state").await,
        ["pending"]
    );
    assert!(text_of(client, "#devices").await.contains(PENDING));
    filter_state(client, "").await;
    wait_for_path(client, "/devices?state=").await;
}

/// The pending device: only ABM knows it, so its Logs tab says it is not enrolled yet.
async fn pending_device(client: &Client) {
    click(client, &format!("#devices a[href='/devices/{PENDING}']")).await;
    let state = wait_for(client, Locator::Css("#device-state")).await;
    assert_eq!(state.text().await.unwrap(), "pending");
    assert!(client.find(Locator::Css("#no-enrollment")).await.is_ok());
    assert!(client.find(Locator::Css("#push")).await.is_err());
    click(client, "nav.tabs a[href$='/logs/mdm']").await;
    let note = wait_for(client, Locator::Css("#not-enrolled")).await;
    assert!(note.text().await.unwrap().starts_with("Not enrolled"));
    click(client, "p.crumbs a[href='/devices']").await;
    wait_for(client, Locator::XPath("//h1[text()='Devices']")).await;
}

/// The enrolled device's Overview, then its Logs tab: both commands, newest first.
async fn open_the_log(client: &Client, failed: &str, waiting: &str) {
    click(client, &format!("#devices a[href='/devices/{ENROLLED}']")).await;
    let state = wait_for(client, Locator::Css("#device-state")).await;
    assert_eq!(state.text().await.unwrap(), "enrolled");
    assert!(text_of(client, "#enrollment").await.contains(UDID));
    let warning = text_of(client, "#push-warning").await;
    assert!(
        warning.contains("DeviceTokenNotForTopic") && warning.contains("topic changed"),
        "{warning}"
    );
    let push = text_of(client, "#push").await;
    assert!(
        push.contains("failed") && push.contains("permanent"),
        "{push}"
    );
    click(client, "nav.tabs a[href$='/logs/mdm']").await;
    wait_for(client, Locator::XPath("//h1[text()='Logs › MDM Activity']")).await;
    let rows = attrs(client, "#mdm-activity tbody tr", "data-uuid").await;
    assert_eq!(rows, [waiting, failed]);
    let row = |uuid: &str| format!("#mdm-activity tr[data-uuid='{uuid}'] td.state");
    assert_eq!(text_of(client, &row(failed)).await, "error");
    assert_eq!(text_of(client, &row(waiting)).await, "queued");
}

/// The state and command filters each narrow the table; a command nobody sent empties it.
async fn filter_the_log(client: &Client, dir: &Path, failed: &str, waiting: &str) {
    let base = format!("/devices/{ENROLLED}/logs/mdm");
    filter_state(client, "error").await;
    wait_for_path(client, &format!("{base}?since=&until=&state=error&type=")).await;
    let rows = attrs(client, "#mdm-activity tbody tr", "data-uuid").await;
    assert_eq!(rows, [failed]);
    screenshot(client, dir, "devices-activity-error.png").await;

    filter_state(client, "").await;
    wait_for_path(client, &format!("{base}?since=&until=&state=&type=")).await;
    let command = client
        .find(Locator::Css("form.filters input[name=type]"))
        .await
        .unwrap();
    command.send_keys("CertificateList").await.unwrap();
    click(client, "form.filters button[type=submit]").await;
    wait_for_path(
        client,
        &format!("{base}?since=&until=&state=&type=CertificateList"),
    )
    .await;
    let rows = attrs(client, "#mdm-activity tbody tr", "data-uuid").await;
    assert_eq!(rows, [waiting]);
    // The filter form keeps what was asked.
    let kept = client
        .find(Locator::Css("form.filters input[name=type]"))
        .await;
    assert_eq!(
        kept.unwrap().prop("value").await.unwrap().as_deref(),
        Some("CertificateList")
    );

    filter_state(client, "acknowledged").await;
    wait_for(client, Locator::Css("#no-commands")).await;
    let log = client.current_url().await.unwrap().join(&base).unwrap();
    client.goto(log.as_str()).await.unwrap();
    wait_for(client, Locator::Css("#mdm-activity")).await;
}

/// Sets the date input `name` of the filter form (typing into one depends on the locale).
async fn set_date(client: &Client, name: &str, value: &str) {
    let js =
        "document.querySelector(`form.filters input[name=${arguments[0]}]`).value = arguments[1];";
    client
        .execute(js, vec![name.into(), value.into()])
        .await
        .unwrap();
}

/// Date ranges: one far in the future, one far in the past, one around now.
async fn filter_by_date(client: &Client, failed: &str, waiting: &str) {
    for (since, until, expected) in [
        ("2999-01-01", "", vec![]),
        ("", "2000-01-01", vec![]),
        ("2000-01-01", "2999-12-31", vec![waiting, failed]),
    ] {
        set_date(client, "since", since).await;
        set_date(client, "until", until).await;
        click(client, "form.filters button[type=submit]").await;
        let base = format!("/devices/{ENROLLED}/logs/mdm");
        let query = format!("{base}?since={since}&until={until}&state=&type=");
        wait_for_path(client, &query).await;
        let rows = attrs(client, "#mdm-activity tbody tr", "data-uuid").await;
        assert_eq!(rows, expected, "{since}..{until}");
    }
}

/// More commands than a page holds: "Older commands" shows the rest, "Newest commands" goes
/// back; the filters are kept across pages.
async fn page_through(client: &Client, server: &TestServer, failed: &str) {
    for _ in 0..99 {
        queue(server, "SecurityInfo").await;
    }
    let base = format!("/devices/{ENROLLED}/logs/mdm?state=queued");
    let url = client.current_url().await.unwrap().join(&base).unwrap();
    client.goto(url.as_str()).await.unwrap();
    wait_for(client, Locator::Css("#older-commands")).await;
    let rows = attrs(client, "#mdm-activity tbody tr", "data-uuid").await;
    assert_eq!(rows.len(), 100);
    assert!(client.find(Locator::Css("#newest-commands")).await.is_err());
    click(client, "#older-commands").await;
    wait_for(client, Locator::Css("#newest-commands")).await;
    // Only the queued ones: the failed ProfileList is not among them.
    assert!(client.find(Locator::Css("#no-commands")).await.is_ok());
    click(client, "#newest-commands").await;
    wait_for_path(client, &base).await;

    let all = format!("/devices/{ENROLLED}/logs/mdm");
    let url = client.current_url().await.unwrap().join(&all).unwrap();
    client.goto(url.as_str()).await.unwrap();
    click(client, "#older-commands").await;
    wait_for(client, Locator::Css("#newest-commands")).await;
    let rows = attrs(client, "#mdm-activity tbody tr", "data-uuid").await;
    assert_eq!(rows, [failed]);
    assert!(client.find(Locator::Css("#older-commands")).await.is_err());
}

/// "view error" on the failed command: its ErrorChain and RejectionReason.
async fn view_the_error(client: &Client, dir: &Path, failed: &str, waiting: &str) {
    let waiting_row = format!("#mdm-activity tr[data-uuid='{waiting}'] a.view-error");
    assert!(client.find(Locator::Css(&waiting_row)).await.is_err());
    click(
        client,
        &format!("#mdm-activity tr[data-uuid='{failed}'] a.view-error"),
    )
    .await;
    wait_for(client, Locator::Css("h2#error")).await;
    assert_eq!(text_of(client, "#command-state").await, "error");
    assert_eq!(
        text_of(client, "#rejection-reason").await,
        "RejectionReason: NotSupported"
    );
    let chain = attrs_text(client, "#error-chain tbody tr td").await;
    assert_eq!(chain, ["MCMDMErrorDomain", "12021", "Unknown command"]);
    assert!(text_of(client, "table.facts").await.contains(failed));
    screenshot(client, dir, "devices-command-error.png").await;
}

async fn attrs_text(client: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for element in client.find_all(Locator::Css(css)).await.unwrap() {
        out.push(element.text().await.unwrap());
    }
    out
}

/// The bar's top-level Enrollment and Settings links land on their first page.
async fn top_level_links(client: &Client) {
    click(client, "nav a[href='/enrollment']").await;
    wait_for(client, Locator::XPath("//h1[text()='ADE profiles']")).await;
    let url = client.current_url().await.unwrap();
    assert_eq!(url.path(), "/enrollment/ade/profiles");
    click(client, "nav a[href='/settings']").await;
    wait_for(client, Locator::XPath("//h1[text()='ABM Integration']")).await;
    assert_eq!(client.current_url().await.unwrap().path(), "/settings/abm");
}

async fn devices_in(client: &Client, backend: Backend, dir: &Path) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    cultivar_core::auth::create_admin_user(&**server.store(), EMAIL, PASSWORD)
        .await
        .unwrap();
    let (failed, waiting) = setup(&server).await;
    sign_in(client, &server).await;
    device_list(client, dir).await;
    pending_device(client).await;
    open_the_log(client, &failed, &waiting).await;
    filter_the_log(client, dir, &failed, &waiting).await;
    filter_by_date(client, &failed, &waiting).await;
    view_the_error(client, dir, &failed, &waiting).await;
    page_through(client, &server, &failed).await;
    top_level_links(client).await;
    server.shutdown().await;
}

#[tokio::test]
async fn devices_and_mdm_activity_in_a_browser() {
    let Some((chromium, chromedriver)) = chromium() else {
        return;
    };
    let files = tempfile::tempdir().unwrap();
    let browser = Browser::start(&chromium, &chromedriver).await;
    let client = &browser.client;
    client.set_window_size(1400, 1400).await.unwrap();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        devices_in(client, backend, files.path()).await;
    }
    browser.stop().await;
}
