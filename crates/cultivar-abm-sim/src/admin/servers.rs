//! MDM servers: register with a certificate, download tokens, expire them, pick the default.

use super::types::{DefaultServer, RegisterServer, ServerInfo, UpdateCertificate};
use super::{parse, query, saved};
use crate::clock::format_ms;
use crate::error::{AdminError, SimError};
use crate::ids;
use crate::state::{SimState, TokenRec};
use crate::Sim;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use cultivar_abm_proto::ServerToken;
use cultivar_crypto::ContentCipher;
use serde::Deserialize;

const MAX_NAME_CHARS: usize = 200;
const DEFAULT_VALID_DAYS: u32 = 365;
const MAX_VALID_DAYS: u32 = 3650;
const DAY_MS: i64 = 86_400_000;

fn check_certificate(pem: &str) -> Result<(), AdminError> {
    cultivar_crypto::certificate_info(pem.as_bytes())
        .map(|_| ())
        .map_err(|e| AdminError::bad_request(format!("certificate_pem: {e}")))
}

fn info(state: &SimState, uuid: &str, now: i64) -> Option<ServerInfo> {
    let s = state.servers.get(uuid)?;
    Some(ServerInfo {
        server_uuid: s.uuid.clone(),
        name: s.name.clone(),
        consumer_key: s.consumer_key.clone(),
        token_expiry: s.token.as_ref().map(|t| format_ms(t.expires_ms)),
        token_expired: s.token.as_ref().is_some_and(|t| !t.usable_at(now)),
        admin_id: s.token.as_ref().map(|t| t.admin_id.clone()),
        device_count: s.devices.len(),
        is_default: state.default_server.as_deref() == Some(uuid),
    })
}

pub(super) async fn register(
    State(sim): State<Sim>,
    body: Bytes,
) -> Result<Json<ServerInfo>, AdminError> {
    let req: RegisterServer = parse(&body)?;
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(AdminError::bad_request(format!(
            "name: must be 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    check_certificate(&req.certificate_pem)?;
    let consumer_key = format!("CK_{}", ids::random_hex(32)?);
    let now = sim.now_ms();
    let info = {
        let mut state = sim.state_mut();
        if state.servers.values().any(|s| s.name == name) {
            return Err(AdminError::bad_request(format!(
                "name: an MDM server named {name:?} already exists"
            )));
        }
        let uuid = state.add_server(name, &req.certificate_pem, consumer_key, now);
        info(&state, &uuid, now).ok_or_else(|| SimError::Internal("server vanished".into()))?
    };
    saved(&sim, Json(info)).await
}

pub(super) async fn list(State(sim): State<Sim>) -> Json<Vec<ServerInfo>> {
    let now = sim.now_ms();
    let state = sim.state();
    Json(
        state
            .servers
            .keys()
            .filter_map(|u| info(&state, u, now))
            .collect(),
    )
}

fn not_found(uuid: &str) -> AdminError {
    AdminError::not_found(format!("server_uuid: no MDM server {uuid}"))
}

pub(super) async fn update_certificate(
    State(sim): State<Sim>,
    Path(uuid): Path<String>,
    body: Bytes,
) -> Result<Json<ServerInfo>, AdminError> {
    let req: UpdateCertificate = parse(&body)?;
    check_certificate(&req.certificate_pem)?;
    let now = sim.now_ms();
    let info = {
        let mut state = sim.state_mut();
        let server = state
            .servers
            .get_mut(&uuid)
            .ok_or_else(|| not_found(&uuid))?;
        server.certificate_pem = req.certificate_pem;
        info(&state, &uuid, now).ok_or_else(|| not_found(&uuid))?
    };
    saved(&sim, Json(info)).await
}

#[derive(Deserialize)]
pub(super) struct TokenQuery {
    valid_days: Option<u32>,
    admin_id: Option<String>,
}

/// Fresh OAuth secrets in Apple's shapes; the consumer key stays the server's.
fn mint(
    consumer_key: &str,
    now: i64,
    valid_days: u32,
    admin_id: String,
) -> Result<(ServerToken, TokenRec), SimError> {
    let expires_ms = (now / 1000) * 1000 + i64::from(valid_days) * DAY_MS;
    let rec = TokenRec {
        consumer_secret: format!("CS_{}", ids::random_hex(20)?),
        access_token: format!(
            "AT_O{}O{}O{now}",
            ids::random_digits(11)?,
            ids::random_hex(20)?
        ),
        access_secret: format!("AS_{}", ids::random_hex(20)?),
        downloaded_ms: now,
        expires_ms,
        admin_id,
        revoked: false,
    };
    let expiry = time::OffsetDateTime::from_unix_timestamp(expires_ms / 1000)
        .map_err(|e| SimError::Internal(format!("token expiry out of range: {e}")))?;
    let token = ServerToken {
        consumer_key: consumer_key.to_string(),
        consumer_secret: rec.consumer_secret.clone(),
        access_token: rec.access_token.clone(),
        access_secret: rec.access_secret.clone(),
        access_token_expiry: expiry,
    };
    Ok((token, rec))
}

/// Apple's download name, `<server>_Token_<time>_smime.p7m`, safe as a file name.
fn token_filename(name: &str, now: i64) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{safe}_Token_{}_smime.p7m",
        format_ms(now).replace(':', "-")
    )
}

pub(super) async fn download_token(
    State(sim): State<Sim>,
    Path(uuid): Path<String>,
    q: Result<Query<TokenQuery>, QueryRejection>,
) -> Result<Response, AdminError> {
    let q = query(q)?;
    let valid_days = q.valid_days.unwrap_or(DEFAULT_VALID_DAYS);
    if !(1..=MAX_VALID_DAYS).contains(&valid_days) {
        return Err(AdminError::bad_request(format!(
            "valid_days: must be between 1 and {MAX_VALID_DAYS}"
        )));
    }
    let now = sim.now_ms();
    let (name, cert, consumer_key, admin) = {
        let state = sim.state();
        let s = state.servers.get(&uuid).ok_or_else(|| not_found(&uuid))?;
        let admin = q
            .admin_id
            .clone()
            .unwrap_or_else(|| state.org.admin_id.clone());
        (
            s.name.clone(),
            s.certificate_pem.clone(),
            s.consumer_key.clone(),
            admin,
        )
    };
    let (token, rec) = mint(&consumer_key, now, valid_days, admin)?;
    let plaintext = token
        .to_plaintext()
        .map_err(|e| SimError::Internal(e.to_string()))?;
    let p7m = cultivar_crypto::encrypt_server_token(
        plaintext.as_bytes(),
        cert.as_bytes(),
        ContentCipher::Aes128Cbc,
    )
    .map_err(|e| {
        AdminError::bad_request(format!(
            "certificate_pem: cannot encrypt a token to it: {e}"
        ))
    })?;
    {
        let mut state = sim.state_mut();
        let server = state
            .servers
            .get_mut(&uuid)
            .ok_or_else(|| not_found(&uuid))?;
        // A new download replaces the previous token: its access token stops working.
        server.token = Some(rec);
    }
    sim.persist().await?;
    p7m_response(p7m, &token_filename(&name, now))
}

/// The token as ABM serves it: S/MIME content type and a download file name.
fn p7m_response(p7m: Vec<u8>, filename: &str) -> Result<Response, AdminError> {
    let disposition = format!("attachment; filename=\"{filename}\"");
    let disposition =
        HeaderValue::from_str(&disposition).map_err(|e| SimError::Internal(e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pkcs7-mime"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        p7m,
    )
        .into_response())
}

pub(super) async fn expire_token(
    State(sim): State<Sim>,
    Path(uuid): Path<String>,
) -> Result<Json<ServerInfo>, AdminError> {
    let now = sim.now_ms();
    let info = {
        let mut state = sim.state_mut();
        let server = state
            .servers
            .get_mut(&uuid)
            .ok_or_else(|| not_found(&uuid))?;
        let token = server.token.as_mut().ok_or_else(|| {
            AdminError::bad_request(format!("server_uuid: {uuid} has no token downloaded yet"))
        })?;
        token.revoked = true;
        info(&state, &uuid, now).ok_or_else(|| not_found(&uuid))?
    };
    saved(&sim, Json(info)).await
}

pub(super) async fn set_default(
    State(sim): State<Sim>,
    body: Bytes,
) -> Result<Json<DefaultServer>, AdminError> {
    let req: DefaultServer = parse(&body)?;
    {
        let mut state = sim.state_mut();
        if let Some(uuid) = &req.server_uuid {
            if !state.servers.contains_key(uuid) {
                return Err(not_found(uuid));
            }
        }
        // Only devices added from now on go to the default server, as in ABM.
        state.default_server.clone_from(&req.server_uuid);
    }
    saved(&sim, Json(req)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_have_apple_shapes() {
        let (t, rec) = mint("CK_x", 1_700_000_000_123, 365, "a@example.com".into()).expect("mint");
        assert!(t.consumer_secret.starts_with("CS_") && t.access_secret.starts_with("AS_"));
        let parts: Vec<&str> = t.access_token.split('O').collect();
        assert_eq!(parts.len(), 4, "{}", t.access_token);
        assert_eq!((parts[0], parts[3]), ("AT_", "1700000000123"));
        assert!(parts[1].chars().all(|c| c.is_ascii_digit()));
        assert_eq!(rec.expires_ms, 1_700_000_000_000 + 365 * DAY_MS);
        assert_eq!(
            t.access_token_expiry.unix_timestamp() * 1000,
            rec.expires_ms
        );
        assert_eq!(
            token_filename("My Server/1", 0),
            "My_Server_1_Token_1970-01-01T00-00-00Z_smime.p7m"
        );
    }
}
