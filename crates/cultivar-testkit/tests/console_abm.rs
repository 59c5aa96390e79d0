//! Settings > ABM Integration in a real browser: headless Chromium, driven over WebDriver
//! (chromedriver started here on a free port), walks the guide's four steps against the ABM
//! simulator, then tries a garbage upload.
//!
//! Chromium comes from `CULTIVAR_CHROMIUM` / `CULTIVAR_CHROMEDRIVER` (set by `scripts/test`), else
//! Debian's paths. Without it the test warns and passes, except under `CI=true`, where it fails.
#![allow(clippy::unwrap_used)]

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use cultivar_testkit::{Backend, TestServer, TestSim};
use fantoccini::{
    actions::{InputSource, MouseActions, PointerAction},
    Client, ClientBuilder, Locator,
};
use hyper_util::client::legacy::connect::HttpConnector;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    net::TcpListener,
    process::{Child, Command},
};

const EMAIL: &str = "browser-admin@example.com";
const PASSWORD: &str = "correct horse battery";
/// Bounds every wait for chromedriver and for pages; nothing waits for a fixed time.
const PATIENCE: Duration = Duration::from_secs(30);

/// Where Chromium and chromedriver are, or `None` (after a warning) when this machine has none.
fn chromium() -> Option<(PathBuf, PathBuf)> {
    let path = |var: &str, default: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map_or_else(|| PathBuf::from(default), PathBuf::from)
    };
    let browser = path("CULTIVAR_CHROMIUM", "/usr/bin/chromium");
    let driver = path("CULTIVAR_CHROMEDRIVER", "/usr/bin/chromedriver");
    if browser.is_file() && driver.is_file() {
        return Some((browser, driver));
    }
    let missing = format!(
        "Chromium or chromedriver not found ({} / {}); install chromium and chromium-driver",
        browser.display(),
        driver.display()
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{missing}");
    eprintln!("warning: skipping the console browser test: {missing}");
    None
}

/// A chromedriver process and one headless Chromium session; the driver dies with this value.
struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start(chromium: &Path, chromedriver: &Path) -> Browser {
        // A port the kernel says is free; chromedriver takes it right after.
        let port = {
            let probe = TcpListener::bind("127.0.0.1:0").await.unwrap();
            probe.local_addr().unwrap().port()
        };
        let mut driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("starting chromedriver");
        let stdout = driver.stdout.take().unwrap();
        tokio::time::timeout(PATIENCE, started(stdout))
            .await
            .expect("chromedriver did not report readiness in time");
        let profile = tempfile::tempdir().unwrap();
        let client = connect(port, chromium, profile.path()).await;
        Browser {
            client,
            driver,
            _profile: profile,
        }
    }

    async fn stop(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill().await;
    }
}

/// Returns once chromedriver prints that it listens.
async fn started(stdout: tokio::process::ChildStdout) {
    let mut lines = BufReader::new(stdout).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        if line.contains("started successfully") {
            // Keep draining its output so chromedriver never blocks on a full pipe.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return;
        }
    }
    panic!("chromedriver exited before it was ready");
}

/// A WebDriver session, retried a few times: the first attempt can race Chromium's start-up.
async fn connect(port: u16, chromium: &Path, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "chrome".into());
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let mut last_error = String::new();
    for _ in 0..5 {
        let connecting = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await;
        match connecting {
            Ok(client) => return client,
            Err(e) => last_error = e.to_string(),
        }
    }
    panic!("no WebDriver session from chromedriver at {url}: {last_error}");
}

async fn wait_for(client: &Client, locator: Locator<'_>) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(PATIENCE)
        .for_element(locator)
        .await
        .unwrap_or_else(|e| panic!("waiting for {locator:?}: {e}"))
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// Saves a screenshot in the test's directory and, when `CULTIVAR_SCREENSHOT_DIR` is set, there.
async fn screenshot(client: &Client, dir: &Path, name: &str) {
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
    std::fs::write(dir.join(name), &png).unwrap();
    if let Some(keep) = std::env::var_os("CULTIVAR_SCREENSHOT_DIR").filter(|v| !v.is_empty()) {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::write(Path::new(&keep).join(name), &png).unwrap();
    }
}

async fn sign_in(client: &Client, server: &TestServer) {
    client.goto(&server.url_for("/login")).await.unwrap();
    wait_for(client, Locator::Css("input[name=email]"))
        .await
        .send_keys(EMAIL)
        .await
        .unwrap();
    let password = client.find(Locator::Css("input[name=password]")).await;
    password.unwrap().send_keys(PASSWORD).await.unwrap();
    let submit = client
        .find(Locator::Css("form[action='/login'] button"))
        .await;
    submit.unwrap().click().await.unwrap();
    wait_for(client, Locator::XPath("//h1[text()='Dashboard']")).await;
}

/// Settings > ABM Integration, the way a user gets there: hover "Settings", click the entry.
async fn open_abm_settings(client: &Client) {
    let settings = client
        .find(Locator::Css("nav a[href='/settings']"))
        .await
        .unwrap();
    let hover = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
        element: settings,
        duration: None,
        x: 0,
        y: 0,
    });
    client.perform_actions(hover).await.unwrap();
    let link = client
        .find(Locator::Css("nav a[href='/settings/abm']"))
        .await
        .unwrap();
    link.click().await.unwrap();
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
