//! The APNs client: one HTTP/2 connection pool per push certificate.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use futures_util::stream::{self, StreamExt};
use reqwest::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};

use crate::classify::{classify_status, classify_transport};
use crate::error::PushError;
use crate::options::PushOptions;
use cultivar_retry::{backoff_delay, retry_after_delay};

/// Apple's production push host (MDM certificates are production-only).
pub const DEFAULT_BASE_URL: &str = "https://api.push.apple.com";

/// Where one push goes, from the device's latest TokenUpdate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushTarget {
    /// The device token as hex (sent lowercase).
    pub device_token: String,
    pub push_magic: String,
    /// The push certificate's topic (`com.apple.mgmt.External.<uuid>`).
    pub topic: String,
}

/// A delivered push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushOutcome {
    /// APNs' `apns-id` answer header (empty if APNs sent none).
    pub apns_id: String,
}

/// Sends MDM pushes; implemented by [`PushClient`], faked in server tests.
#[async_trait]
pub trait Pusher: Send + Sync {
    async fn push(&self, target: &PushTarget) -> Result<PushOutcome, PushError>;

    /// Pushes to many devices; results in the order of `targets`.
    async fn push_many(&self, targets: &[PushTarget]) -> Vec<Result<PushOutcome, PushError>> {
        let mut out = Vec::with_capacity(targets.len());
        for t in targets {
            out.push(self.push(t).await);
        }
        out
    }
}

/// HTTP/2 APNs client authenticated by the MDM push certificate.
#[derive(Debug, Clone)]
pub struct PushClient {
    http: reqwest::Client,
    base_url: String,
    options: PushOptions,
}

impl PushClient {
    /// `identity_pem` holds the push certificate and its private key (PEM,
    /// any order). `base_url` is normally [`DEFAULT_BASE_URL`].
    pub fn new(
        identity_pem: &[u8],
        base_url: &str,
        options: PushOptions,
    ) -> Result<Self, PushError> {
        let config = |field, reason: String| PushError::Config { field, reason };
        let identity = reqwest::Identity::from_pem(identity_pem).map_err(|e| {
            config(
                "identity",
                format!("not a PEM certificate and private key ({e})"),
            )
        })?;
        let url = reqwest::Url::parse(base_url)
            .map_err(|e| config("base_url", format!("not a URL ({e})")))?;
        if url.scheme() != "https" {
            return Err(config(
                "base_url",
                "must be https (APNs needs TLS client authentication)".into(),
            ));
        }
        // With rustls, http2_prior_knowledge makes reqwest offer only "h2"
        // in ALPN and speak HTTP/2 only, which is what APNs requires.
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .identity(identity)
            .http2_prior_knowledge()
            .timeout(options.timeout);
        if let Some(pem) = &options.extra_root_pem {
            let root = reqwest::Certificate::from_pem(pem.as_bytes())
                .map_err(|e| config("extra_root_pem", format!("not a PEM certificate ({e})")))?;
            builder = builder.add_root_certificate(root);
        }
        let http = builder
            .build()
            .map_err(|e| config("identity", format!("TLS client could not be built ({e})")))?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            options,
        })
    }

    /// One attempt, no retries.
    async fn send_once(&self, target: &PushTarget, token: &str) -> Result<PushOutcome, PushError> {
        let url = format!("{}/3/device/{token}", self.base_url);
        let body =
            serde_json::to_vec(&serde_json::json!({ "mdm": target.push_magic })).map_err(|e| {
                PushError::InvalidTarget {
                    field: "push_magic",
                    reason: e.to_string(),
                }
            })?;
        let response = self
            .http
            .post(url)
            .header("apns-topic", &target.topic)
            .header("apns-priority", "10")
            .header("apns-expiration", expiration(self.options.expiration))
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(body)
            .send()
            .await
            .map_err(|e| classify_transport(&e))?;
        let status = response.status().as_u16();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let apns_id = header(reqwest::header::HeaderName::from_static("apns-id"));
        let retry_after = header(RETRY_AFTER);
        let body = response.bytes().await.map_err(|e| classify_transport(&e))?;
        if status == 200 {
            return Ok(PushOutcome {
                apns_id: apns_id.unwrap_or_default(),
            });
        }
        Err(classify_status(status, &body, retry_after.as_deref()))
    }
}

#[async_trait]
impl Pusher for PushClient {
    async fn push(&self, target: &PushTarget) -> Result<PushOutcome, PushError> {
        let token = check_target(target)?;
        let policy = self.options.retry;
        let mut attempt = 1;
        loop {
            let err = match self.send_once(target, &token).await {
                Ok(outcome) => return Ok(outcome),
                Err(err) => err,
            };
            let PushError::Transient { retry_after, .. } = &err else {
                return Err(err);
            };
            if attempt >= policy.max_attempts.max(1) {
                return Err(err);
            }
            // A server-given delay wins, capped but not floored: APNs may ask to retry at once.
            let wait = match *retry_after {
                Some(asked) => retry_after_delay(&policy, asked, Duration::ZERO),
                None => backoff_delay(&policy, attempt),
            };
            tracing::debug!(attempt, ?wait, error = %err, "apns: transient failure, retrying");
            self.options.sleeper.sleep(wait).await;
            attempt += 1;
        }
    }

    async fn push_many(&self, targets: &[PushTarget]) -> Vec<Result<PushOutcome, PushError>> {
        let limit = self.options.concurrency.max(1);
        // Futures built up front (not in a stream closure): async-trait's
        // boxed futures cannot satisfy a closure generic over lifetimes.
        let pushes: Vec<_> = targets.iter().map(|t| self.push(t)).collect();
        stream::iter(pushes).buffered(limit).collect().await
    }
}

/// Validates the target and returns the token as lowercase hex.
fn check_target(target: &PushTarget) -> Result<String, PushError> {
    let token = target.device_token.trim();
    if token.is_empty() || token.len() & 1 == 1 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(PushError::InvalidTarget {
            field: "device_token",
            reason: "must be a non-empty, even-length hex string (the TokenUpdate Token)".into(),
        });
    }
    if target.push_magic.is_empty() {
        return Err(PushError::InvalidTarget {
            field: "push_magic",
            reason: "must not be empty (the TokenUpdate PushMagic)".into(),
        });
    }
    let topic_ok = target
        .topic
        .starts_with(cultivar_crypto::push_cert::MDM_TOPIC_PREFIX)
        && HeaderValue::from_str(&target.topic).is_ok();
    if !topic_ok {
        return Err(PushError::InvalidTarget {
            field: "topic",
            reason: format!(
                "{:?} is not an MDM push topic (com.apple.mgmt.…)",
                target.topic
            ),
        });
    }
    Ok(token.to_ascii_lowercase())
}

/// `apns-expiration`: unix seconds until which APNs may keep the push.
fn expiration(keep: Duration) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    (now + keep).as_secs().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(token: &str, magic: &str, topic: &str) -> PushTarget {
        PushTarget {
            device_token: token.into(),
            push_magic: magic.into(),
            topic: topic.into(),
        }
    }

    #[test]
    fn targets_are_checked_before_sending() {
        let topic = "com.apple.mgmt.External.x";
        assert_eq!(check_target(&target("AbCd", "m", topic)).unwrap(), "abcd");
        for (t, field) in [
            (target("", "m", topic), "device_token"),
            (target("abc", "m", topic), "device_token"),
            (target("zz", "m", topic), "device_token"),
            (target("ab", "", topic), "push_magic"),
            (target("ab", "m", "com.example"), "topic"),
        ] {
            match check_target(&t) {
                Err(PushError::InvalidTarget { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{t:?}: {other:?}"),
            }
        }
    }
}
