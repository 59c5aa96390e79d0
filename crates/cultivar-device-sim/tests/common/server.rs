//! A small MDM + SCEP server for the tests, on real HTTP (127.0.0.1, port 0), built on
//! cultivar-crypto's SCEP server functions and cultivar-mdm-proto's parsers. It checks
//! `Mdm-Signature` on every request, like cultivar does, and answers 400 when it fails.
#![allow(dead_code)]
#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, put};
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cultivar_crypto::{CertificateAuthority, FailInfo};
use cultivar_mdm_proto::{CheckinMessage, Command, CommandResult, Status};

/// How the SCEP endpoint behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScepMode {
    /// Advertises POSTPKIOperation and takes POST.
    Post,
    /// Advertises neither POSTPKIOperation nor SCEPStandard.
    GetOnly,
    /// Advertises POST but answers 405 to it (the client must fall back to GET).
    PostRefused,
}

pub struct Inner {
    pub ca: CertificateAuthority,
    pub scep_mode: ScepMode,
    pub challenge: String,
    /// "METHOD operation" per SCEP request.
    pub scep_requests: Vec<String>,
    /// MessageType per check-in, in order.
    pub checkins: Vec<String>,
    /// (Status, CommandUUID) per command report, in order.
    pub reports: Vec<(Status, Option<String>)>,
    pub queue: VecDeque<Command>,
    /// Commands answered NotNow, offered again on the next Idle (not in the same session).
    pub deferred: Vec<Command>,
    pub bootstrap_token: Option<Vec<u8>>,
    pub next_serial: u64,
    /// The command handed out last (to defer it when answered NotNow).
    pub sent_last: Option<Command>,
}

pub type Shared = Arc<Mutex<Inner>>;

pub struct TestServer {
    pub base: String,
    pub state: Shared,
}

impl TestServer {
    pub async fn start(ca: CertificateAuthority, scep_mode: ScepMode) -> Self {
        let state = Arc::new(Mutex::new(Inner {
            ca,
            scep_mode,
            challenge: "one-time-secret".into(),
            scep_requests: Vec::new(),
            checkins: Vec::new(),
            reports: Vec::new(),
            queue: VecDeque::new(),
            deferred: Vec::new(),
            bootstrap_token: None,
            next_serial: 100,
            sent_last: None,
        }));
        let app = Router::new()
            .route("/scep", any(scep))
            .route("/checkin", put(checkin))
            .route("/mdm", put(command))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            base: format!("http://{addr}"),
            state,
        }
    }

    pub fn enqueue(&self, command: Command) {
        self.state.lock().unwrap().queue.push_back(command);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

async fn scep(
    State(state): State<Shared>,
    method: Method,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let mut s = state.lock().unwrap();
    let op = query.get("operation").cloned().unwrap_or_default();
    s.scep_requests.push(format!("{method} {op}"));
    match op.as_str() {
        "GetCACaps" => match s.scep_mode {
            ScepMode::GetOnly => "AES\nSHA-256\n".into_response(),
            _ => cultivar_crypto::ca_caps().into_response(),
        },
        "GetCACert" => (
            [(header::CONTENT_TYPE, "application/x-x509-ca-cert")],
            s.ca.certificate_der().unwrap(),
        )
            .into_response(),
        "PKIOperation" if method == Method::POST && s.scep_mode != ScepMode::Post => {
            StatusCode::METHOD_NOT_ALLOWED.into_response()
        }
        "PKIOperation" => {
            let der = if method == Method::POST {
                body.to_vec()
            } else {
                STANDARD.decode(query.get("message").unwrap()).unwrap()
            };
            pki_operation(&mut s, &der)
        }
        _ => StatusCode::BAD_REQUEST.into_response(),
    }
}

fn pki_operation(s: &mut Inner, der: &[u8]) -> Response {
    let request = match cultivar_crypto::decode_pki_message(der, &s.ca) {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    let reply = if request.challenge_password.as_deref() == Some(s.challenge.as_str()) {
        s.next_serial += 1;
        match s
            .ca
            .issue_client_certificate(&request.csr_der, None, 30, s.next_serial)
        {
            Ok(issued) => cultivar_crypto::encode_cert_rep(&request, &issued, &s.ca),
            Err(_) => {
                cultivar_crypto::encode_cert_rep_failure(&request, FailInfo::BadRequest, &s.ca)
            }
        }
    } else {
        cultivar_crypto::encode_cert_rep_failure(&request, FailInfo::BadRequest, &s.ca)
    };
    (
        [(header::CONTENT_TYPE, "application/x-pki-message")],
        reply.unwrap(),
    )
        .into_response()
}

/// The `Mdm-Signature` must verify and its certificate come from the test CA.
fn authenticated(s: &Inner, headers: &HeaderMap, body: &[u8]) -> bool {
    let Some(header) = headers.get("Mdm-Signature").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Ok(signer) = cultivar_crypto::verify_mdm_signature(header, body) else {
        return false;
    };
    let ca = s.ca.certificate_pem().unwrap();
    cultivar_crypto::verify_issued_by(&signer.certificate_der, ca.as_bytes()).is_ok()
}

async fn checkin(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut s = state.lock().unwrap();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if content_type != Some("application/x-apple-aspen-mdm-checkin")
        || !authenticated(&s, &headers, &body)
    {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let message = CheckinMessage::from_plist(&body).unwrap();
    s.checkins.push(message.message_type().to_string());
    match message {
        CheckinMessage::SetBootstrapToken(m) => {
            s.bootstrap_token = m.bootstrap_token;
            StatusCode::OK.into_response()
        }
        CheckinMessage::GetBootstrapToken(_) => match &s.bootstrap_token {
            None => StatusCode::OK.into_response(),
            Some(token) => {
                let mut d = plist::Dictionary::new();
                d.insert("BootstrapToken".into(), plist::Value::Data(token.clone()));
                let mut out = Vec::new();
                plist::to_writer_xml(&mut out, &d).unwrap();
                out.into_response()
            }
        },
        _ => StatusCode::OK.into_response(),
    }
}

async fn command(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut s = state.lock().unwrap();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if content_type != Some("application/x-apple-aspen-mdm") || !authenticated(&s, &headers, &body)
    {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let report = CommandResult::from_plist(&body).unwrap();
    s.reports.push((report.status, report.command_uuid.clone()));
    if report.status == Status::Idle {
        let deferred = std::mem::take(&mut s.deferred);
        for c in deferred.into_iter().rev() {
            s.queue.push_front(c);
        }
    }
    if report.status == Status::NotNow {
        // The command was handed out and popped; keep it for the next session.
        let uuid = report.command_uuid.clone();
        if let Some(sent) = s
            .sent_last
            .take()
            .filter(|c| Some(&c.command_uuid) == uuid.as_ref())
        {
            s.deferred.push(sent);
        }
    }
    match s.queue.pop_front() {
        Some(next) => {
            s.sent_last = Some(next.clone());
            next.to_plist_xml().unwrap().into_response()
        }
        None => StatusCode::OK.into_response(),
    }
}
