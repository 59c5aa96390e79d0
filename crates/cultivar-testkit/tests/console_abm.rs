//! Settings > ABM Integration in a real browser: headless Chromium, driven over WebDriver (see
//! `common` for the browser setup and where Chromium comes from), walks the guide's four steps
//! against the ABM simulator, then tries a garbage upload.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{
    chromium, open_menu, screenshot, sign_in, text_of, wait_for, Browser, EMAIL, PASSWORD,
};
use cultivar_testkit::{Backend, TestServer, TestSim};
use fantoccini::{Client, Locator};

/// Settings > ABM Integration, the way a user gets there: hover "Settings", click the entry.
async fn open_abm_settings(client: &Client) {
    open_menu(client, "/settings", "/settings/abm").await;
    wait_for(client, Locator::XPath("//h1[text()='ABM Integration']")).await;
}

/// "Generate Token" with the simulator as the API base URL (under "Advanced").
async fn generate_token(client: &Client, name: &str, base_url: &str) {
    let field = client.find(Locator::Css("input[name=name]")).await;
    field.unwrap().send_keys(name).await.unwrap();
    let advanced = client.find(Locator::Css("details summary")).await;
    advanced.unwrap().click().await.unwrap();
    let field = client.find(Locator::Css("input[name=base_url]")).await;
    field.unwrap().send_keys(base_url).await.unwrap();
    let submit = client
        .find(Locator::Css("form[action='/settings/abm'] button"))
        .await;
    submit.unwrap().click().await.unwrap();
    wait_for(client, Locator::Css("#abm-public-key")).await;
}

/// Step 1 through the link's URL, with the browser's session cookie.
async fn download_public_key(client: &Client) -> String {
    let link = client.find(Locator::Css("#abm-public-key")).await.unwrap();
    let href = link.prop("href").await.unwrap().unwrap();
    let session = client.get_named_cookie("cultivar_session").await.unwrap();
    let response = reqwest::Client::new()
        .get(&href)
        .header("cookie", format!("cultivar_session={}", session.value()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/x-pem-file");
    response.text().await.unwrap()
}

/// Steps 1 to 3: download the public key, "upload it in ABM" and "download the token there"
/// (the simulator's portal API plays Apple Business Manager). Returns the saved `.p7m`.
async fn steps_in_abm(client: &Client, sim: &TestSim, dir: &Path) -> PathBuf {
    let pem = download_public_key(client).await;
    let registered = sim.admin().register_server("Main ABM", &pem).await.unwrap();
    let token = sim
        .admin()
        .download_token(&registered.server_uuid, None, None)
        .await
        .unwrap();
    let token_file = dir.join(&token.filename);
    std::fs::write(&token_file, &token.bytes).unwrap();
    token_file
}

/// Step 4 through the file input.
async fn upload_token(client: &Client, file: &Path) {
    let input = client
        .find(Locator::Css("input[type=file][name=token]"))
        .await
        .unwrap();
    input.send_keys(file.to_str().unwrap()).await.unwrap();
    let submit = client
        .find(Locator::Css("form[enctype='multipart/form-data'] button"))
        .await;
    submit.unwrap().click().await.unwrap();
}

/// `N` of "YYYY-MM-DD (in N days)".
fn days_left(expiry: &str) -> i64 {
    let inner = expiry
        .split("(in ")
        .nth(1)
        .unwrap_or_else(|| panic!("{expiry}"));
    inner.split(' ').next().unwrap().parse().unwrap()
}

/// A file that is no token: the rule is shown next to the form and the entry stays Active.
async fn garbage_upload_keeps_the_token(client: &Client, dir: &Path, org_name: &str) {
    let garbage = dir.join("garbage.p7m");
    std::fs::write(&garbage, b"this is not a server token").unwrap();
    upload_token(client, &garbage).await;
    let error = wait_for(client, Locator::Css("#abm-upload-error")).await;
    let message = error.text().await.unwrap();
    assert!(message.starts_with("token: "), "{message}");
    assert!(
        message.contains("not an S/MIME enveloped-data file"),
        "{message}"
    );
    assert_eq!(text_of(client, "#abm-status").await, "Active");
    assert_eq!(text_of(client, "#abm-org").await, org_name);
    screenshot(client, dir, "abm-upload-error.png").await;
}

#[tokio::test]
async fn abm_token_exchange_in_a_browser() {
    let Some((chromium, chromedriver)) = chromium() else {
        return;
    };
    let sim = TestSim::start(0).await;
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    cultivar_core::auth::create_admin_user(&**server.store(), EMAIL, PASSWORD)
        .await
        .unwrap();
    let files = tempfile::tempdir().unwrap();
    let browser = Browser::start(&chromium, &chromedriver).await;
    let client = &browser.client;
    client.set_window_size(1280, 1700).await.unwrap();

    sign_in(client, &server).await;
    open_abm_settings(client).await;
    generate_token(client, "Main ABM", sim.url()).await;
    assert!(text_of(client, ".flash")
        .await
        .contains("ABM server entry created"));
    assert_eq!(
        text_of(client, "#abm-status").await,
        "Awaiting server token"
    );

    let token_file = steps_in_abm(client, &sim, files.path()).await;
    upload_token(client, &token_file).await;
    let flash = wait_for(
        client,
        Locator::XPath("//p[@class='flash'][starts-with(., 'Token uploaded')]"),
    )
    .await;
    let org = sim.admin().org().await.unwrap();
    let abm_side = &sim.admin().servers().await.unwrap()[0];
    let expiry = text_of(client, "#abm-expiry").await;
    let expires_on = abm_side.token_expiry.as_deref().unwrap().get(..10).unwrap();
    assert_eq!(
        flash.text().await.unwrap(),
        format!("Token uploaded: {}, expires {expires_on}", org.name)
    );
    assert_eq!(text_of(client, "#abm-status").await, "Active");
    assert_eq!(text_of(client, "#abm-org").await, org.name);
    assert_eq!(text_of(client, "#abm-server-name").await, "Main ABM");
    assert!(expiry.starts_with(expires_on), "{expiry}");
    assert!(
        (360..=366).contains(&days_left(&expiry)),
        "about a year out: {expiry}"
    );
    screenshot(client, files.path(), "abm-active.png").await;

    garbage_upload_keeps_the_token(client, files.path(), &org.name).await;

    browser.stop().await;
}
