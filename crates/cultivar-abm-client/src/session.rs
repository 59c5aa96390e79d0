//! `GET /session`: OAuth 1.0a-signed authentication, one at a time per client.

use crate::client::Inner;
use crate::error::AbmError;
use crate::transport::{retry_after_for, Failure};
use cultivar_abm_proto::oauth::{authorization_header, Credentials};
use cultivar_abm_proto::{paths, SessionResponse, JSON_CONTENT_TYPE, PROTOCOL_HEADER};
use rand::Rng;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use std::time::{SystemTime, UNIX_EPOCH};

impl Inner {
    /// The session to send: the current one, or a new one from `/session`.
    ///
    /// Callers that queue behind an authentication in progress take the token it obtained instead
    /// of authenticating again (the check is repeated once the lock is held).
    pub(crate) async fn session(&self) -> Result<String, Failure> {
        if let Some(current) = self.current_session() {
            return Ok(current);
        }
        let _one_at_a_time = self.auth_lock.lock().await;
        if let Some(current) = self.current_session() {
            return Ok(current);
        }
        let fresh = self.authenticate().await?;
        self.store_session(&fresh);
        Ok(fresh)
    }

    async fn authenticate(&self) -> Result<String, Failure> {
        let url = self.url(paths::SESSION);
        let header = self.oauth_header(&url)?;
        tracing::debug!(url = %url, "authenticating to ABM");
        // depsim insists on this exact Content-Type even though the request has no body.
        let response = self
            .http
            .get(&url)
            .header(AUTHORIZATION, header)
            .header(CONTENT_TYPE, JSON_CONTENT_TYPE)
            .header(USER_AGENT, &self.options.user_agent)
            .header(PROTOCOL_HEADER, self.options.protocol_version.to_string())
            .send()
            .await
            .map_err(|e| Failure::transport(paths::SESSION, &e))?;
        let status = response.status().as_u16();
        let retry_after = retry_after_for(status, response.headers());
        let body = response
            .bytes()
            .await
            .map_err(|e| Failure::transport(paths::SESSION, &e))?;
        if !(200..300).contains(&status) {
            return Err(Failure::status(paths::SESSION, status, &body, retry_after));
        }
        parse_session(&body).map_err(Failure::from)
    }

    fn oauth_header(&self, url: &str) -> Result<String, Failure> {
        let token = &self.token;
        let creds = Credentials {
            consumer_key: &token.consumer_key,
            consumer_secret: &token.consumer_secret,
            token: &token.access_token,
            token_secret: &token.access_secret,
        };
        // A clock before 1970 is a broken host; Apple will answer 401 and the admin sees it.
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        authorization_header("GET", url, creds, timestamp, &nonce()).map_err(|e| {
            Failure::from(AbmError::InvalidOptions {
                field: "base_url",
                rule: format!("cannot sign /session: {e}"),
            })
        })
    }
}

/// 16 random bytes as hex: unique per timestamp, as Apple requires.
fn nonce() -> String {
    let bytes: [u8; 16] = rand::thread_rng().gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_session(body: &[u8]) -> Result<String, AbmError> {
    let malformed = |detail: String| AbmError::Malformed {
        endpoint: paths::SESSION.to_string(),
        detail,
    };
    let reply: SessionResponse =
        serde_json::from_slice(body).map_err(|e| malformed(format!("{e}")))?;
    let token = reply.auth_session_token.trim();
    if token.is_empty() {
        return Err(malformed("auth_session_token is empty".into()));
    }
    Ok(token.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_replies_are_checked() {
        assert_eq!(
            parse_session(br#"{"auth_session_token":"87a2"}"#).expect("ok"),
            "87a2"
        );
        let e = parse_session(br#"{"auth_session_token":" "}"#).expect_err("empty");
        assert!(e.to_string().contains("auth_session_token"), "{e}");
        let e = parse_session(b"<html>").expect_err("html");
        assert!(matches!(e, AbmError::Malformed { .. }));
    }

    #[test]
    fn nonces_differ() {
        assert_ne!(nonce(), nonce());
        assert_eq!(nonce().len(), 32);
    }
}
