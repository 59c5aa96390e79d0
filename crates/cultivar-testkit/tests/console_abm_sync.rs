//! Devices > ABM Devices in a real browser: Sync Now against the ABM simulator, the page
//! following the run (it reloads itself while the run goes) to its summary, the synced devices in
//! the table, and the OS filter. Screenshots go to `CULTIVAR_SCREENSHOT_DIR` when set.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::{chromium, open_menu, screenshot, sign_in, wait_for, Browser, EMAIL, PASSWORD};
use cultivar_testkit::{Backend, TestServer, TestSim};
use fantoccini::{Client, Locator};
use uuid::Uuid;

/// An ABM entry with an uploaded token for a new simulator server; (entry id, simulator UUID).
async fn connected_entry(server: &TestServer, sim: &TestSim, name: &str) -> (Uuid, String) {
    let abm = &server.state().abm;
    let created = abm
        .create_server(name, Some(sim.url()), "test")
        .await
        .unwrap();
    let admin = sim.admin();
    let info = admin
        .register_server(name, &created.certificate_pem)
        .await
        .unwrap();
    let token = admin
        .download_token(&info.server_uuid, None, None)
        .await
        .unwrap();
    abm.upload_token(created.server.id, &token.bytes, false, "test")
        .await
        .unwrap();
    (created.server.id, info.server_uuid)
}

/// `n` new simulator devices with `os`, assigned to `sim_uuid`.
async fn assigned(sim: &TestSim, sim_uuid: &str, n: u32, os: &str) -> Vec<String> {
    let serials = sim.admin().add_devices(n, Some(os)).await.unwrap().serials;
    sim.admin().assign(sim_uuid, &serials).await.unwrap();
    serials
}

/// The texts of the cells with `class` in the device table.
async fn column(client: &Client, class: &str) -> Vec<String> {
    let css = format!("#abm-devices tbody td.{class}");
    let cells = client.find_all(Locator::Css(&css)).await.unwrap();
    let mut out = Vec::new();
    for cell in cells {
        out.push(cell.text().await.unwrap());
    }
    out
}

/// A server with a console user and an ABM entry whose simulator server has 5 iPhones, 3 Macs
/// and 2 iPads; returns the server, the entry id, every serial and the Macs' serials.
async fn fleet(sim: &TestSim) -> (TestServer, Uuid, Vec<String>, Vec<String>) {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    // The scheduler's startup tick (before any ABM server) is over; the next is 5 minutes away.
    let mut ticks = server.state().sync.ticks();
    ticks.wait_for(|n| *n >= 1).await.unwrap();
    cultivar_core::auth::create_admin_user(&**server.store(), EMAIL, PASSWORD)
        .await
        .unwrap();
    let (id, sim_uuid) = connected_entry(&server, sim, "Fleet ABM").await;
    let mut serials = assigned(sim, &sim_uuid, 5, "iOS").await;
    let macs = assigned(sim, &sim_uuid, 3, "macOS").await;
    serials.extend(macs.clone());
    serials.extend(assigned(sim, &sim_uuid, 2, "iPadOS").await);
    (server, id, serials, macs)
}

/// Sync Now; the page shows the run's progress, reloading itself, until the summary is there.
async fn sync_now(client: &Client, id: Uuid, serials: &[String]) {
    let panel = format!("#sync-{id}");
    let before = client.find(Locator::Css(&panel)).await.unwrap();
    assert!(before.text().await.unwrap().contains("Not synced yet"));
    let button = format!("{panel} button.sync-now");
    client
        .find(Locator::Css(&button))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let summary = wait_for(client, Locator::Css(&format!("#sync-summary-{id}"))).await;
    let summary = summary.text().await.unwrap();
    assert!(summary.starts_with("Last run: success"), "{summary}");
    assert!(
        summary.contains("10 added, 0 modified, 0 deleted"),
        "{summary}"
    );
    let total = client.find(Locator::Css("#device-total")).await.unwrap();
    assert_eq!(total.text().await.unwrap(), "10");
    let shown: BTreeSet<String> = column(client, "serial").await.into_iter().collect();
    assert_eq!(shown, serials.iter().cloned().collect::<BTreeSet<_>>());
}

/// Filter by OS: only the Macs remain, and the export link keeps the filter.
async fn filter_macs(client: &Client, macs: &[String]) {
    let os = client.find(Locator::Css("select[name=os]")).await.unwrap();
    os.select_by_value("OSX").await.unwrap();
    let filter = client.find(Locator::Css("form.filters button")).await;
    filter.unwrap().click().await.unwrap();
    wait_for(
        client,
        Locator::XPath("//span[@id='device-total'][text()='3']"),
    )
    .await;
    assert_eq!(column(client, "os").await, vec!["macOS"; 3]);
    let shown: BTreeSet<String> = column(client, "serial").await.into_iter().collect();
    assert_eq!(shown, macs.iter().cloned().collect::<BTreeSet<_>>());
    let export = client.find(Locator::Css("#export-csv")).await.unwrap();
    let href = export.attr("href").await.unwrap().unwrap();
    assert_eq!(href, "/devices/abm.csv?os=OSX");
}

#[tokio::test]
async fn abm_devices_sync_now_in_a_browser() {
    let Some((chromium, chromedriver)) = chromium() else {
        return;
    };
    let sim = TestSim::start(0).await;
    let (server, id, serials, macs) = fleet(&sim).await;
    let files = tempfile::tempdir().unwrap();
    let browser = Browser::start(&chromium, &chromedriver).await;
    let client = &browser.client;
    client.set_window_size(1400, 1800).await.unwrap();
    sign_in(client, &server).await;
    open_menu(client, "/devices", "/devices/abm").await;
    wait_for(client, Locator::XPath("//h1[text()='ABM Devices']")).await;
    sync_now(client, id, &serials).await;
    screenshot(client, files.path(), "abm-devices-synced.png").await;
    filter_macs(client, &macs).await;
    screenshot(client, files.path(), "abm-devices-macos.png").await;
    browser.stop().await;
}
