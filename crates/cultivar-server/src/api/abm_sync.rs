//! ABM device sync: Sync Now, sync health with live progress, run history, and per-server sync
//! settings. All logic is in [`cultivar_core::sync::SyncService`].

use std::time::Duration;

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use cultivar_api_types::{
    abm_sync::{
        AbmServerSettings, SyncHealthView, SyncRunList, SyncRunView, SyncStarted, SyncSummaryView,
    },
    ErrorBody,
};
use cultivar_core::sync::{Trigger, MAX_BATCH_SIZE};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::{IntoParams, OpenApi};
use uuid::Uuid;

use super::{
    params::{parse_bool, parse_number, parse_uuid},
    sync_views::{health_view, run_view, summary_view},
    Access, AdminAccess, ApiMethod, ApiRoutes, ReadAccess,
};
use crate::{
    error::{ApiError, ApiJson, ApiPath, ApiQuery},
    AppState, REQUEST_TIMEOUT,
};

/// How long a `wait=true` request waits for a run: below the request timeout, so a long run is
/// answered with where it stands (and the caller asks again) rather than a 503.
pub const WAIT_LIMIT: Duration = REQUEST_TIMEOUT.saturating_sub(Duration::from_secs(5));

const DEFAULT_RUNS: u32 = 20;
const MAX_RUNS: u32 = 500;

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .route(
            ApiMethod::Post,
            "/api/v1/abm/servers/{id}/sync",
            Access::Admin,
            sync_now,
        )
        .route(
            ApiMethod::Get,
            "/api/v1/abm/servers/{id}/sync",
            Access::Read,
            health,
        )
        .route(
            ApiMethod::Get,
            "/api/v1/abm/servers/{id}/sync-runs",
            Access::Read,
            runs,
        )
        .route(
            ApiMethod::Get,
            "/api/v1/abm/sync-runs/{id}",
            Access::Read,
            run,
        )
        .route(
            ApiMethod::Patch,
            "/api/v1/abm/servers/{id}",
            Access::Admin,
            settings,
        )
}

#[derive(OpenApi)]
#[openapi(paths(sync_now, health, runs, run, settings))]
pub struct Doc;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct WaitQuery {
    /// `true`: answer when the run has finished (bounded by the request timeout).
    #[param(value_type = Option<bool>)]
    #[serde(default)]
    wait: Option<String>,
}

/// Sync Now: starts a run of this ABM server, or joins the one in progress.
///
/// Without `wait` the answer is 202 with the run id. With `wait=true` it is 200 with the run's
/// summary once it has finished; a run still going after about 25 s is answered 202 as well
/// (follow it with `GET /api/v1/abm/sync-runs/{run_id}?wait=true`).
#[utoipa::path(post, path = "/api/v1/abm/servers/{id}/sync", tag = "abm-sync",
    params(("id" = Uuid, Path, description = "ABM server entry id"), WaitQuery),
    responses((status = 200, body = SyncSummaryView), (status = 202, body = SyncStarted),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn sync_now(
    AdminAccess(principal): AdminAccess,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<WaitQuery>,
) -> Result<Response, ApiError> {
    let wait = parse_bool("wait", query.wait.as_deref())?.unwrap_or(false);
    let ticket = state.sync.start(id, Trigger::Manual).await?;
    if !ticket.joined {
        let detail = json!({ "run_id": ticket.run_id });
        state
            .audit(
                &principal.actor(),
                "abm.sync.start",
                Some(id.to_string()),
                detail,
            )
            .await?;
    }
    if wait {
        if let Ok(summary) = tokio::time::timeout(WAIT_LIMIT, state.sync.wait(ticket.run_id)).await
        {
            return Ok(ApiJson(summary_view(&summary?)).into_response());
        }
    }
    let started = SyncStarted {
        run_id: ticket.run_id,
        joined: ticket.joined,
    };
    Ok((StatusCode::ACCEPTED, ApiJson(started)).into_response())
}

/// Sync health: phase, last success, last error, next scheduled run, the run in progress (with
/// pages and devices so far) and the latest run.
#[utoipa::path(get, path = "/api/v1/abm/servers/{id}/sync", tag = "abm-sync",
    params(("id" = Uuid, Path, description = "ABM server entry id")),
    responses((status = 200, body = SyncHealthView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn health(
    _: ReadAccess,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<SyncHealthView>, ApiError> {
    Ok(ApiJson(health_of(&state, id).await?))
}

/// Sync health of one ABM server (also rendered by the console).
pub async fn health_of(state: &AppState, id: Uuid) -> Result<SyncHealthView, ApiError> {
    let health = state.sync.health(id).await?;
    let server = state
        .store
        .abm_server(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("ABM server {id}")))?;
    Ok(health_view(id, &health, server.sync_batch_size))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct RunsQuery {
    /// 1–500, default 20.
    #[param(value_type = Option<u32>)]
    #[serde(default)]
    limit: Option<String>,
    /// Only runs older than this run (the previous page's `next_before`).
    #[param(value_type = Option<Uuid>)]
    #[serde(default)]
    before: Option<String>,
}

/// The server's sync history, newest first.
#[utoipa::path(get, path = "/api/v1/abm/servers/{id}/sync-runs", tag = "abm-sync",
    params(("id" = Uuid, Path, description = "ABM server entry id"), RunsQuery),
    responses((status = 200, body = SyncRunList), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn runs(
    _: ReadAccess,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<RunsQuery>,
) -> Result<ApiJson<SyncRunList>, ApiError> {
    let limit = parse_number("limit", query.limit.as_deref(), 1, MAX_RUNS)?.unwrap_or(DEFAULT_RUNS);
    let before = parse_uuid("before", query.before.as_deref())?;
    Ok(ApiJson(run_history(&state, id, limit, before).await?))
}

/// One page of a server's history; 404 for an unknown server.
pub async fn run_history(
    state: &AppState,
    id: Uuid,
    limit: u32,
    before: Option<Uuid>,
) -> Result<SyncRunList, ApiError> {
    if state.store.abm_server(id).await?.is_none() {
        return Err(ApiError::not_found(format!("ABM server {id}")));
    }
    let runs = state.store.list_sync_runs(id, limit, before).await?;
    let full = runs.len() == limit as usize;
    let next_before = runs.last().map(|r| r.id).filter(|_| full);
    Ok(SyncRunList {
        runs: runs.iter().map(run_view).collect(),
        next_before,
    })
}

/// One run, finished or in progress; with `wait=true`, answered once it has finished (or after
/// about 25 s, still `running`: ask again).
#[utoipa::path(get, path = "/api/v1/abm/sync-runs/{id}", tag = "abm-sync",
    params(("id" = Uuid, Path, description = "Sync run id"), WaitQuery),
    responses((status = 200, body = SyncRunView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn run(
    _: ReadAccess,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<WaitQuery>,
) -> Result<ApiJson<SyncRunView>, ApiError> {
    if parse_bool("wait", query.wait.as_deref())?.unwrap_or(false) {
        // Whatever ends the wait (the run finished, it is unknown, it runs in another process,
        // the limit passed), the stored row below is the answer.
        let _ = tokio::time::timeout(WAIT_LIMIT, state.sync.wait(id)).await;
    }
    let row = state
        .store
        .sync_run(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("sync run {id}")))?;
    Ok(ApiJson(run_view(&row)))
}

/// Changes per-server sync settings: `{"sync_batch_size": N}` (1–1000).
#[utoipa::path(patch, path = "/api/v1/abm/servers/{id}", tag = "abm-sync",
    params(("id" = Uuid, Path, description = "ABM server entry id")),
    request_body = AbmServerSettings,
    responses((status = 200, body = AbmServerSettings), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn settings(
    AdminAccess(principal): AdminAccess,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<Value>,
) -> Result<ApiJson<AbmServerSettings>, ApiError> {
    let sync_batch_size = batch_size(&body)?;
    state
        .store
        .set_abm_sync_batch_size(id, sync_batch_size)
        .await?;
    let detail = json!({ "sync_batch_size": sync_batch_size });
    state
        .audit(
            &principal.actor(),
            "abm.server.update",
            Some(id.to_string()),
            detail,
        )
        .await?;
    Ok(ApiJson(AbmServerSettings { sync_batch_size }))
}

/// The batch size of a settings body; every refusal names the field.
fn batch_size(body: &Value) -> Result<u32, ApiError> {
    const FIELD: &str = "sync_batch_size";
    let Some(fields) = body.as_object() else {
        return Err(ApiError::invalid(
            "body",
            "must be a JSON object such as {\"sync_batch_size\": 500}",
        ));
    };
    if let Some(unknown) = fields.keys().find(|k| *k != FIELD) {
        return Err(ApiError::invalid(
            unknown.as_str(),
            "unknown setting (the only setting is sync_batch_size)",
        ));
    }
    let value = fields.get(FIELD).ok_or_else(|| {
        ApiError::invalid(
            FIELD,
            format!("required: a whole number from 1 to {MAX_BATCH_SIZE}"),
        )
    })?;
    value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| (1..=MAX_BATCH_SIZE).contains(n))
        .ok_or_else(|| {
            ApiError::invalid(
                FIELD,
                format!("must be a whole number from 1 to {MAX_BATCH_SIZE} (got {value})"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(body: Value) -> (String, String) {
        match batch_size(&body) {
            Err(ApiError::Invalid { field, rule }) => (field, rule),
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn batch_sizes_are_whole_numbers_up_to_a_thousand() {
        assert_eq!(batch_size(&json!({"sync_batch_size": 1})).ok(), Some(1));
        assert_eq!(
            batch_size(&json!({"sync_batch_size": 1000})).ok(),
            Some(1000)
        );
        for bad in [
            json!(0),
            json!(1001),
            json!(-5),
            json!(2.5),
            json!("100"),
            json!(null),
        ] {
            let (field, rule) = refusal(json!({ "sync_batch_size": bad }));
            assert_eq!(field, "sync_batch_size", "{rule}");
            assert!(rule.contains("from 1 to 1000"), "{rule}");
        }
        assert_eq!(refusal(json!({})).0, "sync_batch_size");
        assert_eq!(refusal(json!({"batch": 5})).0, "batch");
        assert_eq!(refusal(json!([1])).0, "body");
    }
}
