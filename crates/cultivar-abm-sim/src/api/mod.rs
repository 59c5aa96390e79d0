//! Apple's Device Assignment API: paths, methods, status codes and error bodies as
//! `mdmenrollment.apple.com` answers them.

mod account;
mod devices;
mod profile_rules;
mod profiles;
mod session;

use crate::error::ApiError;
use crate::faults;
use crate::Sim;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use cultivar_abm_proto::error::codes;
use cultivar_abm_proto::{
    paths, JSON_CONTENT_TYPE, MAX_SERIALS_PER_REQUEST, PROTOCOL_HEADER, SESSION_HEADER,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Apple's page-size limits for fetch and sync (Apple docs and schema: default 100, maximum 1000).
pub(crate) const DEFAULT_LIMIT: u32 = 100;
pub(crate) const MAX_LIMIT: u32 = 1000;

/// The Apple API routes, with fault injection on every matched route.
pub(crate) fn routes(sim: Sim) -> Router<Sim> {
    Router::new()
        .route(paths::SESSION, get(session::session))
        .route(paths::ACCOUNT, get(account::account))
        .route(paths::FETCH_DEVICES, post(devices::fetch))
        .route(paths::SYNC_DEVICES, post(devices::sync))
        .route(paths::DEVICE_DETAILS, post(devices::details))
        .route(paths::DISOWN, post(devices::disown))
        .route(
            paths::PROFILE,
            post(profiles::define).get(profiles::get_profile),
        )
        .route(
            paths::PROFILE_DEVICES,
            post(profiles::assign)
                .put(profiles::assign)
                .delete(profiles::remove),
        )
        .route_layer(axum::middleware::from_fn_with_state(sim, faults::inject))
}

/// A caller whose session checked out.
pub(crate) struct Authed {
    pub server: String,
    pub protocol: u32,
    rotated: Option<String>,
}

impl Authed {
    /// A 200 JSON reply with Apple's content type, carrying a rotated session if there is one.
    pub(crate) fn json<T: Serialize>(&self, body: &T) -> Result<Response, ApiError> {
        let mut resp = json_response(body)?;
        if let Some(token) = &self.rotated {
            let value = HeaderValue::from_str(token).map_err(|_| ApiError::internal())?;
            resp.headers_mut()
                .insert(HeaderName::from_static("x-adm-auth-session"), value);
        }
        Ok(resp)
    }
}

pub(crate) fn json_response<T: Serialize>(body: &T) -> Result<Response, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(|_| ApiError::internal())?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(JSON_CONTENT_TYPE),
        )],
        bytes,
    )
        .into_response())
}

/// Checks `X-ADM-Auth-Session`: 401 if missing, unknown or expired, or if the server's token
/// was replaced, revoked or has expired since; 403 `T_C_NOT_SIGNED` while the organisation has
/// not accepted the terms.
pub(crate) fn authorize(sim: &Sim, headers: &HeaderMap) -> Result<Authed, ApiError> {
    let token = header_str(headers, SESSION_HEADER).ok_or_else(ApiError::unauthorized)?;
    let now = sim.now_ms();
    let used = sim
        .sessions()
        .use_session(token, now)?
        .ok_or_else(ApiError::unauthorized)?;
    let state = sim.state();
    let current = state
        .servers
        .get(&used.server)
        .and_then(|s| s.token.as_ref())
        .is_some_and(|t| t.access_token == used.access_token && t.usable_at(now));
    if !current {
        return Err(ApiError::unauthorized());
    }
    if !state.org.terms_signed {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            codes::T_C_NOT_SIGNED,
        ));
    }
    Ok(Authed {
        server: used.server,
        protocol: protocol_version(headers),
        rotated: used.rotated,
    })
}

/// `X-Server-Protocol-Version`; a client that sends none gets version 1 behaviour, as at Apple.
fn protocol_version(headers: &HeaderMap) -> u32 {
    header_str(headers, PROTOCOL_HEADER)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1)
}

pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Library defaults Apple is known to refuse (nanodep#42; Fleet's comment on its fork).
const REFUSED_AGENTS: [&str; 2] = ["Go-http-client/", "nanodep-g-o-dep/"];

/// Fetch and sync need a product-specific `User-Agent`.
pub(crate) fn check_user_agent(headers: &HeaderMap) -> Result<(), ApiError> {
    let ua = header_str(headers, header::USER_AGENT.as_str())
        .ok_or_else(|| ApiError::bad_request(codes::USER_AGENT_MISSING))?;
    if REFUSED_AGENTS.iter().any(|p| ua.starts_with(p)) {
        return Err(ApiError::bad_request(codes::USER_AGENT_INVALID));
    }
    Ok(())
}

/// Parses a JSON body; an empty body counts as `{}` where `T` allows it.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|_| ApiError::bad_request(codes::MALFORMED_REQUEST_BODY))
}

/// A list of serials from a request: required, and at most 1000 (Apple's documented cap).
pub(crate) fn serial_list(devices: Option<Vec<String>>) -> Result<Vec<String>, ApiError> {
    let devices = devices.unwrap_or_default();
    if devices.is_empty() {
        return Err(ApiError::bad_request(codes::DEVICE_ID_REQUIRED));
    }
    if devices.len() > MAX_SERIALS_PER_REQUEST {
        // Apple names no specific code for this; its generic body error is the closest.
        return Err(ApiError::bad_request(codes::MALFORMED_REQUEST_BODY));
    }
    Ok(devices)
}
