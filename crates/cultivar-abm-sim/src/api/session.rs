//! `GET /session`: OAuth 1.0a HMAC-SHA1 verification, then a new auth session.
//!
//! The signature base URI is the request as the client addressed it: `http://<Host><path>`.

use super::{header_str, json_response};
use crate::error::ApiError;
use crate::Sim;
use axum::extract::State;
use axum::http::{header, HeaderMap, Uri};
use axum::response::Response;
use cultivar_abm_proto::oauth::{self, ParsedHeader};
use cultivar_abm_proto::SessionResponse;

/// Requests whose `oauth_timestamp` is further than this from now are refused.
const TIMESTAMP_WINDOW_SECS: i64 = 300;
/// Body of a 400 for an OAuth request that is malformed rather than unauthorised (Apple documents
/// the status for this case but not a body).
const OAUTH_PROBLEM: &str = "BAD_REQUEST";

struct Presented<'a> {
    consumer_key: &'a str,
    token: &'a str,
    nonce: &'a str,
    timestamp: i64,
}

fn presented(h: &ParsedHeader) -> Result<Presented<'_>, ApiError> {
    let bad = |_| ApiError::bad_request(OAUTH_PROBLEM);
    if h.params.get("oauth_version").is_some_and(|v| v != "1.0") {
        return Err(ApiError::bad_request(OAUTH_PROBLEM));
    }
    h.get("oauth_signature").map_err(bad)?;
    h.get("oauth_signature_method").map_err(bad)?;
    Ok(Presented {
        consumer_key: h.get("oauth_consumer_key").map_err(bad)?,
        token: h.get("oauth_token").map_err(bad)?,
        nonce: h.get("oauth_nonce").map_err(bad)?,
        timestamp: h
            .get("oauth_timestamp")
            .map_err(bad)?
            .parse()
            .map_err(|_| ApiError::bad_request(OAUTH_PROBLEM))?,
    })
}

fn timestamp_fresh(sim: &Sim, timestamp: i64) -> bool {
    let ts_ms = timestamp.saturating_mul(1000);
    let window = TIMESTAMP_WINDOW_SECS * 1000;
    [sim.clock().now_ms(), sim.clock().real_now_ms()]
        .iter()
        .any(|now| (now - ts_ms).abs() <= window)
}

pub(super) async fn session(
    State(sim): State<Sim>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let value =
        header_str(&headers, header::AUTHORIZATION.as_str()).ok_or_else(ApiError::unauthorized)?;
    let parsed = oauth::parse_authorization_header(value)
        .map_err(|_| ApiError::bad_request(OAUTH_PROBLEM))?;
    let p = presented(&parsed)?;
    if !timestamp_fresh(&sim, p.timestamp) {
        return Err(ApiError::unauthorized());
    }
    let host = header_str(&headers, header::HOST.as_str())
        .ok_or_else(|| ApiError::bad_request(OAUTH_PROBLEM))?;
    let url = format!("http://{host}{}", uri.path());
    let now = sim.now_ms();
    let server = {
        let state = sim.state();
        let server = state
            .server_by_consumer_key(p.consumer_key)
            .ok_or_else(ApiError::unauthorized)?;
        let token = server
            .token
            .as_ref()
            .filter(|t| t.access_token == p.token && t.usable_at(now))
            .ok_or_else(ApiError::unauthorized)?;
        let ok = oauth::verify(
            "GET",
            &url,
            &parsed,
            &token.consumer_secret,
            &token.access_secret,
        )
        .map_err(|_| ApiError::bad_request(OAUTH_PROBLEM))?;
        if !ok {
            return Err(ApiError::unauthorized());
        }
        server.uuid.clone()
    };
    let forget_before =
        sim.clock().now_ms().min(sim.clock().real_now_ms()) / 1000 - 2 * TIMESTAMP_WINDOW_SECS;
    let mut sessions = sim.sessions();
    if !sessions.remember_nonce(p.consumer_key, p.nonce, p.timestamp, forget_before) {
        return Err(ApiError::unauthorized());
    }
    let auth_session_token = sessions.open(&server, p.token, now)?;
    drop(sessions);
    json_response(&SessionResponse { auth_session_token })
}
