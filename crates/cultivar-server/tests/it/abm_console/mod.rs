//! Settings > ABM Integration over real HTTP: a cookie-keeping client, the ABM simulator in-process.

mod lifecycle;
mod uploads;

use cultivar_testkit::{Backend, TestServer, TestSim};
use reqwest::{
    multipart::{Form, Part},
    Client, StatusCode,
};

const EMAIL: &str = "abm-admin@example.com";
const PASSWORD: &str = "correct horse battery";

/// A signed-in console: the server, the cookie-keeping client and the session's CSRF token.
pub struct Console {
    pub server: TestServer,
    pub browser: Client,
    pub csrf: String,
}

pub fn hidden(html: &str, field: &str) -> String {
    let marker = format!("name=\"{field}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {field} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

pub async fn signed_in() -> Console {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    cultivar_core::auth::create_admin_user(&**server.store(), EMAIL, PASSWORD)
        .await
        .unwrap();
    let browser = server.browser();
    let login = browser.get(server.url_for("/login")).send().await.unwrap();
    let token = hidden(&login.text().await.unwrap(), "csrf_token");
    let response = browser
        .post(server.url_for("/login"))
        .form(&[
            ("email", EMAIL),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = browser
        .get(server.url_for("/settings/abm"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csrf = hidden(&page.text().await.unwrap(), "csrf_token");
    Console {
        server,
        browser,
        csrf,
    }
}

impl Console {
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .browser
            .get(self.server.url_for(path))
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.browser
            .post(self.server.url_for(path))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// "Generate Token"; returns the new entry's page path.
    pub async fn create(&self, name: &str, base_url: &str) -> String {
        let response = self
            .post(
                "/settings/abm",
                &[
                    ("csrf_token", &self.csrf),
                    ("name", name),
                    ("base_url", base_url),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let path = location.strip_suffix("?done=created").unwrap().to_owned();
        assert!(path.starts_with("/settings/abm/"), "{location}");
        path
    }

    pub async fn public_key(&self, entry: &str) -> String {
        let response = self
            .browser
            .get(self.server.url_for(&format!("{entry}/public-key.pem")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/x-pem-file");
        let disposition = response.headers()["content-disposition"].to_str().unwrap();
        assert!(
            disposition.starts_with("attachment; filename=\"cultivar-abm-"),
            "{disposition}"
        );
        response.text().await.unwrap()
    }

    /// Step 4, as the browser's multipart form sends it.
    pub async fn upload(
        &self,
        entry: &str,
        csrf: &str,
        p7m: Vec<u8>,
        force: bool,
    ) -> reqwest::Response {
        let mut form = Form::new().text("csrf_token", csrf.to_owned()).part(
            "token",
            Part::bytes(p7m).file_name("Server_Token_smime.p7m"),
        );
        if force {
            form = form.text("force", "1");
        }
        self.browser
            .post(self.server.url_for(&format!("{entry}/token")))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }
}

/// An entry connected to a simulator MDM server: (entry path, simulator server UUID).
pub async fn connected(console: &Console, sim: &TestSim, name: &str) -> (String, String) {
    let entry = console.create(name, sim.url()).await;
    let pem = console.public_key(&entry).await;
    let info = sim.admin().register_server(name, &pem).await.unwrap();
    let token = sim
        .admin()
        .download_token(&info.server_uuid, None, None)
        .await
        .unwrap();
    let response = console
        .upload(&entry, &console.csrf, token.bytes, false)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        format!("{entry}?done=uploaded")
    );
    (entry, info.server_uuid)
}

/// The text of the element with `id` (our templates put ids on the facts tests look at).
pub fn by_id(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let open_end = start + html[start..].find('>').unwrap() + 1;
    let close = open_end + html[open_end..].find('<').unwrap();
    html[open_end..close].to_owned()
}

#[tokio::test]
async fn pages_and_actions_require_a_session() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let id = "00000000-0000-4000-8000-000000000000";
    for path in [
        "/settings/abm".to_owned(),
        format!("/settings/abm/{id}"),
        format!("/settings/abm/{id}/public-key.pem"),
        format!("/settings/abm/{id}/delete"),
    ] {
        let response = server
            .http()
            .get(server.url_for(&path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "GET {path}");
        assert_eq!(response.headers()["location"], "/login", "GET {path}");
    }
    for path in [
        "/settings/abm".to_owned(),
        format!("/settings/abm/{id}/token"),
        format!("/settings/abm/{id}/refresh"),
        format!("/settings/abm/{id}/renew"),
        format!("/settings/abm/{id}/delete"),
    ] {
        let response = server
            .http()
            .post(server.url_for(&path))
            .form(&[("csrf_token", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "POST {path}");
    }
}

#[tokio::test]
async fn every_post_checks_the_csrf_token() {
    let sim = TestSim::start(0).await;
    let console = signed_in().await;
    let (entry, _) = connected(&console, &sim, "CSRF").await;
    let before = console.get(&entry).await.1;
    for forged in ["", "forged-token"] {
        let fields: &[(&str, &str)] = if forged.is_empty() {
            &[("name", "Other")]
        } else {
            &[("csrf_token", forged), ("name", "Other")]
        };
        for path in [
            "/settings/abm".to_owned(),
            format!("{entry}/refresh"),
            format!("{entry}/renew"),
            format!("{entry}/delete"),
        ] {
            let response = console.post(&path, fields).await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{path} with {forged:?}"
            );
        }
        let response = console
            .upload(&entry, forged, b"anything".to_vec(), true)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "token with {forged:?}"
        );
    }
    let servers = console.server.state().abm.list().await.unwrap();
    assert_eq!(servers.len(), 1, "no entry was created or deleted");
    assert!(!servers[0].renewal_pending, "no renewal was started");
    assert_eq!(by_id(&console.get(&entry).await.1, "abm-status"), "Active");
    assert_eq!(
        by_id(&before, "abm-expiry"),
        by_id(&console.get(&entry).await.1, "abm-expiry")
    );
}

/// What askama makes of `text` in HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}
