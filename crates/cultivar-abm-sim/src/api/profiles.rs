//! Define, get, assign and remove ADE profiles. A profile belongs to the MDM server that defined
//! it; other servers cannot see or assign it.

use super::{authorize, parse_body, profile_rules, serial_list};
use crate::error::ApiError;
use crate::state::{InjectedResult, SimState, StoredProfile, WILDCARD};
use crate::Sim;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use cultivar_abm_proto::error::codes;
use cultivar_abm_proto::{DeviceResult, DeviceResults, Profile, MAX_SERIALS_PER_REQUEST};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Per-serial results of an assign, and the `retry_after_seconds` of its THROTTLED serials.
struct Assigned {
    devices: BTreeMap<String, DeviceResult>,
    retry_after_seconds: Option<u64>,
}

impl Assigned {
    /// The reply; `retry_after_seconds` only from protocol 10, where Apple added it.
    fn reply(self, profile_uuid: String, protocol: u32) -> DeviceResults {
        DeviceResults {
            profile_uuid: Some(profile_uuid),
            devices: self.devices,
            retry_after_seconds: self.retry_after_seconds.filter(|_| protocol >= 10),
            ..DeviceResults::default()
        }
    }
}

/// Assigns `profile` to each serial of `server`; others are `NOT_ACCESSIBLE`. An injected
/// result (`/_sim/assign-results`) answers for its serial instead, which then keeps its profile.
/// The wildcard answers one whole request per count.
fn assign_all(
    state: &mut SimState,
    server: &str,
    profile: &str,
    serials: &[String],
    now: i64,
) -> Assigned {
    // A define without devices assigns nothing, so it must not use up the wildcard.
    let wildcard = if serials.is_empty() {
        None
    } else {
        state.take_injection(WILDCARD)
    };
    let mut retry_after_seconds: Option<u64> = None;
    let devices = serials
        .iter()
        .map(|s| {
            let injected = state
                .take_injection(&s.trim().to_ascii_uppercase())
                .or(wildcard);
            let r = match injected {
                Some(i) => {
                    if i.result == InjectedResult::Throttled {
                        // One value for the whole reply: the longest wait asked for.
                        retry_after_seconds = retry_after_seconds.max(i.retry_after_seconds);
                    }
                    i.result.device_result()
                }
                None if state.set_profile(s, server, profile, now) => DeviceResult::Success,
                None => DeviceResult::NotAccessible,
            };
            (s.clone(), r)
        })
        .collect();
    Assigned {
        devices,
        retry_after_seconds,
    }
}

pub(super) async fn define(
    State(sim): State<Sim>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let auth = authorize(&sim, &headers)?;
    let mut profile: Profile = parse_body(&body)?;
    profile_rules::check(&profile).map_err(ApiError::bad_request)?;
    if profile.devices.len() > MAX_SERIALS_PER_REQUEST {
        return Err(ApiError::bad_request(codes::MALFORMED_REQUEST_BODY));
    }
    let serials = std::mem::take(&mut profile.devices);
    profile.profile_uuid = None;
    let now = sim.now_ms();
    let (uuid, assigned) = {
        let mut state = sim.state_mut();
        let uuid = state.next_profile_uuid();
        state.profiles.insert(
            uuid.clone(),
            StoredProfile {
                server_uuid: auth.server.clone(),
                created_ms: now,
                profile,
            },
        );
        let assigned = assign_all(&mut state, &auth.server, &uuid, &serials, now);
        (uuid, assigned)
    };
    auth.json(&assigned.reply(uuid, auth.protocol))
}

#[derive(Deserialize)]
pub(super) struct ProfileQuery {
    profile_uuid: Option<String>,
}

pub(super) async fn get_profile(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(q): Query<ProfileQuery>,
) -> Result<Response, ApiError> {
    let auth = authorize(&sim, &headers)?;
    let uuid = q
        .profile_uuid
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request(codes::PROFILE_UUID_REQUIRED))?;
    let profile = {
        let state = sim.state();
        let stored = state
            .profiles
            .get(&uuid)
            .filter(|p| p.server_uuid == auth.server)
            .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, codes::PROFILE_NOT_FOUND))?;
        let mut p = stored.profile.clone();
        p.profile_uuid = Some(uuid);
        p
    };
    auth.json(&profile)
}

/// Assign and remove bodies, loose so missing fields get Apple's specific codes.
#[derive(Deserialize)]
pub(super) struct ProfileDevicesBody {
    #[serde(default)]
    profile_uuid: Option<String>,
    #[serde(default)]
    devices: Option<Vec<String>>,
}

pub(super) async fn assign(
    State(sim): State<Sim>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let auth = authorize(&sim, &headers)?;
    let req: ProfileDevicesBody = parse_body(&body)?;
    let uuid = req
        .profile_uuid
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request(codes::PROFILE_UUID_REQUIRED))?;
    let serials = serial_list(req.devices)?;
    let now = sim.now_ms();
    let assigned = {
        let mut state = sim.state_mut();
        let known = state
            .profiles
            .get(&uuid)
            .is_some_and(|p| p.server_uuid == auth.server);
        if !known {
            return Err(ApiError::bad_request(codes::PROFILE_NOT_FOUND));
        }
        assign_all(&mut state, &auth.server, &uuid, &serials, now)
    };
    auth.json(&assigned.reply(uuid, auth.protocol))
}

pub(super) async fn remove(
    State(sim): State<Sim>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let auth = authorize(&sim, &headers)?;
    let req: ProfileDevicesBody = parse_body(&body)?;
    let serials = serial_list(req.devices)?;
    let now = sim.now_ms();
    let devices = {
        let mut state = sim.state_mut();
        serials
            .into_iter()
            .map(|s| {
                let r = if state.clear_profile(&s, &auth.server, now) {
                    DeviceResult::Success
                } else {
                    DeviceResult::NotAccessible
                };
                (s, r)
            })
            .collect()
    };
    auth.json(&DeviceResults {
        devices,
        ..DeviceResults::default()
    })
}
