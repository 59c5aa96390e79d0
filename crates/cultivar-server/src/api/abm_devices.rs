//! `/api/v1/abm/devices`: the devices ABM assigned to cultivar's servers, as synced.
//! Keyset pagination by serial number, filters, and a streamed CSV export.

use axum::{extract::State, response::Response};
use cultivar_api_types::{
    abm_sync::{AbmDeviceFilter, AbmDeviceList, AbmDeviceView},
    ErrorBody,
};
use cultivar_store::{AbmDeviceQuery, Store};
use utoipa::OpenApi;

use super::{
    device_csv::csv_response, params::RawDeviceQuery, sync_views::device_view, Access, ApiMethod,
    ApiRoutes, ReadAccess,
};
use crate::{
    error::{ApiError, ApiJson, ApiPath, ApiQuery},
    AppState,
};

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .route(ApiMethod::Get, "/api/v1/abm/devices", Access::Read, list)
        .route(
            ApiMethod::Get,
            "/api/v1/abm/devices.csv",
            Access::Read,
            export,
        )
        .route(
            ApiMethod::Get,
            "/api/v1/abm/devices/{serial}",
            Access::Read,
            show,
        )
}

#[derive(OpenApi)]
#[openapi(paths(list, export, show))]
pub struct Doc;

/// One page of ABM devices in serial-number order, with the total matching the filters.
#[utoipa::path(get, path = "/api/v1/abm/devices", tag = "abm-sync", params(AbmDeviceFilter),
    responses((status = 200, body = AbmDeviceList), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list(
    _: ReadAccess,
    State(state): State<AppState>,
    ApiQuery(raw): ApiQuery<RawDeviceQuery>,
) -> Result<ApiJson<AbmDeviceList>, ApiError> {
    let query = raw.to_query()?;
    Ok(ApiJson(device_page(&*state.store, query).await?))
}

/// A page of `query` plus the total and the key of the next page (`None` on the last one).
pub async fn device_page(
    store: &dyn Store,
    query: AbmDeviceQuery,
) -> Result<AbmDeviceList, ApiError> {
    let limit = query.limit as usize;
    let total = store.count_abm_devices(&query).await?;
    // One row more than asked tells whether another page follows.
    let probe = AbmDeviceQuery {
        limit: query.limit.saturating_add(1),
        ..query
    };
    let mut devices = store.list_abm_devices(&probe).await?;
    let more = devices.len() > limit;
    devices.truncate(limit);
    let next_after = devices
        .last()
        .filter(|_| more)
        .map(|d| d.data.serial_number.clone());
    Ok(AbmDeviceList {
        devices: devices.into_iter().map(device_view).collect(),
        total,
        next_after,
    })
}

/// Every device matching the filters as CSV (a header row, then one row per device), streamed.
#[utoipa::path(get, path = "/api/v1/abm/devices.csv", tag = "abm-sync", params(AbmDeviceFilter),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn export(
    _: ReadAccess,
    State(state): State<AppState>,
    ApiQuery(raw): ApiQuery<RawDeviceQuery>,
) -> Result<Response, ApiError> {
    for (name, value) in [("after", &raw.after), ("limit", &raw.limit)] {
        if value.is_some() {
            return Err(ApiError::invalid(
                name,
                "not accepted by the CSV export, which returns every matching device",
            ));
        }
    }
    let query = raw.to_query()?;
    csv_response(state.store.clone(), query).await
}

/// One device by serial number (removed ones too).
#[utoipa::path(get, path = "/api/v1/abm/devices/{serial}", tag = "abm-sync",
    params(("serial" = String, Path, description = "Serial number")),
    responses((status = 200, body = AbmDeviceView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn show(
    _: ReadAccess,
    State(state): State<AppState>,
    ApiPath(serial): ApiPath<String>,
) -> Result<ApiJson<AbmDeviceView>, ApiError> {
    let device = state
        .store
        .abm_device(&serial)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("ABM device {serial:?}")))?;
    Ok(ApiJson(device_view(device)))
}
