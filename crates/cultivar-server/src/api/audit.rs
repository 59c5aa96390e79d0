//! `GET /api/v1/audit?limit=&before=`: the audit log, newest first.

use axum::extract::State;
use cultivar_api_types::{AuditPage, AuditQuery, ErrorBody};
use utoipa::OpenApi;

use super::{convert::audit_view, Access, ApiMethod, ApiRoutes, ReadAccess};
use crate::{
    error::{ApiError, ApiJson, ApiQuery},
    AppState,
};

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;

pub fn routes() -> ApiRoutes {
    ApiRoutes::new().route(ApiMethod::Get, "/api/v1/audit", Access::Read, list)
}

#[derive(OpenApi)]
#[openapi(paths(list))]
pub struct Doc;

/// A page of the audit log; pass `next_before` as `before` to get older entries.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list(
    _: ReadAccess,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<ApiJson<AuditPage>, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be 1 to {MAX_LIMIT}"),
        ));
    }
    if query.before.is_some_and(|b| b < 1) {
        return Err(ApiError::invalid("before", "must be a positive entry id"));
    }
    let entries = state.store.list_audit(limit, query.before).await?;
    // A full page means older entries may exist; the client continues from the last id.
    let next_before = (entries.len() == limit as usize)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(ApiJson(AuditPage {
        entries: entries.into_iter().map(audit_view).collect(),
        next_before,
    }))
}
