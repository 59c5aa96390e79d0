//! ADE profiles in the portal: injected assign results, unassigning a profile, a device fetching
//! its profile, and the defined profiles with the serials that have them.

use super::devices::{apply, device_info, listed};
use super::types::{
    AssignInjection, AssignResultEntry, AssignResultRequest, BatchResult, DeviceInfo,
    InjectedResult, ProfileInfo, ProfileQuery, Removed, UnassignRequest, WILDCARD,
};
use super::{parse, query, saved};
use crate::clock::format_ms;
use crate::error::AdminError;
use crate::state::SimState;
use crate::Sim;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use std::collections::BTreeMap;

fn entries(state: &SimState) -> Vec<AssignResultEntry> {
    state
        .assign_results
        .iter()
        .map(|(serial, injection)| AssignResultEntry {
            serial: serial.clone(),
            injection: *injection,
        })
        .collect()
}

fn injection(req: &AssignResultRequest) -> Result<AssignInjection, AdminError> {
    let remaining = req.count.unwrap_or(1);
    if remaining == 0 {
        return Err(AdminError::bad_request("count: must be at least 1"));
    }
    if req.retry_after_seconds.is_some() && req.result != InjectedResult::Throttled {
        return Err(AdminError::bad_request(
            "retry_after_seconds: only THROTTLED results carry a retry delay",
        ));
    }
    Ok(AssignInjection {
        result: req.result,
        remaining,
        retry_after_seconds: req.retry_after_seconds,
    })
}

pub(super) async fn add_results(
    State(sim): State<Sim>,
    body: Bytes,
) -> Result<Json<Vec<AssignResultEntry>>, AdminError> {
    let req: AssignResultRequest = parse(&body)?;
    let rule = injection(&req)?;
    let serials: Vec<String> = listed(req.serials).into_iter().map(|(_, s)| s).collect();
    if serials.is_empty() || serials.iter().any(String::is_empty) {
        return Err(AdminError::bad_request(format!(
            "serials: give at least one serial (no empty ones), or {WILDCARD} for every serial"
        )));
    }
    let list = {
        let mut state = sim.state_mut();
        for s in serials {
            state.assign_results.insert(s, rule);
        }
        entries(&state)
    };
    saved(&sim, Json(list)).await
}

pub(super) async fn list_results(State(sim): State<Sim>) -> Json<Vec<AssignResultEntry>> {
    Json(entries(&sim.state()))
}

pub(super) async fn clear_results(State(sim): State<Sim>) -> Result<Json<Removed>, AdminError> {
    let removed = std::mem::take(&mut sim.state_mut().assign_results).len();
    saved(&sim, Json(Removed { removed })).await
}

pub(super) async fn unassign(
    State(sim): State<Sim>,
    body: Bytes,
) -> Result<Json<BatchResult>, AdminError> {
    let req: UnassignRequest = parse(&body)?;
    if req.serials.is_empty() {
        return Err(AdminError::bad_request("serials: give at least one serial"));
    }
    let now = sim.now_ms();
    let result = {
        let mut state = sim.state_mut();
        apply(&mut state, listed(req.serials), |st, s| {
            st.unassign_profile(s, now)
        })
    };
    saved(&sim, Json(result)).await
}

pub(super) async fn pushed(
    State(sim): State<Sim>,
    Path(serial): Path<String>,
) -> Result<Json<DeviceInfo>, AdminError> {
    let now = sim.now_ms();
    let info = {
        let mut state = sim.state_mut();
        state
            .mark_pushed(&serial, now)
            .map_err(|e| AdminError::bad_request(format!("serial: {serial} is {e}")))?;
        state.devices.get(&serial).map(|d| device_info(&serial, d))
    };
    let info = info.ok_or_else(|| AdminError::not_found(format!("serial: {serial} vanished")))?;
    saved(&sim, Json(info)).await
}

pub(super) async fn list(
    State(sim): State<Sim>,
    q: Result<Query<ProfileQuery>, QueryRejection>,
) -> Result<Json<Vec<ProfileInfo>>, AdminError> {
    let q = query(q)?;
    let state = sim.state();
    if let Some(uuid) = q.server.as_deref() {
        if !state.servers.contains_key(uuid) {
            return Err(AdminError::not_found(format!(
                "server: no MDM server {uuid}"
            )));
        }
    }
    // A scan of every device: this is a test aid, not a hot path.
    let mut holders: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (serial, dev) in &state.devices {
        if let Some(p) = dev.profile_uuid.as_deref() {
            holders.entry(p).or_default().push(serial.clone());
        }
    }
    // In profile UUID order (the map's), which is stable; creation times can tie.
    let profiles: Vec<ProfileInfo> = state
        .profiles
        .iter()
        .filter(|(_, p)| q.server.as_deref().is_none_or(|s| s == p.server_uuid))
        .map(|(uuid, p)| ProfileInfo {
            profile_uuid: uuid.clone(),
            server_uuid: p.server_uuid.clone(),
            created: format_ms(p.created_ms),
            profile: p.profile.clone(),
            serials: holders.remove(uuid.as_str()).unwrap_or_default(),
        })
        .collect();
    Ok(Json(profiles))
}
