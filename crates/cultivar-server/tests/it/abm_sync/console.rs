//! Devices > ABM Devices and the sync history page over real HTTP with a cookie-keeping client.

use reqwest::{Client, StatusCode};
use uuid::Uuid;

use super::{each_backend, Fixture};
use crate::abm_console::{by_id, hidden};

const EMAIL: &str = "sync-admin@example.com";
const PASSWORD: &str = "correct horse battery";

/// Signs in; returns the browser and the session's CSRF token.
async fn sign_in(f: &Fixture) -> (Client, String) {
    let server = &f.server;
    cultivar_core::auth::create_admin_user(&**server.store(), EMAIL, PASSWORD)
        .await
        .unwrap();
    let browser = server.browser();
    let login = browser.get(server.url_for("/login")).send().await.unwrap();
    let token = hidden(&login.text().await.unwrap(), "csrf_token");
    let fields = [
        ("email", EMAIL),
        ("password", PASSWORD),
        ("csrf_token", &token),
    ];
    let response = browser
        .post(server.url_for("/login"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = get(f, &browser, "/devices/abm").await;
    let csrf = hidden(&page, "csrf_token");
    (browser, csrf)
}

async fn get(f: &Fixture, browser: &Client, path: &str) -> (StatusCode, String) {
    let response = browser.get(f.server.url_for(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn sync_now(
    f: &Fixture,
    browser: &Client,
    id: Uuid,
    csrf: Option<&str>,
) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = csrf.map(|c| ("csrf_token", c)).into_iter().collect();
    browser
        .post(f.server.url_for(&format!("/devices/abm/servers/{id}/sync")))
        .form(&fields)
        .send()
        .await
        .unwrap()
}

/// The id of the latest run of `id`.
async fn latest_run(f: &Fixture, id: Uuid) -> Uuid {
    let runs = f.server.store().list_sync_runs(id, 1, None).await.unwrap();
    runs[0].id
}

/// How many device rows the page's table has.
fn rows(page: &str) -> usize {
    page.matches("<td class=\"serial\">").count()
}

#[tokio::test]
async fn pages_need_a_session_and_sync_now_needs_the_csrf_token() {
    let Some(f) = Fixture::start(cultivar_testkit::Backend::Sqlite).await else {
        return;
    };
    let id = f.main;
    for path in [
        "/devices/abm".to_owned(),
        "/devices/abm.csv".to_owned(),
        format!("/devices/abm/servers/{id}/runs"),
    ] {
        let response = f
            .server
            .http()
            .get(f.server.url_for(&path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()["location"], "/login", "{path}");
    }
    let anonymous = f.server.browser();
    assert_eq!(
        sync_now(&f, &anonymous, id, Some("x")).await.status(),
        StatusCode::SEE_OTHER
    );

    let (browser, csrf) = sign_in(&f).await;
    for forged in [None, Some(""), Some("forged-token")] {
        let response = sync_now(&f, &browser, id, forged).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{forged:?}");
    }
    assert!(
        f.server
            .store()
            .list_sync_runs(id, 10, None)
            .await
            .unwrap()
            .is_empty(),
        "no run started"
    );
    // A real token starts one.
    let response = sync_now(&f, &browser, id, Some(&csrf)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/devices/abm");
    f.server
        .state()
        .sync
        .wait(latest_run(&f, id).await)
        .await
        .unwrap();
    assert_eq!(
        f.audited("abm.sync.start").await[0].actor,
        format!("user:{EMAIL}")
    );
}

/// While Apple holds the run, the page shows its progress and reloads itself.
async fn progress_while_running(f: &Fixture, browser: &Client, csrf: &str) {
    f.gate.close();
    let response = sync_now(f, browser, f.main, Some(csrf)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, running) = get(f, browser, "/devices/abm").await;
    let refresh = "<meta http-equiv=\"refresh\" content=\"2\">";
    assert!(running.contains(refresh), "{running}");
    let progress = by_id(&running, &format!("sync-progress-{}", f.main));
    assert!(progress.contains("0 pages, 0 devices so far"), "{progress}");
    f.gate.open();
    let run = latest_run(f, f.main).await;
    f.server.state().sync.wait(run).await.unwrap();
}

/// Then the summary, the devices and no more reloading; the OS filter and the export link.
async fn summary_and_filter(f: &Fixture, browser: &Client) {
    let (_, done) = get(f, browser, "/devices/abm").await;
    assert!(!done.contains("http-equiv=\"refresh\""));
    let summary = by_id(&done, &format!("sync-counts-{}", f.main));
    assert_eq!(summary, "1 page, 7 added, 0 modified, 0 deleted", "{done}");
    assert_eq!(
        (by_id(&done, "device-total"), rows(&done)),
        ("7".to_owned(), 7)
    );
    let (_, macs) = get(f, browser, "/devices/abm?os=OSX&removed=&search=").await;
    assert_eq!(
        (by_id(&macs, "device-total"), rows(&macs)),
        ("3".to_owned(), 3)
    );
    let selected = "<option value=\"OSX\" selected>macOS</option>";
    assert!(macs.contains(selected), "{macs}");
    let export = "href=\"/devices/abm.csv?os=OSX\"";
    assert!(macs.contains(export), "export keeps the filters");
    let csv = browser
        .get(f.server.url_for("/devices/abm.csv?os=OSX"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let lines = csv.text().await.unwrap().lines().count();
    assert_eq!(lines, 4, "header and 3 Macs");
}

/// Keyset pages: a "Next page" link that carries the filters.
async fn next_page_link(f: &Fixture, browser: &Client) {
    let (_, first) = get(f, browser, "/devices/abm?os=iOS&limit=3").await;
    assert_eq!(rows(&first), 3);
    let before_link = first.split("id=\"next-page\"").next().unwrap();
    let href = before_link.rsplit("href=\"").next().unwrap();
    let href = href.split('"').next().unwrap().replace("&#38;", "&");
    assert!(href.starts_with("/devices/abm?os=iOS&after="), "{href}");
    let (_, second) = get(f, browser, &format!("{href}&limit=3")).await;
    assert_eq!(rows(&second), 1);
    assert!(second.contains("id=\"first-page\"") && !second.contains("id=\"next-page\""));
}

#[tokio::test]
async fn devices_page_shows_progress_then_summary_and_filters() {
    each_backend(|f| async move {
        let (browser, csrf) = sign_in(&f).await;
        let (status, page) = get(&f, &browser, "/devices/abm").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("href=\"/devices/abm\""),
            "Devices menu links the page"
        );
        let fresh = page.contains("Not synced yet") && page.contains("Sync Now");
        assert!(fresh, "{page}");
        assert!(!page.contains("http-equiv=\"refresh\""));
        f.assign(&f.main_sim, 3, "macOS").await;
        f.assign(&f.main_sim, 4, "iOS").await;
        progress_while_running(&f, &browser, &csrf).await;
        summary_and_filter(&f, &browser).await;
        next_page_link(&f, &browser).await;
        // A filter value that names nothing is refused with the parameter named.
        let (status, bad) = get(&f, &browser, "/devices/abm?os=Windows").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.contains("os: must be one of"), "{bad}");
    })
    .await;
}

#[tokio::test]
async fn sync_history_page_lists_runs_and_entry_page_links_it() {
    each_backend(|f| async move {
        let (browser, _) = sign_in(&f).await;
        f.assign(&f.main_sim, 2, "iPadOS").await;
        f.sync(f.main).await;
        f.sync(f.main).await;
        let path = format!("/devices/abm/servers/{}/runs", f.main);
        let (status, page) = get(&f, &browser, &path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page.matches("<td>manual</td>").count(), 2, "{page}");
        assert!(page.contains("<td>incremental sync</td>"), "{page}");
        assert!(page.contains("class=\"ok\">success</td>"), "{page}");
        let (status, _) = get(
            &f,
            &browser,
            &format!("/devices/abm/servers/{}/runs", Uuid::new_v4()),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, entry) = get(&f, &browser, &format!("/settings/abm/{}", f.main)).await;
        assert!(
            entry.contains(&format!("href=\"/devices/abm?server={}\"", f.main)),
            "{entry}"
        );
        assert!(entry.contains(&format!("href=\"{path}\"")), "{entry}");
    })
    .await;
}
