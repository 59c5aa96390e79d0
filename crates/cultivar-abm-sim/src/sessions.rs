//! Auth sessions handed out by `GET /session`, and the OAuth nonces already seen.
//!
//! Sessions live in memory only: a restarted simulator has forgotten them, like a restarted
//! depsim, and clients must authenticate again.

use crate::error::SimError;
use crate::ids;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How sessions behave; adjustable at runtime through the admin API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionConfig {
    /// Lifetime of a session in simulated seconds (Apple does not document one; 30 min default).
    pub ttl_secs: u64,
    /// Every N-th API call of a session answers with a new `X-ADM-Auth-Session`.
    #[serde(default)]
    pub rotate_every: Option<u32>,
    /// How long a rotated-out session keeps working.
    pub grace_secs: u64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            ttl_secs: 30 * 60,
            rotate_every: None,
            grace_secs: 60,
        }
    }
}

#[derive(Debug, Clone)]
struct Session {
    server: String,
    access_token: String,
    expires_ms: i64,
    calls: u64,
}

/// A session that passed the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUse {
    pub server: String,
    /// The access token the session was opened with; it must still be the server's current one.
    pub access_token: String,
    /// Set when this call rotated the session: send it back in `X-ADM-Auth-Session`.
    pub rotated: Option<String>,
}

/// Live sessions and seen nonces.
#[derive(Debug, Default)]
pub struct Sessions {
    pub config: SessionConfig,
    by_token: HashMap<String, Session>,
    /// `(consumer_key, nonce)` → the request's `oauth_timestamp`.
    nonces: HashMap<(String, String), i64>,
}

impl Sessions {
    pub fn new(config: SessionConfig) -> Self {
        Sessions {
            config,
            ..Sessions::default()
        }
    }

    /// Opens a session for a server authenticated with `access_token`.
    pub fn open(
        &mut self,
        server: &str,
        access_token: &str,
        now_ms: i64,
    ) -> Result<String, SimError> {
        self.by_token.retain(|_, s| s.expires_ms > now_ms);
        let token = ids::random_hex(32)?;
        self.by_token.insert(
            token.clone(),
            Session {
                server: server.to_string(),
                access_token: access_token.to_string(),
                expires_ms: now_ms.saturating_add(secs_to_ms(self.config.ttl_secs)),
                calls: 0,
            },
        );
        Ok(token)
    }

    /// Checks a presented session token and counts the call; `None` if unknown or expired.
    pub fn use_session(
        &mut self,
        token: &str,
        now_ms: i64,
    ) -> Result<Option<SessionUse>, SimError> {
        let Some(session) = self.by_token.get_mut(token) else {
            return Ok(None);
        };
        if session.expires_ms <= now_ms {
            self.by_token.remove(token);
            return Ok(None);
        }
        session.calls += 1;
        let rotate = self
            .config
            .rotate_every
            .is_some_and(|n| n > 0 && session.calls % u64::from(n) == 0);
        let (server, access_token) = (session.server.clone(), session.access_token.clone());
        let rotated = if rotate {
            let grace_end = now_ms.saturating_add(secs_to_ms(self.config.grace_secs));
            session.expires_ms = session.expires_ms.min(grace_end);
            Some(self.open(&server, &access_token, now_ms)?)
        } else {
            None
        };
        Ok(Some(SessionUse {
            server,
            access_token,
            rotated,
        }))
    }

    /// Forgets every session; returns how many there were.
    pub fn invalidate_all(&mut self) -> usize {
        let n = self.by_token.len();
        self.by_token.clear();
        n
    }

    /// Records a nonce; false if this consumer key already used it (a replay). Nonces whose
    /// timestamp is older than `forget_before_secs` are dropped, since such requests fail the
    /// timestamp check anyway.
    pub fn remember_nonce(
        &mut self,
        consumer_key: &str,
        nonce: &str,
        timestamp_secs: i64,
        forget_before_secs: i64,
    ) -> bool {
        self.nonces.retain(|_, ts| *ts >= forget_before_secs);
        let key = (consumer_key.to_string(), nonce.to_string());
        if self.nonces.contains_key(&key) {
            return false;
        }
        self.nonces.insert(key, timestamp_secs);
        true
    }
}

fn secs_to_ms(secs: u64) -> i64 {
    i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_expire_and_rotate_with_grace() {
        let mut s = Sessions::new(SessionConfig {
            ttl_secs: 100,
            rotate_every: Some(2),
            grace_secs: 10,
        });
        let t = s.open("A", "AT", 0).expect("open");
        let first = s.use_session(&t, 1_000).expect("use").expect("valid");
        assert_eq!((first.server.as_str(), first.rotated.clone()), ("A", None));
        let second = s.use_session(&t, 2_000).expect("use").expect("valid");
        let new = second.rotated.expect("rotated on 2nd call");
        assert!(s.use_session(&t, 11_000).expect("use").is_some(), "grace");
        assert!(
            s.use_session(&t, 12_001).expect("use").is_none(),
            "grace over"
        );
        assert!(s.use_session(&new, 50_000).expect("use").is_some());
        assert!(
            s.use_session(&new, 103_000).expect("use").is_none(),
            "ttl over"
        );
    }

    #[test]
    fn nonces_are_single_use() {
        let mut s = Sessions::default();
        assert!(s.remember_nonce("CK", "n1", 100, 0));
        assert!(!s.remember_nonce("CK", "n1", 100, 0));
        assert!(s.remember_nonce("CK2", "n1", 100, 0));
        assert!(
            s.remember_nonce("CK", "n1", 500, 200),
            "old entry forgotten"
        );
    }
}
