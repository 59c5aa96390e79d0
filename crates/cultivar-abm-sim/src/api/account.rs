//! `GET /account`: the organisation and this MDM server, with the endpoint list and page limits.

use super::{authorize, DEFAULT_LIMIT, MAX_LIMIT};
use crate::error::ApiError;
use crate::Sim;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use cultivar_abm_proto::{paths, AccountDetail, AccountUrl, Limit};

fn url(uri: &str, methods: &[&str], limited: bool) -> AccountUrl {
    AccountUrl {
        uri: uri.to_string(),
        http_method: methods.iter().map(|m| m.to_string()).collect(),
        limit: limited.then_some(Limit {
            default: DEFAULT_LIMIT,
            maximum: MAX_LIMIT,
        }),
        extra: Default::default(),
    }
}

/// The endpoints this simulator serves, listed the way Apple's `/account` does.
fn urls() -> Vec<AccountUrl> {
    vec![
        url(paths::SESSION, &["GET"], false),
        url(paths::ACCOUNT, &["GET"], false),
        url(paths::FETCH_DEVICES, &["POST"], true),
        url(paths::SYNC_DEVICES, &["POST"], true),
        url(paths::DEVICE_DETAILS, &["POST"], false),
        url(paths::DISOWN, &["POST"], false),
        url(paths::PROFILE, &["GET", "POST"], false),
        url(paths::PROFILE_DEVICES, &["DELETE", "POST", "PUT"], false),
    ]
}

pub(super) async fn account(
    State(sim): State<Sim>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let auth = authorize(&sim, &headers)?;
    let detail = {
        let state = sim.state();
        let server = state
            .servers
            .get(&auth.server)
            .ok_or_else(ApiError::unauthorized)?;
        let admin = server.token.as_ref().map(|t| t.admin_id.clone());
        let org = &state.org;
        // Protocol 3 added the org identifiers and the endpoint list.
        let v3 = auth.protocol >= 3;
        AccountDetail {
            server_name: server.name.clone(),
            server_uuid: server.uuid.clone(),
            admin_id: admin.clone(),
            facilitator_id: admin,
            org_name: org.name.clone(),
            org_email: Some(org.email.clone()),
            org_phone: Some(org.phone.clone()),
            org_address: Some(org.address.clone()),
            org_id: v3.then(|| org.org_id.clone()),
            org_id_hash: v3.then(|| org.org_id_hash.clone()),
            org_type: v3.then(|| org.org_type.clone()),
            org_version: v3.then(|| org.org_version.clone()),
            urls: if v3 { urls() } else { Vec::new() },
            extra: Default::default(),
        }
    };
    auth.json(&detail)
}
