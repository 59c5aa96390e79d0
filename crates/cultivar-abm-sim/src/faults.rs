//! Scripted faults, like depsim's per-endpoint response lists: each fault fires `count` times on
//! the next requests to its endpoint (or any Apple endpoint for `"*"`), in the order queued. A
//! fault queued with a `skip` first lets that many requests through, so a test can aim at the
//! Nth page of a fetch (e.g. hold it with `latency_ms` while it kills the client).
//!
//! Besides error statuses, one behaviour of Apple's can be scripted: [`ECHO_CURSOR`] as the
//! `code` of a fault without an error status on fetch or sync answers with the request's own
//! cursor and `more_to_follow: true` (micromdm#1016, nanodep#73), the reply that makes naive
//! sync loops spin.

use crate::error::ApiError;
use crate::Sim;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cultivar_abm_proto::error::codes;
use cultivar_abm_proto::{paths, CursorRequest, DevicePage};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// One scripted fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// An Apple path such as `/devices/sync`, or `*` for every Apple endpoint.
    pub endpoint: String,
    /// HTTP status to answer with; none (or a 2xx) only adds latency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Error code for the body; defaults to Apple's code for the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `Retry-After` in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// How many requests this fault answers.
    #[serde(default = "one")]
    pub count: u32,
    /// Delay before answering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
}

fn one() -> u32 {
    1
}

/// `code` of a fault (with no status, or a 2xx one) that echoes the request cursor back with
/// `more_to_follow: true` on `/server/devices` or `/devices/sync`.
pub const ECHO_CURSOR: &str = "ECHO_CURSOR";

impl Fault {
    /// A fault answering the next `count` requests to `endpoint` (`/server/devices` or
    /// `/devices/sync`) with their own cursor and `more_to_follow: true`, and no devices.
    pub fn echo_cursor(endpoint: &str, count: u32) -> Fault {
        Fault {
            endpoint: endpoint.to_string(),
            status: None,
            code: Some(ECHO_CURSOR.to_string()),
            retry_after: None,
            count,
            latency_ms: None,
        }
    }

    fn echoes_cursor(&self) -> bool {
        self.code.as_deref() == Some(ECHO_CURSOR) && self.status.is_none_or(|s| s < 300)
    }

    /// Checks the fault is something the simulator can answer.
    pub fn validate(&self) -> Result<(), String> {
        if self.endpoint != "*" && !self.endpoint.starts_with('/') {
            return Err(format!(
                "endpoint: {:?} must be an Apple path like /devices/sync, or *",
                self.endpoint
            ));
        }
        if let Some(s) = self.status {
            if StatusCode::from_u16(s).is_err() || !(200..=599).contains(&s) {
                return Err(format!(
                    "status: {s} is not an HTTP status between 200 and 599"
                ));
            }
        }
        if self.count == 0 {
            return Err("count: must be at least 1".into());
        }
        if self.code.as_deref().is_some_and(|c| c.trim().is_empty()) {
            return Err("code: must not be empty when given".into());
        }
        if self.echoes_cursor() && !is_cursor_endpoint(&self.endpoint) {
            return Err(format!(
                "endpoint: {ECHO_CURSOR} applies to {} or {} only (got {:?})",
                paths::FETCH_DEVICES,
                paths::SYNC_DEVICES,
                self.endpoint
            ));
        }
        Ok(())
    }

    fn error(&self) -> Option<ApiError> {
        let status = StatusCode::from_u16(self.status?).ok()?;
        if !status.is_client_error() && !status.is_server_error() {
            return None;
        }
        let code = self
            .code
            .clone()
            .unwrap_or_else(|| default_code(status).to_string());
        Some(ApiError {
            status,
            code,
            retry_after: self.retry_after,
        })
    }
}

fn default_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => codes::MALFORMED_REQUEST_BODY,
        401 => codes::UNAUTHORIZED,
        403 => codes::FORBIDDEN,
        404 => "NOT_FOUND",
        429 => codes::TOO_MANY_REQUESTS,
        503 => "SERVICE_UNAVAILABLE",
        _ => "INTERNAL_SERVER_ERROR",
    }
}

/// A queued fault and the requests it still lets through before firing.
#[derive(Debug)]
struct Queued {
    fault: Fault,
    skip: u32,
}

/// Queued faults per endpoint.
#[derive(Debug, Default)]
pub struct FaultQueue {
    queues: BTreeMap<String, VecDeque<Queued>>,
}

impl FaultQueue {
    #[cfg(test)]
    pub fn push(&mut self, fault: Fault) {
        self.push_after(fault, 0);
    }

    /// Queues `fault` to fire once `skip` requests to its endpoint have passed it. Until then
    /// the faults queued behind it for that endpoint wait too (faults fire in order).
    pub fn push_after(&mut self, fault: Fault, skip: u32) {
        self.queues
            .entry(fault.endpoint.clone())
            .or_default()
            .push_back(Queued { fault, skip });
    }

    /// Everything still queued, endpoint by endpoint.
    pub fn list(&self) -> Vec<Fault> {
        self.queues
            .values()
            .flatten()
            .map(|q| q.fault.clone())
            .collect()
    }

    pub fn clear(&mut self) -> usize {
        let n = self.queues.values().map(VecDeque::len).sum();
        self.queues.clear();
        n
    }

    /// Consumes one firing of the fault due for `path`: its own queue first, then `*`. A
    /// queue whose first fault is still skipping counts the request and has nothing to fire.
    pub fn take(&mut self, path: &str) -> Option<Fault> {
        for key in [path, "*"] {
            let Some(queue) = self.queues.get_mut(key) else {
                continue;
            };
            let Some(front) = queue.front_mut() else {
                continue;
            };
            if front.skip > 0 {
                front.skip -= 1;
                continue;
            }
            front.fault.count -= 1;
            let fired = front.fault.clone();
            if front.fault.count == 0 {
                queue.pop_front();
            }
            if queue.is_empty() {
                self.queues.remove(key);
            }
            return Some(fired);
        }
        None
    }
}

/// Middleware on the Apple API: answers with the next due fault, if any.
pub(crate) async fn inject(State(sim): State<Sim>, req: Request, next: Next) -> Response {
    sim.requests().record(req.uri().path());
    let fault = sim.faults().take(req.uri().path());
    let Some(fault) = fault else {
        return next.run(req).await;
    };
    if let Some(ms) = fault.latency_ms {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    if fault.echoes_cursor() {
        return echo_cursor(req).await;
    }
    match fault.error() {
        Some(err) => err.into_response(),
        None => next.run(req).await,
    }
}

fn is_cursor_endpoint(path: &str) -> bool {
    path == paths::FETCH_DEVICES || path == paths::SYNC_DEVICES
}

/// Apple's echoed-cursor reply: the request's cursor again, no devices, more to follow.
async fn echo_cursor(req: Request) -> Response {
    // Fetch and sync bodies are tiny; anything larger is not a cursor request.
    const MAX_BODY: usize = 64 * 1024;
    let Ok(body) = axum::body::to_bytes(req.into_body(), MAX_BODY).await else {
        return ApiError::bad_request(codes::MALFORMED_REQUEST_BODY).into_response();
    };
    let request: CursorRequest = match crate::api::parse_body(&body) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let page = DevicePage {
        cursor: request.cursor.unwrap_or_default(),
        more_to_follow: true,
        ..DevicePage::default()
    };
    crate::api::json_response(&page).unwrap_or_else(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(endpoint: &str, status: u16, count: u32) -> Fault {
        Fault {
            endpoint: endpoint.into(),
            status: Some(status),
            code: None,
            retry_after: None,
            count,
            latency_ms: None,
        }
    }

    #[test]
    fn fires_in_order_per_endpoint_then_wildcard() {
        let mut q = FaultQueue::default();
        q.push(fault("/devices/sync", 429, 2));
        q.push(fault("/devices/sync", 503, 1));
        q.push(fault("*", 500, 1));
        let statuses: Vec<Option<u16>> = (0..5)
            .map(|_| q.take("/devices/sync").and_then(|f| f.status))
            .collect();
        assert_eq!(
            statuses,
            vec![Some(429), Some(429), Some(503), Some(500), None]
        );
        assert!(q.list().is_empty());
    }

    #[test]
    fn a_skipping_fault_lets_requests_through_first() {
        let mut q = FaultQueue::default();
        q.push_after(fault("/server/devices", 503, 1), 2);
        q.push(fault("/server/devices", 429, 1));
        q.push(fault("*", 500, 1));
        let statuses: Vec<Option<u16>> = (0..5)
            .map(|_| q.take("/server/devices").and_then(|f| f.status))
            .collect();
        // The wildcard is a queue of its own and fires while the skipping fault waits.
        assert_eq!(statuses, vec![Some(500), None, Some(503), Some(429), None]);
        assert!(q.list().is_empty());
    }

    #[test]
    fn validates_and_defaults_codes() {
        assert!(fault("devices", 429, 1).validate().is_err());
        assert!(fault("*", 99, 1).validate().is_err());
        assert!(fault("*", 429, 0).validate().is_err());
        let e = fault("*", 429, 1).error().expect("error");
        assert_eq!(e.code, codes::TOO_MANY_REQUESTS);
        assert!(fault("*", 200, 1).error().is_none(), "latency-only");
    }

    #[test]
    fn echo_cursor_applies_to_fetch_and_sync_only() {
        assert!(Fault::echo_cursor("/devices/sync", 1).validate().is_ok());
        assert!(Fault::echo_cursor("/server/devices", 2).validate().is_ok());
        for endpoint in ["*", "/account"] {
            let e = Fault::echo_cursor(endpoint, 1)
                .validate()
                .expect_err(endpoint);
            assert!(e.starts_with("endpoint:"), "{e}");
        }
        let mut with_error = Fault::echo_cursor("/account", 1);
        with_error.status = Some(400);
        assert!(!with_error.echoes_cursor(), "an error status wins");
        assert!(with_error.validate().is_ok());
    }
}
