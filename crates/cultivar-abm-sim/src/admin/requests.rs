//! Requests per Apple path, and a bounded long-poll until a path has had N of them.

use super::query;
use super::types::{RequestCounts, RequestWait, RequestWaitQuery};
use crate::error::AdminError;
use crate::Sim;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use std::time::Duration;

const DEFAULT_WAIT_MS: u64 = 30_000;
/// Long enough for any test step, short enough that a forgotten wait does not hang a run.
const MAX_WAIT_MS: u64 = 120_000;

pub(super) async fn counts(State(sim): State<Sim>) -> Json<RequestCounts> {
    Json(RequestCounts {
        counts: sim.requests().counts(),
    })
}

pub(super) async fn wait(
    State(sim): State<Sim>,
    q: Result<Query<RequestWaitQuery>, QueryRejection>,
) -> Result<Json<RequestWait>, AdminError> {
    let q = query(q)?;
    if !q.path.starts_with('/') {
        return Err(AdminError::bad_request(format!(
            "path: {:?} must be an Apple path like /server/devices",
            q.path
        )));
    }
    let ms = q.timeout_ms.unwrap_or(DEFAULT_WAIT_MS);
    if ms > MAX_WAIT_MS {
        return Err(AdminError::bad_request(format!(
            "timeout_ms: must be at most {MAX_WAIT_MS}"
        )));
    }
    let (count, reached) = sim
        .requests()
        .wait(&q.path, q.count, Duration::from_millis(ms))
        .await;
    Ok(Json(RequestWait {
        path: q.path,
        count,
        reached,
    }))
}
