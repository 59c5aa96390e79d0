//! The stand-in's push feed: plain HTTP/1 on its own listener, so simulated devices (which hold
//! no push certificate) can learn of pushes. `GET /_standin/pushes?after=N[&wait=SECS]` answers
//! the pushes numbered N and up as JSON, waiting (long poll, at most 60 s) until there is one.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use super::{lock, State};

/// The feed's path.
pub const FEED_PATH: &str = "/_standin/pushes";
/// Default long-poll wait, and its ceiling.
const DEFAULT_WAIT: Duration = Duration::from_secs(25);
const MAX_WAIT_SECS: u64 = 60;

type Answer = Response<Full<Bytes>>;

pub(super) fn spawn(listener: TcpListener, state: Arc<State>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            while connections.try_join_next().is_some() {}
            let tcp = match listener.accept().await {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    tracing::warn!(error = %e, "apns stand-in feed: accept failed");
                    continue;
                }
            };
            let state = state.clone();
            connections.spawn(async move {
                let service = service_fn(move |req| answer(req, state.clone()));
                let served = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
                if let Err(e) = served {
                    tracing::debug!(error = %e, "apns stand-in feed: connection error");
                }
            });
        }
    })
}

fn json(status: StatusCode, value: &serde_json::Value) -> Answer {
    let mut answer = Response::new(Full::new(Bytes::from(value.to_string())));
    *answer.status_mut() = status;
    if let Ok(v) = "application/json".parse() {
        answer.headers_mut().insert("content-type", v);
    }
    answer
}

fn bad_request(reason: String) -> Answer {
    json(
        StatusCode::BAD_REQUEST,
        &serde_json::json!({ "error": reason }),
    )
}

/// `after` and `wait` from the query string; unknown keys are ignored.
fn parse_query(query: Option<&str>) -> Result<(usize, Duration), String> {
    let (mut after, mut wait) = (0usize, DEFAULT_WAIT);
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "after" => {
                after = value
                    .parse()
                    .map_err(|_| format!("after: must be a whole number, got {value:?}"))?;
            }
            "wait" => {
                let secs: u64 = value
                    .parse()
                    .map_err(|_| format!("wait: must be whole seconds, got {value:?}"))?;
                if secs > MAX_WAIT_SECS {
                    return Err(format!("wait: at most {MAX_WAIT_SECS} seconds, got {secs}"));
                }
                wait = Duration::from_secs(secs);
            }
            _ => {}
        }
    }
    Ok((after, wait))
}

async fn answer(req: Request<Incoming>, state: Arc<State>) -> Result<Answer, Infallible> {
    if req.uri().path() != FEED_PATH {
        let reason = format!("not found; the feed is GET {FEED_PATH}?after=N");
        return Ok(json(
            StatusCode::NOT_FOUND,
            &serde_json::json!({ "error": reason }),
        ));
    }
    if req.method() != Method::GET {
        return Ok(json(
            StatusCode::METHOD_NOT_ALLOWED,
            &serde_json::json!({ "error": "method: only GET" }),
        ));
    }
    let (after, wait) = match parse_query(req.uri().query()) {
        Ok(q) => q,
        Err(reason) => return Ok(bad_request(reason)),
    };
    let mut count = state.count.subscribe();
    // A timeout just answers an empty page; the caller asks again.
    let _ = tokio::time::timeout(wait, count.wait_for(|n| *n > after)).await;
    Ok(json(StatusCode::OK, &page(&state, after)))
}

/// Pushes numbered `after` and up, and the number to ask for next.
fn page(state: &State, after: usize) -> serde_json::Value {
    let pushes = lock(&state.pushes);
    let items: Vec<_> = pushes
        .iter()
        .enumerate()
        .skip(after)
        .map(|(index, p)| {
            let ms = p
                .received_at
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or_default();
            serde_json::json!({
                "index": index,
                "device_token": p.device_token,
                "topic": p.topic,
                "push_magic": p.push_magic,
                "received_at_ms": u64::try_from(ms).unwrap_or(u64::MAX),
            })
        })
        .collect();
    serde_json::json!({ "pushes": items, "next": pushes.len().max(after) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_checked_and_named() {
        assert_eq!(parse_query(None).unwrap(), (0, DEFAULT_WAIT));
        assert_eq!(
            parse_query(Some("after=3&wait=0&x=1")).unwrap(),
            (3, Duration::ZERO)
        );
        assert!(parse_query(Some("after=-1"))
            .unwrap_err()
            .starts_with("after:"));
        assert!(parse_query(Some("wait=61"))
            .unwrap_err()
            .starts_with("wait:"));
    }
}
