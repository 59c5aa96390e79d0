//! Fetch, sync, device details and disown.
//!
//! Fetch pages through the server's devices in serial order. Its first cursor remembers the
//! server's event-log position at that moment, and every later cursor carries it on, so the final
//! fetch cursor makes `/devices/sync` return exactly what changed since the fetch began.

use super::{
    authorize, check_user_agent, parse_body, serial_list, Authed, DEFAULT_LIMIT, MAX_LIMIT,
};
use crate::clock::format_ms;
use crate::cursors::{CursorInfo, CursorTable, Phase};
use crate::error::ApiError;
use crate::render;
use crate::state::Server;
use crate::Sim;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use cultivar_abm_proto::error::codes;
use cultivar_abm_proto::{CursorRequest, DevicePage, DeviceResult, DeviceResults};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::ops::Bound;

/// A `limit` above Apple's maximum is clamped to it; 0 or none means the default.
fn page_size(limit: Option<u32>) -> usize {
    match limit {
        None | Some(0) => DEFAULT_LIMIT as usize,
        Some(n) => n.min(MAX_LIMIT) as usize,
    }
}

fn cursor_of(req: &CursorRequest) -> Option<&str> {
    req.cursor
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
}

/// Where a fetch continues: after which serial, and the event position sync will start from.
fn fetch_start(
    cursors: &CursorTable,
    req: &CursorRequest,
    server: &Server,
    now: i64,
) -> Result<(Option<String>, u64), ApiError> {
    let Some(c) = cursor_of(req) else {
        return Ok((None, server.events.len() as u64));
    };
    let info = cursors
        .resolve(c, &server.uuid, now)
        .map_err(ApiError::bad_request)?;
    match info.phase {
        Phase::Fetching { after } => Ok((Some(after), info.event_seq)),
        Phase::Exhausted => Err(ApiError::bad_request(codes::EXHAUSTED_CURSOR)),
    }
}

pub(super) async fn fetch(
    State(sim): State<Sim>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_user_agent(&headers)?;
    let auth = authorize(&sim, &headers)?;
    let req: CursorRequest = parse_body(&body)?;
    let limit = page_size(req.limit);
    let now = sim.now_ms();
    let page = {
        let state = sim.state();
        let server = state
            .servers
            .get(&auth.server)
            .ok_or_else(ApiError::unauthorized)?;
        let mut cursors = sim.cursors();
        let (after, event_seq) = fetch_start(&cursors, &req, server, now)?;
        let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
        let mut serials: Vec<&String> = server
            .devices
            .range((lower, Bound::Unbounded))
            .take(limit + 1)
            .collect();
        let more_to_follow = serials.len() > limit;
        serials.truncate(limit);
        let devices = serials
            .iter()
            .filter_map(|s| {
                state
                    .devices
                    .get(*s)
                    .map(|d| render::device(s, d, auth.protocol))
            })
            .collect();
        let phase = match serials.last() {
            Some(last) if more_to_follow => Phase::Fetching {
                after: (*last).clone(),
            },
            _ => Phase::Exhausted,
        };
        let next = CursorInfo {
            server: auth.server.clone(),
            created_ms: now,
            event_seq,
            phase,
        };
        let cursor = cursors.issue(next);
        DevicePage {
            devices,
            cursor,
            fetched_until: Some(format_ms(now)),
            more_to_follow,
            extra: Map::new(),
        }
    };
    auth.json(&page)
}

pub(super) async fn sync(
    State(sim): State<Sim>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_user_agent(&headers)?;
    let auth = authorize(&sim, &headers)?;
    let req: CursorRequest = parse_body(&body)?;
    let cursor = cursor_of(&req).ok_or_else(|| ApiError::bad_request(codes::CURSOR_REQUIRED))?;
    let limit = page_size(req.limit);
    let now = sim.now_ms();
    let page = {
        let state = sim.state();
        let server = state
            .servers
            .get(&auth.server)
            .ok_or_else(ApiError::unauthorized)?;
        let mut cursors = sim.cursors();
        let info = cursors
            .resolve(cursor, &auth.server, now)
            .map_err(ApiError::bad_request)?;
        let start = usize::try_from(info.event_seq)
            .unwrap_or(usize::MAX)
            .min(server.events.len());
        let pending = &server.events[start..];
        let batch = &pending[..pending.len().min(limit)];
        let devices = batch
            .iter()
            .map(|e| {
                let dev = state
                    .devices
                    .get(&e.serial)
                    .or_else(|| state.disowned.get(&e.serial));
                render::sync_record(&e.serial, dev, e.op, e.at_ms, auth.protocol)
            })
            .collect();
        let more_to_follow = pending.len() > batch.len();
        let next = CursorInfo {
            server: auth.server.clone(),
            created_ms: now,
            event_seq: (start + batch.len()) as u64,
            phase: Phase::Exhausted,
        };
        let cursor = cursors.issue(next);
        DevicePage {
            devices,
            cursor,
            fetched_until: Some(format_ms(now)),
            more_to_follow,
            extra: Map::new(),
        }
    };
    auth.json(&page)
}

/// `{"devices": [...]}` with the list optional, so a missing list is `DEVICE_ID_REQUIRED`.
#[derive(Deserialize)]
struct SerialsBody {
    #[serde(default)]
    devices: Option<Vec<String>>,
}

fn not_accessible(serial: &str) -> Value {
    serde_json::json!({ "serial_number": serial, "response_status": DeviceResult::NotAccessible })
}

pub(super) async fn details(
    State(sim): State<Sim>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let auth = authorize(&sim, &headers)?;
    let req: SerialsBody = parse_body(&body)?;
    let serials = serial_list(req.devices)?;
    let mut out = Map::new();
    {
        let state = sim.state();
        for serial in serials {
            let entry = match state.devices.get(&serial) {
                Some(d) if d.server.as_deref() == Some(auth.server.as_str()) => {
                    let mut rec = render::device(&serial, d, auth.protocol);
                    rec.response_status = Some(DeviceResult::Success);
                    serde_json::to_value(rec).map_err(|_| ApiError::internal())?
                }
                _ => not_accessible(&serial),
            };
            out.insert(serial, entry);
        }
    }
    auth.json(&serde_json::json!({ "devices": out }))
}

pub(super) async fn disown(
    State(sim): State<Sim>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let auth: Authed = authorize(&sim, &headers)?;
    let req: SerialsBody = parse_body(&body)?;
    let serials = serial_list(req.devices)?;
    let now = sim.now_ms();
    let mut devices = BTreeMap::new();
    {
        let mut state = sim.state_mut();
        for serial in serials {
            let result = if state.disown(&serial, &auth.server, now) {
                DeviceResult::Success
            } else {
                DeviceResult::NotAccessible
            };
            devices.insert(serial, result);
        }
    }
    auth.json(&DeviceResults {
        devices,
        ..DeviceResults::default()
    })
}
