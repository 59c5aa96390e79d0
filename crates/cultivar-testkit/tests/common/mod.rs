//! Shared helpers of the console browser tests: headless Chromium driven over WebDriver
//! (chromedriver started on a free port), waits bounded by [`PATIENCE`], screenshots, sign-in.
//!
//! Chromium comes from `CULTIVAR_CHROMIUM` / `CULTIVAR_CHROMEDRIVER` (set by `scripts/test`), else
//! Debian's paths. Without it a test warns and passes, except under `CI=true`, where it fails.
#![allow(clippy::unwrap_used, dead_code)]

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use cultivar_testkit::TestServer;
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

pub const EMAIL: &str = "browser-admin@example.com";
pub const PASSWORD: &str = "correct horse battery";

/// Bounds every wait for chromedriver and for pages; nothing waits for a fixed time.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Where Chromium and chromedriver are, or `None` (after a warning) when this machine has none.
pub fn chromium() -> Option<(PathBuf, PathBuf)> {
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
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start(chromium: &Path, chromedriver: &Path) -> Browser {
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

    pub async fn stop(mut self) {
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

pub async fn wait_for(client: &Client, locator: Locator<'_>) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(PATIENCE)
        .for_element(locator)
        .await
        .unwrap_or_else(|e| panic!("waiting for {locator:?}: {e}"))
}

pub async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// Saves a screenshot in the test's directory and, when `CULTIVAR_SCREENSHOT_DIR` is set, there.
pub async fn screenshot(client: &Client, dir: &Path, name: &str) {
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
    std::fs::write(dir.join(name), &png).unwrap();
    if let Some(keep) = std::env::var_os("CULTIVAR_SCREENSHOT_DIR").filter(|v| !v.is_empty()) {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::write(Path::new(&keep).join(name), &png).unwrap();
    }
}

pub async fn sign_in(client: &Client, server: &TestServer) {
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

/// Hovers the top-level menu `section` and clicks its entry `href` (menus open on hover).
pub async fn open_menu(client: &Client, section: &str, href: &str) {
    let top = client
        .find(Locator::Css(&format!("nav a[href='{section}']")))
        .await
        .unwrap();
    let hover = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
        element: top,
        duration: None,
        x: 0,
        y: 0,
    });
    client.perform_actions(hover).await.unwrap();
    let link = client
        .find(Locator::Css(&format!("nav a[href='{href}']")))
        .await
        .unwrap();
    link.click().await.unwrap();
}
