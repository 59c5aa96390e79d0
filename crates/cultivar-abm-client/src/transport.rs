//! The request/retry loop: session header injection, one re-authentication per call, session
//! rotation, and retries of 429/5xx/transport failures.

use crate::backoff::{backoff_delay, parse_retry_after, retry_after_delay, MIN_RETRY_AFTER};
use crate::client::Inner;
use crate::error::{from_status, wants_reauth, AbmError};
use cultivar_abm_proto::{JSON_CONTENT_TYPE, PROTOCOL_HEADER, SESSION_HEADER};
use reqwest::header::{HeaderMap, ACCEPT, CONTENT_TYPE, USER_AGENT};
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::time::{Duration, SystemTime};

/// One API call, kept whole so it can be replayed after re-authentication or a retry.
pub(crate) struct ApiRequest<'a> {
    pub method: Method,
    pub path: &'static str,
    pub query: Option<(&'static str, &'a str)>,
    /// Serialized JSON body.
    pub body: Option<Vec<u8>>,
}

/// A failed try: the error, and the wait the server asked for (429/503 `Retry-After` only).
#[derive(Debug)]
pub(crate) struct Failure {
    pub error: AbmError,
    pub retry_after: Option<Duration>,
}

impl From<AbmError> for Failure {
    fn from(error: AbmError) -> Self {
        Failure {
            error,
            retry_after: None,
        }
    }
}

impl Failure {
    pub(crate) fn transport(endpoint: &str, e: &reqwest::Error) -> Self {
        let kind = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "could not connect"
        } else {
            "failed"
        };
        AbmError::Transport(format!("{endpoint}: request {kind}: {e}")).into()
    }

    pub(crate) fn status(
        endpoint: &str,
        status: u16,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> Self {
        Failure {
            error: from_status(endpoint, status, body, retry_after),
            retry_after,
        }
    }
}

/// `Retry-After` is honoured on 429 and 503 only; elsewhere backoff decides.
pub(crate) fn retry_after_for(status: u16, headers: &HeaderMap) -> Option<Duration> {
    if status != 429 && status != 503 {
        return None;
    }
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

/// A reply as read off the wire.
struct Reply {
    status: u16,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

impl Inner {
    /// Runs a call and decodes its JSON reply.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        req: &ApiRequest<'_>,
    ) -> Result<T, AbmError> {
        let body = self.execute(req).await?;
        serde_json::from_slice(&body).map_err(|e| AbmError::Malformed {
            endpoint: req.path.to_string(),
            detail: e.to_string(),
        })
    }

    /// Tries up to `max_attempts` times, waiting between tries; returns the last error.
    async fn execute(&self, req: &ApiRequest<'_>) -> Result<Vec<u8>, AbmError> {
        let policy = self.options.retry;
        let mut may_reauth = true;
        let mut attempt = 1;
        loop {
            let failure = match self.attempt(req, &mut may_reauth).await {
                Ok(body) => return Ok(body),
                Err(failure) => failure,
            };
            if !failure.error.is_retryable() || attempt >= policy.max_attempts {
                return Err(failure.error);
            }
            let delay = match failure.retry_after {
                Some(asked) => retry_after_delay(&policy, asked, MIN_RETRY_AFTER),
                None => backoff_delay(&policy, attempt),
            };
            tracing::warn!(
                endpoint = req.path,
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %failure.error,
                "ABM call failed, retrying"
            );
            self.options.sleeper.sleep(delay).await;
            attempt += 1;
        }
    }

    /// One try. A 401 (or 403 `FORBIDDEN`) triggers a single re-authentication and replay per
    /// call; `may_reauth` carries that budget across tries.
    async fn attempt(
        &self,
        req: &ApiRequest<'_>,
        may_reauth: &mut bool,
    ) -> Result<Vec<u8>, Failure> {
        let session = self.session().await?;
        let mut reply = self.send(req, &session).await?;
        if wants_reauth(reply.status, &reply.body) {
            // Forget the rejected token, so even a failed re-authentication is not replayed.
            self.discard_session(&session);
            if *may_reauth {
                *may_reauth = false;
                tracing::debug!(
                    endpoint = req.path,
                    status = reply.status,
                    "re-authenticating"
                );
                let fresh = self.session().await?;
                reply = self.send(req, &fresh).await?;
                if wants_reauth(reply.status, &reply.body) {
                    self.discard_session(&fresh);
                }
            }
        }
        if (200..300).contains(&reply.status) {
            Ok(reply.body)
        } else {
            Err(Failure::status(
                req.path,
                reply.status,
                &reply.body,
                reply.retry_after,
            ))
        }
    }

    async fn send(&self, req: &ApiRequest<'_>, session: &str) -> Result<Reply, Failure> {
        let mut builder = self
            .http
            .request(req.method.clone(), self.url(req.path))
            .header(SESSION_HEADER, session)
            .header(PROTOCOL_HEADER, self.options.protocol_version.to_string())
            .header(USER_AGENT, &self.options.user_agent)
            .header(ACCEPT, JSON_CONTENT_TYPE);
        if let Some(pair) = req.query {
            builder = builder.query(&[pair]);
        }
        if let Some(body) = &req.body {
            builder = builder
                .header(CONTENT_TYPE, JSON_CONTENT_TYPE)
                .body(body.clone());
        }
        let response = builder
            .send()
            .await
            .map_err(|e| Failure::transport(req.path, &e))?;
        let status = response.status().as_u16();
        let headers = response.headers();
        let retry_after = retry_after_for(status, headers);
        let rotated = headers
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty() && *v != session)
            .map(str::to_string);
        let body = response
            .bytes()
            .await
            .map_err(|e| Failure::transport(req.path, &e))?
            .to_vec();
        // Apple hands out new session tokens on ordinary replies; a rejected call's header is
        // not trusted.
        if let Some(rotated) = rotated.filter(|_| !wants_reauth(status, &body)) {
            self.store_session(&rotated);
        }
        Ok(Reply {
            status,
            retry_after,
            body,
        })
    }
}
