//! Organisation settings, fault scripts, sessions and the clock.

use super::types::{ClockAdvance, ClockInfo, FaultQuery, OrgPatch, Removed};
use super::{parse, query, saved};
use crate::clock::format_ms;
use crate::error::AdminError;
use crate::faults::Fault;
use crate::sessions::SessionConfig;
use crate::state::Org;
use crate::Sim;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;

pub(super) async fn org(State(sim): State<Sim>) -> Json<Org> {
    Json(sim.state().org.clone())
}

fn text(field: &str, value: Option<String>, target: &mut String) -> Result<(), AdminError> {
    if let Some(v) = value {
        if v.trim().is_empty() {
            return Err(AdminError::bad_request(format!(
                "{field}: must not be empty"
            )));
        }
        *target = v;
    }
    Ok(())
}

pub(super) async fn update_org(
    State(sim): State<Sim>,
    body: Bytes,
) -> Result<Json<Org>, AdminError> {
    let patch: OrgPatch = parse(&body)?;
    let org = {
        let mut state = sim.state_mut();
        let mut org = state.org.clone();
        text("name", patch.name, &mut org.name)?;
        text("email", patch.email, &mut org.email)?;
        text("phone", patch.phone, &mut org.phone)?;
        text("address", patch.address, &mut org.address)?;
        text("admin_id", patch.admin_id, &mut org.admin_id)?;
        if let Some(signed) = patch.terms_signed {
            org.terms_signed = signed;
        }
        state.org = org.clone();
        org
    };
    saved(&sim, Json(org)).await
}

pub(super) async fn add_fault(
    State(sim): State<Sim>,
    q: Result<Query<FaultQuery>, QueryRejection>,
    body: Bytes,
) -> Result<Json<Vec<Fault>>, AdminError> {
    let skip = query(q)?.skip.unwrap_or(0);
    let fault: Fault = parse(&body)?;
    fault.validate().map_err(AdminError::bad_request)?;
    let mut faults = sim.faults();
    faults.push_after(fault, skip);
    Ok(Json(faults.list()))
}

pub(super) async fn list_faults(State(sim): State<Sim>) -> Json<Vec<Fault>> {
    Json(sim.faults().list())
}

pub(super) async fn clear_faults(State(sim): State<Sim>) -> Json<Removed> {
    Json(Removed {
        removed: sim.faults().clear(),
    })
}

pub(super) async fn session_config(State(sim): State<Sim>) -> Json<SessionConfig> {
    Json(sim.sessions().config)
}

pub(super) async fn set_session_config(
    State(sim): State<Sim>,
    body: Bytes,
) -> Result<Json<SessionConfig>, AdminError> {
    let config: SessionConfig = parse(&body)?;
    if config.ttl_secs == 0 {
        return Err(AdminError::bad_request("ttl_secs: must be at least 1"));
    }
    sim.sessions().config = config;
    Ok(Json(config))
}

pub(super) async fn invalidate_sessions(State(sim): State<Sim>) -> Json<Removed> {
    Json(Removed {
        removed: sim.sessions().invalidate_all(),
    })
}

fn clock_info(sim: &Sim) -> ClockInfo {
    let now_ms = sim.now_ms();
    ClockInfo {
        now: format_ms(now_ms),
        now_ms,
        offset_seconds: sim.clock().offset_ms() / 1000,
    }
}

pub(super) async fn clock(State(sim): State<Sim>) -> Json<ClockInfo> {
    Json(clock_info(&sim))
}

pub(super) async fn advance_clock(
    State(sim): State<Sim>,
    body: Bytes,
) -> Result<Json<ClockInfo>, AdminError> {
    let req: ClockAdvance = parse(&body)?;
    // Ten years is far beyond any token or cursor lifetime; larger is surely a typo.
    if req.seconds > 10 * 365 * 86_400 {
        return Err(AdminError::bad_request(
            "seconds: must be at most ten years",
        ));
    }
    sim.clock().advance(req.seconds);
    saved(&sim, Json(clock_info(&sim))).await
}
