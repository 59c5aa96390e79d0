//! The client's error type and the mapping from Apple's HTTP replies to it.

use cultivar_abm_proto::error::codes;
use cultivar_abm_proto::ErrorBody;
use std::time::Duration;

/// Everything a Device Assignment API call can fail with.
///
/// Callers branch on variants (or the predicates) instead of matching strings: the syncer resets
/// its cursor on [`AbmError::is_cursor_error`], raises an admin alert on
/// [`AbmError::is_auth_error`], and tries again later on [`AbmError::is_retryable`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AbmError {
    /// `EXHAUSTED_CURSOR`: a fetch cursor that already returned every device; switch to sync.
    #[error("cursor: exhausted (EXHAUSTED_CURSOR); the fetch already returned every device, continue with sync")]
    CursorExhausted,
    /// `EXPIRED_CURSOR`: sync cursors live 7 days.
    #[error("cursor: expired (EXPIRED_CURSOR); sync cursors are valid for 7 days, start over with a full fetch")]
    CursorExpired,
    /// `INVALID_CURSOR`: Apple does not recognise the cursor.
    #[error("cursor: not recognised by Apple (INVALID_CURSOR); start over with a full fetch")]
    CursorInvalid,
    /// `CURSOR_REQUIRED`: sync was called without a cursor.
    #[error("cursor: required for sync (CURSOR_REQUIRED); run a fetch first to obtain one")]
    CursorRequired,
    /// `T_C_NOT_SIGNED`: the organisation has not accepted Apple's latest terms.
    #[error("account: the latest Apple Business Manager terms and conditions are not accepted (T_C_NOT_SIGNED); an administrator must sign in to ABM and accept them")]
    TermsNotSigned,
    /// `ACCESS_DENIED`: this server or token may not make the request.
    #[error("account: access denied (ACCESS_DENIED) on {endpoint}; this MDM server or its token is not allowed to make this request")]
    AccessDenied { endpoint: String },
    /// `403 FORBIDDEN` that persisted after re-authenticating.
    #[error("server token: rejected with 403 FORBIDDEN on {endpoint} even after re-authenticating; the token may be revoked or its ABM user deleted, upload a new token")]
    Forbidden { endpoint: String },
    /// The session could not be established, or a 401 persisted after re-authenticating.
    #[error("server token: not accepted ({detail}); the token is invalid or expired, download a new one from Apple Business Manager")]
    Unauthorized { detail: String },
    /// 429; `retry_after` is what Apple asked for, uncapped.
    #[error("rate limit: Apple answered 429 TOO_MANY_REQUESTS{}", fmt_retry_after(.retry_after))]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx.
    #[error("server: Apple answered HTTP {status}{} ({})", fmt_code(.code), fmt_body(.body))]
    Server {
        status: u16,
        code: String,
        body: String,
    },
    /// Any other 4xx, e.g. `PROFILE_NOT_FOUND`, `MALFORMED_REQUEST_BODY`, `USER_AGENT_INVALID`.
    #[error("request: Apple refused it with HTTP {status}{} ({})", fmt_code(.code), fmt_body(.body))]
    BadRequest {
        status: u16,
        code: String,
        body: String,
    },
    /// A 2xx reply whose body is not what the endpoint returns.
    #[error("response of {endpoint}: not the expected JSON ({detail})")]
    Malformed { endpoint: String, detail: String },
    /// Connection failure, timeout, or an unreadable reply.
    #[error("transport: {0}")]
    Transport(String),
    /// A request this client refuses to send because Apple would reject it.
    #[error("{field}: {rule}")]
    InvalidRequest { field: &'static str, rule: String },
    /// A client option or the base URL is unusable.
    #[error("client options: {field}: {rule}")]
    InvalidOptions { field: &'static str, rule: String },
}

fn fmt_retry_after(d: &Option<Duration>) -> String {
    match d {
        Some(d) => format!(", asking to wait {} s", d.as_secs()),
        None => String::new(),
    }
}

fn fmt_code(code: &str) -> String {
    if code.is_empty() {
        String::new()
    } else {
        format!(" {code}")
    }
}

/// Keeps log lines short: Apple's 5xx pages can be whole HTML documents.
fn fmt_body(body: &str) -> String {
    const MAX: usize = 200;
    if body.is_empty() {
        return "empty body".to_string();
    }
    match body.char_indices().nth(MAX) {
        Some((i, _)) => format!("body: {}…", &body[..i]),
        None => format!("body: {body}"),
    }
}

impl AbmError {
    /// The cursor must be reset (or sync switched to) before the next call.
    pub fn is_cursor_error(&self) -> bool {
        matches!(
            self,
            Self::CursorExhausted
                | Self::CursorExpired
                | Self::CursorInvalid
                | Self::CursorRequired
        )
    }

    /// The token or account needs an administrator; retrying will not help.
    pub fn is_auth_error(&self) -> bool {
        matches!(
            self,
            Self::Unauthorized { .. }
                | Self::Forbidden { .. }
                | Self::AccessDenied { .. }
                | Self::TermsNotSigned
        )
    }

    /// Trying the same request again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Server { .. } | Self::Transport(_)
        )
    }

    /// Apple's error code, when the reply carried one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::CursorExhausted => Some(codes::EXHAUSTED_CURSOR),
            Self::CursorExpired => Some(codes::EXPIRED_CURSOR),
            Self::CursorInvalid => Some(codes::INVALID_CURSOR),
            Self::CursorRequired => Some(codes::CURSOR_REQUIRED),
            Self::TermsNotSigned => Some(codes::T_C_NOT_SIGNED),
            Self::AccessDenied { .. } => Some(codes::ACCESS_DENIED),
            Self::Forbidden { .. } => Some(codes::FORBIDDEN),
            Self::RateLimited { .. } => Some(codes::TOO_MANY_REQUESTS),
            Self::Server { code, .. } | Self::BadRequest { code, .. } if !code.is_empty() => {
                Some(code)
            }
            _ => None,
        }
    }
}

/// Maps a non-2xx reply to an error. `retry_after` is the parsed `Retry-After` header.
pub(crate) fn from_status(
    endpoint: &str,
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
) -> AbmError {
    let parsed = ErrorBody::parse(body);
    if let Some(e) = by_code(endpoint, status, &parsed.code) {
        return e;
    }
    match status {
        401 => AbmError::Unauthorized {
            detail: format!("{endpoint} answered HTTP 401{}", fmt_code(&parsed.code)),
        },
        429 => AbmError::RateLimited { retry_after },
        500..=599 => AbmError::Server {
            status,
            code: parsed.code,
            body: parsed.raw,
        },
        _ => AbmError::BadRequest {
            status,
            code: parsed.code,
            body: parsed.raw,
        },
    }
}

/// Codes that mean the same thing whatever 4xx status carries them.
fn by_code(endpoint: &str, status: u16, code: &str) -> Option<AbmError> {
    if !(400..500).contains(&status) {
        return None;
    }
    let endpoint = endpoint.to_string();
    Some(match code {
        codes::EXHAUSTED_CURSOR => AbmError::CursorExhausted,
        codes::EXPIRED_CURSOR => AbmError::CursorExpired,
        codes::INVALID_CURSOR => AbmError::CursorInvalid,
        codes::CURSOR_REQUIRED => AbmError::CursorRequired,
        codes::T_C_NOT_SIGNED => AbmError::TermsNotSigned,
        codes::ACCESS_DENIED => AbmError::AccessDenied { endpoint },
        codes::FORBIDDEN if status == 403 => AbmError::Forbidden { endpoint },
        _ => return None,
    })
}

/// True for the replies after which a fresh session may help: 401, or 403 with `FORBIDDEN`.
pub(crate) fn wants_reauth(status: u16, body: &[u8]) -> bool {
    status == 401 || (status == 403 && ErrorBody::parse(body).is(codes::FORBIDDEN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_codes_map_to_variants_in_every_body_shape() {
        for body in [
            &b"EXPIRED_CURSOR"[..],
            b"\"EXPIRED_CURSOR\"",
            br#"{"code":"EXPIRED_CURSOR"}"#,
        ] {
            let e = from_status("/devices/sync", 400, body, None);
            assert_eq!(e, AbmError::CursorExpired);
            assert!(e.is_cursor_error() && !e.is_retryable());
            assert_eq!(e.code(), Some("EXPIRED_CURSOR"));
        }
        let e = from_status("/server/devices", 400, b"EXHAUSTED_CURSOR", None);
        assert_eq!(e, AbmError::CursorExhausted);
    }

    #[test]
    fn statuses_map_to_classes() {
        let e = from_status("/account", 500, b"<html>oops</html>", None);
        assert!(e.is_retryable());
        assert_eq!(e.code(), None);
        assert!(e.to_string().contains("HTTP 500"), "{e}");
        let e = from_status("/profile", 400, b"PROFILE_NOT_FOUND", None);
        assert_eq!(e.code(), Some("PROFILE_NOT_FOUND"));
        assert!(!e.is_retryable() && !e.is_auth_error());
        let e = from_status("/session", 401, b"UNAUTHORIZED", None);
        assert!(e.is_auth_error());
        let e = from_status("/account", 429, b"", Some(Duration::from_secs(3)));
        assert_eq!(
            e,
            AbmError::RateLimited {
                retry_after: Some(Duration::from_secs(3))
            }
        );
        // A cursor-looking code on a 5xx is still a server fault.
        let e = from_status("/devices/sync", 503, b"EXPIRED_CURSOR", None);
        assert!(matches!(e, AbmError::Server { status: 503, .. }));
    }

    #[test]
    fn reauth_only_on_401_or_forbidden() {
        assert!(wants_reauth(401, b""));
        assert!(wants_reauth(403, b"\"FORBIDDEN\""));
        assert!(!wants_reauth(403, b"T_C_NOT_SIGNED"));
        assert!(!wants_reauth(403, b"ACCESS_DENIED"));
        assert!(!wants_reauth(400, b"FORBIDDEN"));
    }

    #[test]
    fn long_bodies_are_shortened_in_messages() {
        let body = "x".repeat(5000);
        let e = from_status("/account", 502, body.as_bytes(), None);
        assert!(e.to_string().len() < 400);
    }
}
