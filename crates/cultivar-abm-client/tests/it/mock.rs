//! A scriptable stand-in for Apple's API on 127.0.0.1:0: records every request and answers from
//! per-route queues, then per-route defaults.

use async_trait::async_trait;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use cultivar_abm_client::{AbmClient, ClientOptions, RetryPolicy, Sleeper};
use cultivar_abm_proto::ServerToken;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const TOKEN_JSON: &str = r#"{"consumer_key":"CK_test","consumer_secret":"CS_test","access_token":"AT_test","access_secret":"AS_test","access_token_expiry":"2030-01-01T00:00:00Z"}"#;

pub fn token() -> ServerToken {
    ServerToken::from_plaintext(TOKEN_JSON.as_bytes()).expect("test token")
}

/// One recorded request.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

/// A scripted reply.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

#[derive(Default)]
struct MockState {
    log: Mutex<Vec<Recorded>>,
    queued: Mutex<HashMap<String, VecDeque<Reply>>>,
    defaults: Mutex<HashMap<String, Reply>>,
}

pub struct Mock {
    pub addr: SocketAddr,
    state: Arc<MockState>,
}

impl Mock {
    pub async fn start() -> Mock {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(MockState::default());
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Mock { addr, state }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Answers the next request to `route` ("GET /account") with `reply`.
    pub fn queue(&self, route: &str, reply: Reply) {
        let mut queued = self.state.queued.lock().expect("lock");
        queued
            .entry(route.to_string())
            .or_default()
            .push_back(reply);
    }

    /// Answers every request to `route` that has nothing queued with `reply`.
    pub fn default(&self, route: &str, reply: Reply) {
        let mut defaults = self.state.defaults.lock().expect("lock");
        defaults.insert(route.to_string(), reply);
    }

    /// Requests received for `route` ("POST /server/devices"), in order.
    pub fn requests(&self, route: &str) -> Vec<Recorded> {
        let log = self.state.log.lock().expect("lock");
        log.iter()
            .filter(|r| format!("{} {}", r.method, r.path) == route)
            .cloned()
            .collect()
    }

    pub fn count(&self, route: &str) -> usize {
        self.requests(route).len()
    }

    pub fn total(&self) -> usize {
        self.state.log.lock().expect("lock").len()
    }
}

async fn handle(
    State(state): State<Arc<MockState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let route = format!("{method} {}", uri.path());
    let session_number = {
        let mut log = state.log.lock().expect("lock");
        log.push(Recorded {
            method,
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            headers,
            body: body.to_vec(),
        });
        log.iter().filter(|r| r.path == "/session").count()
    };
    let queued = state
        .queued
        .lock()
        .expect("lock")
        .get_mut(&route)
        .and_then(VecDeque::pop_front);
    let reply = queued.or_else(|| state.defaults.lock().expect("lock").get(&route).cloned());
    let reply = match reply {
        Some(reply) => reply,
        // Unscripted /session calls succeed with a numbered token, so tests can tell them apart.
        None if route == "GET /session" => Reply::new(
            200,
            format!(r#"{{"auth_session_token":"session-{session_number}"}}"#),
        ),
        None => Reply::new(404, format!("NOT_SCRIPTED {route}")),
    };
    to_response(reply)
}

fn to_response(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).expect("status");
    let mut response = (status, reply.body).into_response();
    for (name, value) in reply.headers {
        response.headers_mut().insert(
            HeaderName::try_from(name).expect("header name"),
            HeaderValue::try_from(value).expect("header value"),
        );
    }
    response
}

/// Records requested delays instead of sleeping.
#[derive(Default)]
pub struct RecordingSleeper {
    delays: Mutex<Vec<Duration>>,
}

impl RecordingSleeper {
    pub fn delays(&self) -> Vec<Duration> {
        self.delays.lock().expect("lock").clone()
    }
}

#[async_trait]
impl Sleeper for RecordingSleeper {
    async fn sleep(&self, d: Duration) {
        self.delays.lock().expect("lock").push(d);
    }
}

/// A retry policy with small, exact numbers (no jitter).
pub fn exact_policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(300),
        jitter: false,
    }
}

/// A client for `base_url` with a recording sleeper and `retry`.
pub fn client_for(base_url: &str, retry: RetryPolicy) -> (AbmClient, Arc<RecordingSleeper>) {
    let sleeper = Arc::new(RecordingSleeper::default());
    let options = ClientOptions {
        retry,
        sleeper: sleeper.clone(),
        ..ClientOptions::default()
    };
    let client = AbmClient::new(base_url, token(), options).expect("client");
    (client, sleeper)
}

pub fn client(mock: &Mock) -> (AbmClient, Arc<RecordingSleeper>) {
    client_for(&mock.base_url(), exact_policy(3))
}

/// A fixture from the repository's fixtures/ directory.
pub fn fixture(path: &str) -> String {
    let full = format!("{}/../../fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}
