//! MDM commands: send to one device or many (validated against Apple's schema and refused
//! where not allowed), the per-device activity log with its filters, one command with its
//! reports and error, and cancel.

use axum::{extract::State, http::StatusCode};
use cultivar_api_types::{
    mdm::{
        BulkCommand, CancelQuery, CommandCancelled, CommandDetailView, CommandErrorView,
        CommandList, CommandListQuery, CommandQueued, CommandView, ErrorChainView, ReportView,
        SendCommand,
    },
    ErrorBody,
};
use cultivar_core::mdm::{self, CommandError, EnqueueRequest, LogFilter};
use cultivar_store::{CommandState, MdmCommandEntry, MdmReportEntry};
use time::{format_description::well_known::Rfc3339, OffsetDateTime};
use utoipa::OpenApi;

use super::{ade::audit, Access, AdminAccess, ApiMethod, ApiRoutes, Principal, ReadAccess};
use crate::{
    error::{ApiError, ApiJson, ApiPath, ApiQuery},
    AppState,
};

/// Page size when the request names none.
const DEFAULT_LIMIT: u32 = 100;

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .route(
            ApiMethod::Post,
            "/api/v1/devices/{serial}/commands",
            Access::Admin,
            send,
        )
        .route(
            ApiMethod::Get,
            "/api/v1/devices/{serial}/commands",
            Access::Read,
            log,
        )
        .route(
            ApiMethod::Get,
            "/api/v1/devices/{serial}/commands/{uuid}",
            Access::Read,
            detail,
        )
        .route(ApiMethod::Post, "/api/v1/commands", Access::Admin, bulk)
        .route(
            ApiMethod::Delete,
            "/api/v1/commands/{uuid}",
            Access::Admin,
            cancel,
        )
}

#[derive(OpenApi)]
#[openapi(paths(send, bulk, log, detail, cancel))]
pub struct Doc;

/// Queues a command for one device (enrollment id or serial number).
#[utoipa::path(post, path = "/api/v1/devices/{serial}/commands", tag = "commands",
    params(("serial" = String, Path, description = "Enrollment id or serial number")),
    request_body = SendCommand,
    responses((status = 201, body = CommandQueued), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn send(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiPath(device): ApiPath<String>,
    ApiJson(body): ApiJson<SendCommand>,
) -> Result<(StatusCode, ApiJson<CommandQueued>), ApiError> {
    let queued = enqueue(
        &state,
        &who,
        vec![device],
        &body.request_type,
        &body.payload,
    )
    .await?;
    Ok((StatusCode::CREATED, ApiJson(queued)))
}

/// Queues one command for many devices in one transaction; unknown targets are reported.
#[utoipa::path(post, path = "/api/v1/commands", tag = "commands", request_body = BulkCommand,
    responses((status = 201, body = CommandQueued), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn bulk(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<BulkCommand>,
) -> Result<(StatusCode, ApiJson<CommandQueued>), ApiError> {
    let queued = enqueue(
        &state,
        &who,
        body.targets,
        &body.request_type,
        &body.payload,
    )
    .await?;
    Ok((StatusCode::CREATED, ApiJson(queued)))
}

async fn enqueue(
    state: &AppState,
    who: &Principal,
    targets: Vec<String>,
    request_type: &str,
    payload: &serde_json::Value,
) -> Result<CommandQueued, ApiError> {
    let req = EnqueueRequest {
        targets,
        request_type: request_type.trim().to_owned(),
        payload: mdm::payload_from_json(request_type.trim(), payload)?,
    };
    let done = state.mdm.enqueue(&req).await?;
    let detail = serde_json::json!({
        "request_type": done.request_type,
        "queued": done.queued.len(),
        "unknown": done.unknown,
    });
    audit(
        state,
        who,
        "mdm.command.enqueue",
        format!("command:{}", done.command_uuid),
        detail,
    )
    .await?;
    Ok(CommandQueued {
        command_uuid: done.command_uuid,
        request_type: done.request_type,
        queued: done.queued,
        unknown: done.unknown,
    })
}

/// The MDM activity log of a device, newest first.
#[utoipa::path(get, path = "/api/v1/devices/{serial}/commands", tag = "commands",
    params(("serial" = String, Path, description = "Enrollment id or serial number"),
        CommandListQuery),
    responses((status = 200, body = CommandList), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn log(
    _: ReadAccess,
    State(state): State<AppState>,
    ApiPath(device): ApiPath<String>,
    ApiQuery(q): ApiQuery<CommandListQuery>,
) -> Result<ApiJson<CommandList>, ApiError> {
    let filter = log_filter(&q)?;
    let entries = state.mdm.command_log(&device, &filter).await?;
    let next_before = entries
        .last()
        .filter(|_| entries.len() == filter.limit as usize)
        .map(|e| e.seq);
    Ok(ApiJson(CommandList {
        commands: entries.iter().map(command_view).collect(),
        next_before,
    }))
}

/// The store-side filter from the query string (also used by the console).
pub fn log_filter(q: &CommandListQuery) -> Result<LogFilter, ApiError> {
    let states = match q.state.as_deref() {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<CommandState>())
            .collect::<Result<Vec<_>, _>>()?,
    };
    Ok(LogFilter {
        states,
        request_type: q.request_type.clone().filter(|t| !t.trim().is_empty()),
        since: time_param("since", q.since.as_deref())?,
        until: time_param("until", q.until.as_deref())?,
        before: q.before,
        limit: q.limit.unwrap_or(DEFAULT_LIMIT),
    })
}

/// An RFC 3339 time, or a `YYYY-MM-DD` date (UTC): for `since` its start, for `until` its
/// end, so a date range includes both days as a date picker means it.
fn time_param(field: &str, raw: Option<&str>) -> Result<Option<OffsetDateTime>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let date = format!("{raw}T00:00:00Z");
    let day_end = if field == "until" {
        time::Duration::days(1)
    } else {
        time::Duration::ZERO
    };
    OffsetDateTime::parse(raw, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(&date, &Rfc3339).map(|t| t + day_end))
        .map(Some)
        .map_err(|_| {
            ApiError::invalid(
                field,
                format!("must be an RFC 3339 time or a YYYY-MM-DD date (got {raw:?})"),
            )
        })
}

/// One command of a device with its reports and, when it failed, the parsed error.
#[utoipa::path(get, path = "/api/v1/devices/{serial}/commands/{uuid}", tag = "commands",
    params(("serial" = String, Path, description = "Enrollment id or serial number"),
        ("uuid" = String, Path, description = "CommandUUID")),
    responses((status = 200, body = CommandDetailView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn detail(
    _: ReadAccess,
    State(state): State<AppState>,
    ApiPath((device, uuid)): ApiPath<(String, String)>,
) -> Result<ApiJson<CommandDetailView>, ApiError> {
    let d = state.mdm.command_detail(&device, &uuid).await?;
    Ok(ApiJson(CommandDetailView {
        command: command_view(&d.entry),
        reports: d.reports.iter().map(report_view).collect(),
        error: d.error.map(error_view),
    }))
}

/// Cancels a command still waiting (queued or NotNow'd), on one device or all.
#[utoipa::path(delete, path = "/api/v1/commands/{uuid}", tag = "commands",
    params(("uuid" = String, Path, description = "CommandUUID"), CancelQuery),
    responses((status = 200, body = CommandCancelled), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn cancel(
    AdminAccess(who): AdminAccess,
    State(state): State<AppState>,
    ApiPath(uuid): ApiPath<String>,
    ApiQuery(q): ApiQuery<CancelQuery>,
) -> Result<ApiJson<CommandCancelled>, ApiError> {
    let device = q.device.as_deref().filter(|d| !d.is_empty());
    let cancelled = state.mdm.cancel(&uuid, device).await?;
    let detail = serde_json::json!({ "device": device, "cancelled": cancelled });
    audit(
        &state,
        &who,
        "mdm.command.cancel",
        format!("command:{uuid}"),
        detail,
    )
    .await?;
    Ok(ApiJson(CommandCancelled {
        command_uuid: uuid,
        cancelled,
    }))
}

/// The wire view of an activity-log entry.
pub fn command_view(e: &MdmCommandEntry) -> CommandView {
    CommandView {
        command_uuid: e.command_uuid.clone(),
        request_type: e.request_type.clone(),
        state: e.state.as_str().to_owned(),
        seq: e.seq,
        queued_at: e.queued_at,
        sent_at: e.sent_at,
        answered_at: e.answered_at,
        deliveries: e.deliveries,
        not_now_count: e.not_now_count,
        has_error: mdm::command_error(e).is_some(),
    }
}

fn report_view(r: &MdmReportEntry) -> ReportView {
    ReportView {
        status: r.status.clone(),
        received_at: r.received_at,
        raw: String::from_utf8_lossy(&r.raw).into_owned(),
    }
}

/// The wire view of a command's error.
pub fn error_view(e: CommandError) -> CommandErrorView {
    CommandErrorView {
        status: e.status,
        error_chain: e
            .error_chain
            .into_iter()
            .map(|i| ErrorChainView {
                code: i.code,
                domain: i.domain,
                description: i.description,
                us_english_description: i.us_english_description,
            })
            .collect(),
        rejection_reason: e.rejection_reason,
        parse_error: e.parse_error,
    }
}
