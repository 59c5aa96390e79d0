//! `/api/v1/devices`: every device cultivar knows — from ABM, from MDM, or both, merged by
//! serial number — with its state (pending, enrolled, offline, unmanaged).

use axum::extract::State;
use cultivar_api_types::{
    mdm::{DeviceList, DeviceListQuery, DeviceView, EnrollmentView, PushErrorView, PushStateView},
    ErrorBody,
};
use cultivar_core::mdm::{self, DeviceState, DeviceSummary};
use cultivar_store::{MdmEnrollment, MdmPushState};
use utoipa::OpenApi;

use super::{sync_views::device_view, Access, ApiMethod, ApiRoutes, ReadAccess};
use crate::{
    error::{ApiError, ApiJson, ApiPath, ApiQuery},
    AppState,
};

/// Page size when the request names none.
const DEFAULT_LIMIT: u32 = 100;

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .route(ApiMethod::Get, "/api/v1/devices", Access::Read, list)
        .route(
            ApiMethod::Get,
            "/api/v1/devices/{serial}",
            Access::Read,
            show,
        )
}

#[derive(OpenApi)]
#[openapi(paths(list, show))]
pub struct Doc;

/// One page of devices in serial-number order (devices without a serial by enrollment id).
#[utoipa::path(get, path = "/api/v1/devices", tag = "devices", params(DeviceListQuery),
    responses((status = 200, body = DeviceList), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list(
    _: ReadAccess,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<DeviceListQuery>,
) -> Result<ApiJson<DeviceList>, ApiError> {
    let query = mdm::DeviceListQuery {
        state: q
            .state
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(str::parse::<DeviceState>)
            .transpose()?,
        after: q.after.filter(|a| !a.is_empty()),
        limit: q.limit.unwrap_or(DEFAULT_LIMIT),
    };
    let page = state.mdm.list_devices(&query).await?;
    Ok(ApiJson(DeviceList {
        devices: page.devices.into_iter().map(device_summary_view).collect(),
        next_after: page.next_after,
    }))
}

/// One device by enrollment id (UDID, EnrollmentID) or serial number, with its inventory and
/// whether APNs pushes reach it.
#[utoipa::path(get, path = "/api/v1/devices/{serial}", tag = "devices",
    params(("serial" = String, Path, description = "Enrollment id or serial number")),
    responses((status = 200, body = DeviceView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn show(
    _: ReadAccess,
    State(state): State<AppState>,
    ApiPath(device): ApiPath<String>,
) -> Result<ApiJson<DeviceView>, ApiError> {
    let detail = state.mdm.device_detail(&device).await?;
    let mut view = device_summary_view(detail.device);
    if let Some(inv) = detail.inventory {
        view.inventory = Some(inv.inventory);
        view.inventory_at = Some(inv.inventory_at);
    }
    view.push = detail.push.map(push_state_view);
    Ok(ApiJson(view))
}

/// The wire view of a device.
pub fn device_summary_view(d: DeviceSummary) -> DeviceView {
    DeviceView {
        serial_number: d.serial_number().map(str::to_owned),
        key: d.key,
        state: d.state.as_str().to_owned(),
        abm: d.abm.map(device_view),
        enrollment: d.enrollment.map(enrollment_view),
        inventory: None,
        inventory_at: None,
        push: None,
    }
}

/// The wire view of a device channel.
pub fn enrollment_view(e: MdmEnrollment) -> EnrollmentView {
    EnrollmentView {
        id: e.id,
        enrollment_type: e.enrollment_type,
        enabled: e.enabled,
        serial_number: e.serial_number,
        os_version: e.os_version,
        build_version: e.build_version,
        product_name: e.product_name,
        model: e.model,
        device_name: e.device_name,
        awaiting_configuration: e.awaiting_configuration,
        authenticated_at: e.authenticated_at,
        token_updated_at: e.token_updated_at,
        checked_out_at: e.checked_out_at,
        last_seen_at: e.last_seen_at,
    }
}

/// The wire view of a channel's push state, with a hint for a failure.
pub fn push_state_view(p: MdmPushState) -> PushStateView {
    let state = match (&p.error, p.attempted_at, p.delivered_at) {
        (Some(_), _, _) => "failed",
        (None, None, _) => "never",
        (None, Some(tried), Some(delivered)) if delivered >= tried => "delivered",
        // The last attempt failed, and a TokenUpdate has cleared that failure since.
        (None, Some(_), _) => "pending",
    };
    PushStateView {
        state: state.to_owned(),
        last_attempt_at: p.attempted_at,
        last_delivered_at: p.delivered_at,
        error: p.error.map(|e| PushErrorView {
            hint: mdm::push_failure_hint(&e.reason, e.permanent).to_owned(),
            reason: e.reason,
            at: e.at,
            permanent: e.permanent,
        }),
    }
}
