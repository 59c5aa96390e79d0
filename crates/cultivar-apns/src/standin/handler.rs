//! One request to the stand-in: the checks APNs makes, then record or fail.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode, Version};

use super::{Failure, RecordedPush, State};

/// APNs' payload limit.
const MAX_BODY: usize = 4096;

type Answer = Response<Full<Bytes>>;

pub(super) async fn handle(
    req: Request<Incoming>,
    peer_topic: Option<Arc<str>>,
    state: Arc<State>,
) -> Result<Answer, Infallible> {
    Ok(match check(req, peer_topic, &state).await {
        Ok(push) => {
            let apns_id = uuid::Uuid::new_v4().to_string().to_uppercase();
            state.record(push);
            let mut ok = Response::new(Full::new(Bytes::new()));
            if let Ok(v) = apns_id.parse() {
                ok.headers_mut().insert("apns-id", v);
            }
            ok
        }
        Err(refusal) => refusal.into_answer(),
    })
}

/// A refused push: status, APNs reason and, for 429, `Retry-After`.
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    reason: &'static str,
    retry_after_secs: Option<u64>,
}

fn refuse(status: StatusCode, reason: &'static str) -> Refusal {
    Refusal {
        status,
        reason,
        retry_after_secs: None,
    }
}

impl Refusal {
    fn into_answer(self) -> Answer {
        let mut body = serde_json::json!({ "reason": self.reason });
        if self.status == StatusCode::GONE {
            // APNs adds when the token stopped being valid, in milliseconds.
            let ms = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or_default();
            body["timestamp"] = serde_json::json!(u64::try_from(ms).unwrap_or(u64::MAX));
        }
        let mut answer = Response::new(Full::new(Bytes::from(body.to_string())));
        *answer.status_mut() = self.status;
        if let Some(secs) = self.retry_after_secs {
            answer
                .headers_mut()
                .insert("retry-after", hyper::header::HeaderValue::from(secs));
        }
        answer
    }
}

fn failure_refusal(failure: Failure) -> Refusal {
    match failure {
        Failure::Unregistered => refuse(StatusCode::GONE, "Unregistered"),
        Failure::BadDeviceToken => refuse(StatusCode::BAD_REQUEST, "BadDeviceToken"),
        Failure::ServiceUnavailable => {
            refuse(StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable")
        }
        Failure::TooManyRequests { retry_after_secs } => Refusal {
            retry_after_secs: Some(retry_after_secs),
            ..refuse(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests")
        },
    }
}

async fn check(
    req: Request<Incoming>,
    peer_topic: Option<Arc<str>>,
    state: &State,
) -> Result<RecordedPush, Refusal> {
    if req.version() != Version::HTTP_2 {
        return Err(refuse(StatusCode::BAD_REQUEST, "HTTP2Required"));
    }
    if req.method() != Method::POST {
        return Err(refuse(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed"));
    }
    let token = req
        .uri()
        .path()
        .strip_prefix("/3/device/")
        .ok_or_else(|| refuse(StatusCode::NOT_FOUND, "BadPath"))?
        .to_owned();
    if token.is_empty() || token.len() & 1 == 1 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(refuse(StatusCode::BAD_REQUEST, "BadDeviceToken"));
    }
    let Some(cert_topic) = peer_topic else {
        return Err(refuse(StatusCode::FORBIDDEN, "BadCertificate"));
    };
    let topic = header_topic(&req, &cert_topic)?;
    check_optional_headers(&req)?;
    let body = Limited::new(req.into_body(), MAX_BODY)
        .collect()
        .await
        .map_err(|_| refuse(StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLarge"))?
        .to_bytes();
    let push_magic = mdm_magic(&body)?;
    if let Some(failure) = state.failure_for(&token) {
        return Err(failure_refusal(failure));
    }
    Ok(RecordedPush {
        device_token: token,
        topic,
        push_magic,
        body: body.to_vec(),
        received_at: SystemTime::now(),
    })
}

/// `apns-topic` must be the certificate's topic; absent means that topic,
/// as with a single-topic certificate at APNs.
fn header_topic<B>(req: &Request<B>, cert_topic: &str) -> Result<String, Refusal> {
    match req.headers().get("apns-topic") {
        None => Ok(cert_topic.to_owned()),
        Some(v) if v.as_bytes() == cert_topic.as_bytes() => Ok(cert_topic.to_owned()),
        Some(_) => Err(refuse(StatusCode::FORBIDDEN, "TopicDisallowed")),
    }
}

fn check_optional_headers<B>(req: &Request<B>) -> Result<(), Refusal> {
    let value = |name| req.headers().get(name).map(|v| v.to_str().unwrap_or(""));
    if let Some(p) = value("apns-priority") {
        if !matches!(p, "5" | "10") {
            return Err(refuse(StatusCode::BAD_REQUEST, "BadPriority"));
        }
    }
    if let Some(e) = value("apns-expiration") {
        if e.parse::<u64>().is_err() {
            return Err(refuse(StatusCode::BAD_REQUEST, "BadExpirationDate"));
        }
    }
    Ok(())
}

/// The body must be a JSON object with exactly one key, `mdm`, a non-empty
/// string (no `aps`). "BadPayload" is the stand-in's own reason; APNs has no
/// single reason for a malformed MDM body.
fn mdm_magic(body: &[u8]) -> Result<String, Refusal> {
    if body.is_empty() {
        return Err(refuse(StatusCode::BAD_REQUEST, "PayloadEmpty"));
    }
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| refuse(StatusCode::BAD_REQUEST, "BadPayload"))?;
    let object = value
        .as_object()
        .filter(|o| o.len() == 1)
        .ok_or_else(|| refuse(StatusCode::BAD_REQUEST, "BadPayload"))?;
    match object.get("mdm").and_then(|m| m.as_str()) {
        Some(magic) if !magic.is_empty() => Ok(magic.to_owned()),
        _ => Err(refuse(StatusCode::BAD_REQUEST, "BadPayload")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_must_be_exactly_one_non_empty_mdm_key() {
        assert_eq!(mdm_magic(br#"{"mdm":"abc"}"#).unwrap(), "abc");
        assert_eq!(mdm_magic(br#"{ "mdm" : "abc" }"#).unwrap(), "abc");
        for bad in [
            &br#""#[..],
            br#"{"mdm":""}"#,
            br#"{"mdm":"a","aps":{}}"#,
            br#"{"aps":{"alert":"x"}}"#,
            br#"{"mdm":1}"#,
            br#"["mdm"]"#,
            b"not json",
        ] {
            let answer = mdm_magic(bad).unwrap_err();
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad:?}");
        }
    }
}
