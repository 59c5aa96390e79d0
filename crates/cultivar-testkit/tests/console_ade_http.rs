//! Enrollment > ADE over plain HTTP (no browser), on SQLite and PostgreSQL: the pages need a
//! session, forms need the CSRF token (the CSV upload checks its own), and a refused profile
//! answers 422 with every field and Apple's code while nothing is stored.
#![allow(clippy::unwrap_used)]

use cultivar_store::{GroupKind, NewDeviceGroup};
use cultivar_testkit::{Backend, TestServer};
use reqwest::{multipart, Client, StatusCode};

const EMAIL: &str = "admin@example.com";
const PASSWORD: &str = "correct horse battery";

/// The value of `name="field" value="…"` in a page.
fn hidden(html: &str, field: &str) -> String {
    let marker = format!("name=\"{field}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {field}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// A cookie-keeping client signed in, and the session's CSRF token.
async fn signed_in(server: &TestServer) -> (Client, String) {
    cultivar_core::auth::create_admin_user(&**server.store(), EMAIL, PASSWORD)
        .await
        .unwrap();
    let browser = server.browser();
    let login = browser.get(server.url_for("/login")).send().await.unwrap();
    let token = hidden(&login.text().await.unwrap(), "csrf_token");
    let form = [
        ("email", EMAIL),
        ("password", PASSWORD),
        ("csrf_token", &token),
    ];
    let response = browser
        .post(server.url_for("/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = browser
        .get(server.url_for("/enrollment/ade/profiles"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csrf = hidden(&page.text().await.unwrap(), "csrf_token");
    (browser, csrf)
}

async fn pages_need_a_session(server: &TestServer) {
    let anonymous = server.browser();
    for path in [
        "/enrollment/ade",
        "/enrollment/ade/profiles",
        "/enrollment/ade/profiles/new",
        "/enrollment/ade/defaults",
        "/enrollment/ade/groups",
        "/enrollment/ade/unassigned",
        "/enrollment/ade/explain",
        "/enrollment/ade/explain/C02ABC123DEF",
    ] {
        let response = anonymous.get(server.url_for(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()["location"], "/login", "{path}");
    }
}

/// Save straight from step 3 with three bad fields: all shown with their codes, none stored.
async fn refused_profile_lists_every_field(server: &TestServer, browser: &Client, csrf: &str) {
    let form = [
        ("csrf_token", csrf),
        ("step", "3"),
        ("action", "save"),
        ("os", "iOS"),
        ("profile_name", "Refused"),
        ("support_email_address", "nobody"),
        ("region", "Narnia"),
        ("is_supervised", "0"),
        ("is_mdm_removable", "0"),
    ];
    let url = server.url_for("/enrollment/ade/profiles/new");
    let without_token = browser.post(&url).form(&form[1..]).send().await.unwrap();
    assert_eq!(without_token.status(), StatusCode::FORBIDDEN);
    let response = browser.post(&url).form(&form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    for code in ["SUPPORT_EMAIL_INVALID", "LOCALE_INVALID", "FLAGS_INVALID"] {
        assert!(html.contains(code), "{code} missing");
    }
    // The first step with an error is shown, with what was typed.
    assert!(html.contains(r#"<fieldset id="step-1">"#), "step 1 shown");
    assert!(html.contains(r#"name="profile_name" value="Refused""#));
    let profiles = server.store().list_ade_profiles().await.unwrap();
    assert!(profiles.is_empty(), "{profiles:?}");
}

/// Next from step 1 shows the skip items of the chosen OS only; Back keeps what was typed.
async fn wizard_steps_follow_the_os(server: &TestServer, browser: &Client, csrf: &str) {
    let url = server.url_for("/enrollment/ade/profiles/new");
    let step1 = [
        ("csrf_token", csrf),
        ("step", "1"),
        ("action", "next"),
        ("os", "macOS"),
        ("profile_name", "Macs"),
    ];
    let response = browser.post(&url).form(&step1).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"<fieldset id="step-2">"#), "step 2 shown");
    assert!(
        html.contains(r#"name="skip" value="FileVault""#),
        "a macOS key"
    );
    assert!(
        !html.contains(r#"name="skip" value="TVRoom""#),
        "no tvOS key"
    );
    // Shared iPad is offered for iPadOS only; auto-advance for macOS and tvOS.
    assert!(!html.contains(r#"type="checkbox" name="is_multi_user""#));
    assert!(html.contains(r#"type="checkbox" name="auto_advance_setup""#));

    let back = [
        ("csrf_token", csrf),
        ("step", "2"),
        ("action", "back"),
        ("os", "macOS"),
        ("profile_name", "Macs"),
        ("skip", "FileVault"),
    ];
    let response = browser.post(&url).form(&back).send().await.unwrap();
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"<fieldset id="step-1">"#), "step 1 shown");
    assert!(html.contains(r#"name="profile_name" value="Macs""#));
    assert!(html.contains(r#"name="skip" value="FileVault" checked"#));
}

/// POSTs `form` (with the CSRF token) to `path`.
async fn post(
    server: &TestServer,
    browser: &Client,
    path: &str,
    csrf: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut fields = vec![("csrf_token", csrf)];
    fields.extend_from_slice(form);
    let url = server.url_for(path);
    browser.post(url).form(&fields).send().await.unwrap()
}

/// Defaults set (a profile of another OS refused inline) and cleared, then the group forms.
async fn defaults_and_group_forms(server: &TestServer, browser: &Client, csrf: &str) {
    let ade = &server.state().ade;
    let json = r#"{"os":"iOS","profile_name":"Phones","is_supervised":true}"#;
    let id = ade
        .create_profile(json)
        .await
        .unwrap()
        .profile
        .id
        .to_string();
    let store = server.store();
    let choice = [("profile", id.as_str())];
    let set = post(
        server,
        browser,
        "/enrollment/ade/defaults/iOS",
        csrf,
        &choice,
    )
    .await;
    assert_eq!(set.status(), StatusCode::SEE_OTHER);
    let default = store.os_default("iOS").await.unwrap().unwrap();
    assert_eq!(default.profile_id.to_string(), id);
    let mac = post(
        server,
        browser,
        "/enrollment/ade/defaults/macOS",
        csrf,
        &choice,
    )
    .await;
    assert_eq!(mac.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mac
        .text()
        .await
        .unwrap()
        .contains("must be a macOS profile"));
    let clear = post(
        server,
        browser,
        "/enrollment/ade/defaults/iOS/clear",
        csrf,
        &[],
    );
    assert_eq!(clear.await.status(), StatusCode::SEE_OTHER);
    assert_eq!(store.os_default("iOS").await.unwrap(), None);

    group_forms(server, browser, csrf, &id).await;
}

/// A group's profile set and cleared; typed serials with a bad one refused as a whole, the
/// text kept.
async fn group_forms(server: &TestServer, browser: &Client, csrf: &str, id: &str) {
    let (ade, store) = (&server.state().ade, server.store());
    let new = NewDeviceGroup {
        name: "Team".into(),
        kind: GroupKind::Static,
        os: None,
        priority: 1,
        profile_id: None,
    };
    let group = ade.create_group(new, None).await.unwrap().id;
    let path = format!("/enrollment/ade/groups/{group}/profile");
    let set = post(server, browser, &path, csrf, &[("profile", id)]).await;
    assert_eq!(set.status(), StatusCode::SEE_OTHER);
    let stored = store.device_group(group).await.unwrap().unwrap();
    assert_eq!(
        stored.profile_id.map(|p| p.to_string()).as_deref(),
        Some(id)
    );
    let clear = post(server, browser, &path, csrf, &[("profile", "")]).await;
    assert_eq!(clear.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        store.device_group(group).await.unwrap().unwrap().profile_id,
        None
    );

    let path = format!("/enrollment/ade/groups/{group}/members");
    let typed = "C02ABC123DEF, bad!";
    let refused = post(server, browser, &path, csrf, &[("serials", typed)]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("serials[1]"), "names the bad serial");
    assert!(
        html.contains(">C02ABC123DEF, bad!</textarea>"),
        "keeps the text"
    );
    assert_eq!(store.count_group_members(group).await.unwrap(), 0);
}

/// The CSV upload reads its own multipart form: a wrong token adds nothing.
async fn csv_upload_checks_the_token(server: &TestServer, browser: &Client, csrf: &str) {
    let new = NewDeviceGroup {
        name: "Lab".into(),
        kind: GroupKind::Static,
        os: None,
        priority: 0,
        profile_id: None,
    };
    let group = server.state().ade.create_group(new, None).await.unwrap();
    let url = server.url_for(&format!("/enrollment/ade/groups/{}/members.csv", group.id));
    let upload = |token: &str| {
        let file = multipart::Part::text("C02ABC123DEF\n").file_name("serials.csv");
        multipart::Form::new()
            .text("csrf_token", token.to_owned())
            .part("csv", file)
    };
    let forged = browser.post(&url).multipart(upload("forged")).send().await;
    assert_eq!(forged.unwrap().status(), StatusCode::FORBIDDEN);
    let store = server.store();
    assert_eq!(store.count_group_members(group.id).await.unwrap(), 0);
    let good = browser
        .post(&url)
        .multipart(upload(csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), StatusCode::OK);
    assert!(good.text().await.unwrap().contains("Imported: 1 added"));
    assert_eq!(store.count_group_members(group.id).await.unwrap(), 1);
}

#[tokio::test]
async fn ade_console_over_http() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(server) = TestServer::start(backend).await else {
            continue;
        };
        pages_need_a_session(&server).await;
        let (browser, csrf) = signed_in(&server).await;
        refused_profile_lists_every_field(&server, &browser, &csrf).await;
        wizard_steps_follow_the_os(&server, &browser, &csrf).await;
        defaults_and_group_forms(&server, &browser, &csrf).await;
        csv_upload_checks_the_token(&server, &browser, &csrf).await;
    }
}
