//! Test harness: a simulator on 127.0.0.1:0, an MDM server with a real token, and signed calls.
#![allow(dead_code)]

use cultivar_abm_proto::oauth::{authorization_header, Credentials};
use cultivar_abm_proto::ServerToken;
use cultivar_abm_sim::{serve, Clock, Sim, SimAdminClient, SimError, SimOptions};
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const UA: &str = "cultivar-tests/0.1";

pub struct Harness {
    pub base: String,
    pub admin: SimAdminClient,
    pub http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), SimError>>>,
}

/// Options with a frozen clock, so op dates and expiries move only when a test advances time.
pub fn options() -> SimOptions {
    SimOptions {
        seed: 7,
        clock: Clock::Fixed(time::OffsetDateTime::now_utc()),
        ..SimOptions::default()
    }
}

impl Harness {
    pub async fn start(opts: SimOptions) -> Harness {
        let sim = Sim::new(opts).expect("sim");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(sim, listener, async {
            let _ = rx.await;
        }));
        Harness {
            admin: SimAdminClient::new(&base),
            base,
            http: reqwest::Client::new(),
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// Graceful shutdown (saves the state file).
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("join").expect("serve");
        }
    }
}

/// An MDM server registered with a fresh key pair, with its decrypted token.
pub struct Mdm {
    pub server_uuid: String,
    pub token: ServerToken,
    pub key_pem: String,
    pub cert_pem: String,
}

pub fn decrypt(p7m: &[u8], key_pem: &str, cert_pem: &str) -> ServerToken {
    let plain = cultivar_crypto::decrypt_server_token(p7m, key_pem.as_bytes(), cert_pem.as_bytes())
        .expect("token decrypts with the registered key");
    ServerToken::from_plaintext(&plain).expect("token plaintext")
}

pub async fn register(h: &Harness, name: &str) -> Mdm {
    let kp = cultivar_crypto::generate_token_keypair("cultivar-test").expect("keypair");
    let info = h
        .admin
        .register_server(name, &kp.certificate_pem)
        .await
        .expect("register");
    let file = h
        .admin
        .download_token(&info.server_uuid, None, None)
        .await
        .expect("token");
    let token = decrypt(&file.bytes, &kp.private_key_pem, &kp.certificate_pem);
    Mdm {
        server_uuid: info.server_uuid,
        token,
        key_pem: kp.private_key_pem,
        cert_pem: kp.certificate_pem,
    }
}

pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

static NONCE: AtomicU64 = AtomicU64::new(0);

pub fn nonce() -> String {
    format!(
        "n{}x{}",
        std::process::id(),
        NONCE.fetch_add(1, Ordering::SeqCst)
    )
}

pub fn signed_header(h: &Harness, t: &ServerToken, timestamp: u64, nonce: &str) -> String {
    let creds = Credentials {
        consumer_key: &t.consumer_key,
        consumer_secret: &t.consumer_secret,
        token: &t.access_token,
        token_secret: &t.access_secret,
    };
    authorization_header(
        "GET",
        &format!("{}/session", h.base),
        creds,
        timestamp,
        nonce,
    )
    .expect("sign")
}

/// `GET /session` with a given Authorization header: status and body.
pub async fn session_with(
    h: &Harness,
    authorization: &str,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let resp = h
        .http
        .get(format!("{}/session", h.base))
        .header("Authorization", authorization)
        .header("User-Agent", UA)
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        headers,
    )
}

/// A fresh auth session for a token.
pub async fn session(h: &Harness, t: &ServerToken) -> String {
    let (status, body, _) = session_with(h, &signed_header(h, t, now_secs(), &nonce())).await;
    assert_eq!(status, 200, "session: {body}");
    body["auth_session_token"]
        .as_str()
        .expect("token")
        .to_string()
}

pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

/// An API call the way a well-behaved client makes it (UA, protocol 10, JSON content type).
pub async fn api(
    h: &Harness,
    method: reqwest::Method,
    path: &str,
    session: &str,
    body: Option<Value>,
) -> Reply {
    let mut rb = h
        .http
        .request(method, format!("{}{path}", h.base))
        .header("X-ADM-Auth-Session", session)
        .header("X-Server-Protocol-Version", "10")
        .header("User-Agent", UA);
    if let Some(b) = body {
        rb = rb
            .header("Content-Type", "application/json;charset=UTF8")
            .body(b.to_string());
    }
    let resp = rb.send().await.expect("send");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        body,
        headers,
    }
}

pub async fn post(h: &Harness, path: &str, session: &str, body: Value) -> Reply {
    api(h, reqwest::Method::POST, path, session, Some(body)).await
}

/// Asserts an Apple error: status and JSON-quoted code.
pub fn assert_error(r: &Reply, status: u16, code: &str) {
    assert_eq!(
        (r.status, r.body.as_str()),
        (status, Some(code)),
        "body: {}",
        r.body
    );
}

/// Serials in a page's `devices`.
pub fn serials(page: &Value) -> Vec<String> {
    page["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .map(|d| d["serial_number"].as_str().expect("serial").to_string())
        .collect()
}

/// A string field of a reply body (cursor, profile_uuid, …).
pub fn field(r: &Reply, key: &str) -> String {
    r.body[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {}", r.body))
        .to_string()
}

/// A fetch cursor for a session's server (the start of its sync).
pub async fn fetch_cursor(h: &Harness, session: &str) -> String {
    field(
        &post(h, "/server/devices", session, serde_json::json!({})).await,
        "cursor",
    )
}
