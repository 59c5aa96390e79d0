//! Devices in the portal: add, list, edit, and assign / release / move between MDM servers
//! (by serial list or CSV).

use super::types::{
    AddDevices, AddedDevices, AssignRequest, BatchResult, DeviceInfo, DeviceList, DeviceQuery,
    MoveRequest, ReleaseRequest, RowError,
};
use super::{csv_rows, parse, query, saved};
use crate::clock::format_ms;
use crate::error::AdminError;
use crate::state::{DevicePatch, DeviceRec, OsChoice, Outcome, SimState};
use crate::Sim;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use std::ops::Bound;

/// Upper bound for one `add devices` call (the benchmark needs 500,000).
const MAX_ADD: u32 = 1_000_000;
const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 10_000;

pub(super) async fn add(
    State(sim): State<Sim>,
    body: Bytes,
) -> Result<Json<AddedDevices>, AdminError> {
    let req: AddDevices = parse(&body)?;
    if req.count == 0 || req.count > MAX_ADD {
        return Err(AdminError::bad_request(format!(
            "count: must be between 1 and {MAX_ADD}"
        )));
    }
    let choice: OsChoice = req
        .os
        .as_deref()
        .unwrap_or("mix")
        .parse()
        .map_err(AdminError::bad_request)?;
    let now = sim.now_ms();
    let added = {
        let mut state = sim.state_mut();
        let serials = state.add_devices(req.count, choice, now);
        AddedDevices {
            serials,
            server_uuid: state.default_server.clone(),
        }
    };
    saved(&sim, Json(added)).await
}

pub(super) fn device_info(serial: &str, d: &DeviceRec) -> DeviceInfo {
    DeviceInfo {
        serial_number: serial.to_string(),
        model: d.model.clone(),
        description: d.description.clone(),
        color: d.color.clone(),
        asset_tag: d.asset_tag.clone(),
        os: d.os.wire().to_string(),
        device_family: d.os.family().to_string(),
        server_uuid: d.server.clone(),
        device_assigned_date: d.assigned_ms.map(format_ms),
        device_assigned_by: d.assigned_by.clone(),
        profile_uuid: d.profile_uuid.clone(),
        profile_status: d.profile_status.as_str().to_string(),
        profile_assign_time: d.profile_assign_ms.map(format_ms),
        profile_push_time: d.profile_push_ms.map(format_ms),
    }
}

pub(super) async fn list(
    State(sim): State<Sim>,
    q: Result<Query<DeviceQuery>, QueryRejection>,
) -> Result<Json<DeviceList>, AdminError> {
    let q = query(q)?;
    let limit = q.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let lower = q.after.clone().map_or(Bound::Unbounded, Bound::Excluded);
    let state = sim.state();
    let mut page: Vec<DeviceInfo> = match q.server.as_deref() {
        None => state
            .devices
            .range::<String, _>((lower, Bound::Unbounded))
            .take(limit + 1)
            .map(|(s, d)| device_info(s, d))
            .collect(),
        Some("none") => state
            .devices
            .range::<String, _>((lower, Bound::Unbounded))
            .filter(|(_, d)| d.server.is_none())
            .take(limit + 1)
            .map(|(s, d)| device_info(s, d))
            .collect(),
        Some(uuid) => {
            let server = state
                .servers
                .get(uuid)
                .ok_or_else(|| AdminError::not_found(format!("server: no MDM server {uuid}")))?;
            server
                .devices
                .range::<String, _>((lower, Bound::Unbounded))
                .take(limit + 1)
                .filter_map(|s| state.devices.get(s).map(|d| device_info(s, d)))
                .collect()
        }
    };
    let next_after = (page.len() > limit).then(|| {
        page.truncate(limit);
        page.last().map(|d| d.serial_number.clone())
    });
    Ok(Json(DeviceList {
        devices: page,
        next_after: next_after.flatten(),
    }))
}

pub(super) async fn modify(
    State(sim): State<Sim>,
    Path(serial): Path<String>,
    body: Bytes,
) -> Result<Json<DeviceInfo>, AdminError> {
    let patch: DevicePatch = parse(&body)?;
    let now = sim.now_ms();
    let info = {
        let mut state = sim.state_mut();
        state
            .modify(&serial, &patch, now)
            .map_err(|e| AdminError::not_found(format!("serial: {serial} is {e}")))?;
        state.devices.get(&serial).map(|d| device_info(&serial, d))
    };
    let info = info.ok_or_else(|| AdminError::not_found(format!("serial: {serial} vanished")))?;
    saved(&sim, Json(info)).await
}

/// Applies `op` to each `(row, serial)`, collecting what changed and what was refused.
pub(super) fn apply(
    state: &mut SimState,
    rows: Vec<(Option<usize>, String)>,
    mut op: impl FnMut(&mut SimState, &str) -> Result<Outcome, String>,
) -> BatchResult {
    let mut result = BatchResult::default();
    for (row, serial) in rows {
        match op(state, &serial) {
            Ok(Outcome::Changed) => result.applied.push(serial),
            Ok(Outcome::Unchanged) => result.unchanged.push(serial),
            Err(error) => result.errors.push(RowError {
                row,
                value: serial,
                error,
            }),
        }
    }
    result
}

pub(super) fn listed(serials: Vec<String>) -> Vec<(Option<usize>, String)> {
    serials
        .into_iter()
        .map(|s| (None, s.trim().to_ascii_uppercase()))
        .collect()
}

fn require_server(state: &SimState, field: &str, uuid: &str) -> Result<(), AdminError> {
    if state.servers.contains_key(uuid) {
        Ok(())
    } else {
        Err(AdminError::not_found(format!(
            "{field}: no MDM server {uuid}"
        )))
    }
}

pub(super) async fn assign(
    State(sim): State<Sim>,
    body: Bytes,
) -> Result<Json<BatchResult>, AdminError> {
    let req: AssignRequest = parse(&body)?;
    let (csv_good, csv_bad) = req.csv.as_deref().map(csv_rows::parse).unwrap_or_default();
    let mut rows = listed(req.serials);
    rows.extend(csv_good.into_iter().map(|(row, s)| (Some(row), s)));
    if rows.is_empty() && csv_bad.is_empty() {
        return Err(AdminError::bad_request(
            "serials: give at least one serial, or csv rows",
        ));
    }
    let now = sim.now_ms();
    let mut result = {
        let mut state = sim.state_mut();
        require_server(&state, "server_uuid", &req.server_uuid)?;
        apply(&mut state, rows, |st, s| {
            st.assign(s, &req.server_uuid, now)
        })
    };
    result.errors.extend(csv_bad);
    result.errors.sort_by_key(|e| e.row);
    saved(&sim, Json(result)).await
}

pub(super) async fn release(
    State(sim): State<Sim>,
    body: Bytes,
) -> Result<Json<BatchResult>, AdminError> {
    let req: ReleaseRequest = parse(&body)?;
    if req.serials.is_empty() {
        return Err(AdminError::bad_request("serials: give at least one serial"));
    }
    let now = sim.now_ms();
    let result = {
        let mut state = sim.state_mut();
        apply(&mut state, listed(req.serials), |st, s| st.release(s, now))
    };
    saved(&sim, Json(result)).await
}

pub(super) async fn move_devices(
    State(sim): State<Sim>,
    body: Bytes,
) -> Result<Json<BatchResult>, AdminError> {
    let req: MoveRequest = parse(&body)?;
    if req.serials.is_empty() {
        return Err(AdminError::bad_request("serials: give at least one serial"));
    }
    let now = sim.now_ms();
    let result = {
        let mut state = sim.state_mut();
        require_server(&state, "to", &req.to)?;
        apply(&mut state, listed(req.serials), |st, s| {
            st.move_to(s, &req.to, now)
        })
    };
    saved(&sim, Json(result)).await
}
