//! The web console over real HTTP with a cookie-keeping client.

use cultivar_testkit::{Backend, TestServer};
use reqwest::{Client, StatusCode};

const EMAIL: &str = "admin@example.com";
const PASSWORD: &str = "correct horse battery";

async fn server_with_admin() -> TestServer {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    cultivar_core::auth::create_admin_user(&**server.store(), EMAIL, PASSWORD)
        .await
        .unwrap();
    server
}

/// The value of `name="field" value="…"` in a page (our templates put `value` right after).
fn hidden(html: &str, field: &str) -> String {
    let marker = format!("name=\"{field}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {field} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

async fn login_form_token(server: &TestServer, browser: &Client) -> String {
    let page = browser.get(server.url_for("/login")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    hidden(&page.text().await.unwrap(), "csrf_token")
}

async fn post_login(
    server: &TestServer,
    browser: &Client,
    token: &str,
    password: &str,
) -> reqwest::Response {
    browser
        .post(server.url_for("/login"))
        .form(&[
            ("email", EMAIL),
            ("password", password),
            ("csrf_token", token),
        ])
        .send()
        .await
        .unwrap()
}

async fn signed_in(server: &TestServer) -> (Client, String) {
    let browser = server.browser();
    let token = login_form_token(server, &browser).await;
    let response = post_login(server, &browser, &token, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // Two cookies change here (session set, login token removed), in no fixed order.
    let set_cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("cultivar_session="))
        .unwrap();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let dashboard = browser.get(server.url_for("/")).send().await.unwrap();
    assert_eq!(dashboard.status(), StatusCode::OK);
    let html = dashboard.text().await.unwrap();
    assert!(html.contains("Dashboard") && html.contains(EMAIL), "{html}");
    (browser, hidden(&html, "csrf_token"))
}

#[tokio::test]
async fn dashboard_requires_a_session() {
    let server = server_with_admin().await;
    let response = server.http().get(server.url_for("/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/login");
    let forged = server
        .http()
        .get(server.url_for("/"))
        .header("cookie", "cultivar_session=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn login_then_logout() {
    let server = server_with_admin().await;
    let (browser, csrf) = signed_in(&server).await;
    let html = browser
        .get(server.url_for("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for section in ["Devices", "Enrollment", "Settings", "ABM Integration"] {
        assert!(html.contains(section), "nav has {section}");
    }
    let out = browser
        .post(server.url_for("/logout"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(out.headers()["location"], "/login");
    let after = browser.get(server.url_for("/")).send().await.unwrap();
    assert_eq!(after.status(), StatusCode::SEE_OTHER, "session is gone");

    let actions: Vec<String> = server
        .store()
        .list_audit(10, None)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["console.logout", "console.login"]);
}

#[tokio::test]
async fn wrong_password_gets_the_generic_message() {
    let server = server_with_admin().await;
    let browser = server.browser();
    let token = login_form_token(&server, &browser).await;
    let response = post_login(&server, &browser, &token, "not the password").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("Wrong email or password."));
    let token = login_form_token(&server, &browser).await;
    let unknown = browser
        .post(server.url_for("/login"))
        .form(&[
            ("email", "who@example.com"),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert!(unknown
        .text()
        .await
        .unwrap()
        .contains("Wrong email or password."));
    let audit = server.store().list_audit(10, None).await.unwrap();
    assert!(
        audit.iter().all(|e| e.action == "console.login_failed"),
        "{audit:?}"
    );
    assert_eq!(audit.len(), 2);
}

#[tokio::test]
async fn login_without_or_with_a_wrong_csrf_token_is_forbidden() {
    let server = server_with_admin().await;
    let browser = server.browser();
    let _ = login_form_token(&server, &browser).await;
    let wrong = post_login(&server, &browser, "forged-token", PASSWORD).await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let missing = browser
        .post(server.url_for("/login"))
        .form(&[("email", EMAIL), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    // A token from the page but no cookie (another browser): forbidden too.
    let token = login_form_token(&server, &browser).await;
    let cookieless = post_login(&server, &server.browser(), &token, PASSWORD).await;
    assert_eq!(cookieless.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn logout_without_or_with_a_wrong_csrf_token_is_forbidden() {
    let server = server_with_admin().await;
    let (browser, _csrf) = signed_in(&server).await;
    let missing = browser
        .post(server.url_for("/logout"))
        .form(&[("other", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    let wrong = browser
        .post(server.url_for("/logout"))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let still = browser.get(server.url_for("/")).send().await.unwrap();
    assert_eq!(
        still.status(),
        StatusCode::OK,
        "the session survived the forged posts"
    );
}

#[tokio::test]
async fn login_page_hints_at_first_admin_and_css_is_served() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let html = server
        .http()
        .get(server.url_for("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("cultivar admin create-admin"), "{html}");
    let css = server
        .http()
        .get(server.url_for("/assets/console.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
}

#[tokio::test]
async fn secure_cookies_behind_https() {
    let server = TestServer::start_with(Backend::Sqlite, |c| {
        c.public_url = Some("https://mdm.example.com".into())
    })
    .await
    .unwrap();
    let response = server
        .http()
        .get(server.url_for("/login"))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}
