//! The client handle and its shared state.

use crate::error::AbmError;
use crate::options::ClientOptions;
use cultivar_abm_proto::ServerToken;
use std::sync::{Arc, Mutex, PoisonError};

/// A Device Assignment API client for one ABM server token.
///
/// Cheap to clone: clones share the HTTP connection pool and the session, so concurrent callers
/// never authenticate more than once at a time.
#[derive(Clone)]
pub struct AbmClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    /// Base URL without a trailing slash; paths are appended to it.
    pub(crate) base: String,
    pub(crate) token: ServerToken,
    pub(crate) options: ClientOptions,
    /// The current `X-ADM-Auth-Session`, if any.
    session: Mutex<Option<String>>,
    /// Held while calling `/session`, so only one authentication runs per client.
    pub(crate) auth_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for AbmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AbmClient")
            .field("base", &self.inner.base)
            .field("consumer_key", &self.inner.token.consumer_key)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl AbmClient {
    /// Builds a client for `base_url` (Apple's is [`cultivar_abm_proto::APPLE_BASE_URL`]; tests and
    /// the simulator pass their own, which may include a path prefix).
    pub fn new(
        base_url: &str,
        token: ServerToken,
        options: ClientOptions,
    ) -> Result<Self, AbmError> {
        options.validate()?;
        let base = normalize_base_url(base_url)?;
        let http = reqwest::Client::builder()
            .timeout(options.timeout)
            .build()
            .map_err(|e| AbmError::InvalidOptions {
                field: "http client",
                rule: format!("cannot be built: {e}"),
            })?;
        Ok(AbmClient {
            inner: Arc::new(Inner {
                http,
                base,
                token,
                options,
                session: Mutex::new(None),
                auth_lock: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// The base URL calls go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// The server token this client authenticates with.
    pub fn token(&self) -> &ServerToken {
        &self.inner.token
    }

    /// The session token currently held, if any (for diagnostics).
    pub fn current_session(&self) -> Option<String> {
        self.inner.current_session()
    }
}

impl Inner {
    pub(crate) fn current_session(&self) -> Option<String> {
        self.session
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn store_session(&self, value: &str) {
        let mut guard = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        if guard.as_deref() != Some(value) {
            tracing::debug!("ABM session token changed");
            *guard = Some(value.to_string());
        }
    }

    /// Forgets `rejected` unless another caller already replaced it.
    pub(crate) fn discard_session(&self, rejected: &str) {
        let mut guard = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        if guard.as_deref() == Some(rejected) {
            *guard = None;
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

fn normalize_base_url(base_url: &str) -> Result<String, AbmError> {
    let invalid = |rule: String| AbmError::InvalidOptions {
        field: "base_url",
        rule,
    };
    let parsed = url::Url::parse(base_url.trim())
        .map_err(|e| invalid(format!("{base_url:?} is not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid(format!("{base_url:?} must be http or https")));
    }
    if parsed.host_str().is_none() {
        return Err(invalid(format!("{base_url:?} has no host")));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid(format!(
            "{base_url:?} must not have a query or fragment"
        )));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalized_and_checked() {
        assert_eq!(
            normalize_base_url("https://mdmenrollment.apple.com/").expect("apple"),
            "https://mdmenrollment.apple.com"
        );
        assert_eq!(
            normalize_base_url("http://127.0.0.1:4000/dep/").expect("prefix"),
            "http://127.0.0.1:4000/dep"
        );
        for bad in ["", "ftp://x", "https://x/?a=1", "not a url"] {
            let e = normalize_base_url(bad).expect_err(bad);
            assert!(e.to_string().contains("base_url"), "{e}");
        }
    }
}
