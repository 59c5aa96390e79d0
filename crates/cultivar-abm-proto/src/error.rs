//! Apple's error bodies and the crate's own parse errors.

/// Error codes Apple sends in 4xx bodies of the Device Assignment API.
pub mod codes {
    pub const EXHAUSTED_CURSOR: &str = "EXHAUSTED_CURSOR";
    pub const EXPIRED_CURSOR: &str = "EXPIRED_CURSOR";
    pub const INVALID_CURSOR: &str = "INVALID_CURSOR";
    pub const CURSOR_REQUIRED: &str = "CURSOR_REQUIRED";
    pub const T_C_NOT_SIGNED: &str = "T_C_NOT_SIGNED";
    pub const ACCESS_DENIED: &str = "ACCESS_DENIED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const UNAUTHORIZED: &str = "UNAUTHORIZED";
    pub const TOO_MANY_REQUESTS: &str = "TOO_MANY_REQUESTS";
    pub const MALFORMED_REQUEST_BODY: &str = "MALFORMED_REQUEST_BODY";
    pub const USER_AGENT_MISSING: &str = "USER_AGENT_MISSING";
    pub const USER_AGENT_INVALID: &str = "USER_AGENT_INVALID";
    pub const DEVICE_ID_REQUIRED: &str = "DEVICE_ID_REQUIRED";
    pub const PROFILE_UUID_REQUIRED: &str = "PROFILE_UUID_REQUIRED";
    pub const PROFILE_NOT_FOUND: &str = "PROFILE_NOT_FOUND";
    pub const CONFIG_NAME_REQUIRED: &str = "CONFIG_NAME_REQUIRED";
    pub const CONFIG_NAME_INVALID: &str = "CONFIG_NAME_INVALID";
    pub const CONFIG_URL_REQUIRED: &str = "CONFIG_URL_REQUIRED";
    pub const CONFIG_URL_INVALID: &str = "CONFIG_URL_INVALID";
    pub const DEPARTMENT_INVALID: &str = "DEPARTMENT_INVALID";
    pub const FLAGS_INVALID: &str = "FLAGS_INVALID";
    pub const LOCALE_INVALID: &str = "LOCALE_INVALID";
    pub const MAGIC_INVALID: &str = "MAGIC_INVALID";
    pub const SUPPORT_EMAIL_INVALID: &str = "SUPPORT_EMAIL_INVALID";
    pub const SUPPORT_PHONE_INVALID: &str = "SUPPORT_PHONE_INVALID";
    pub const DEVICE_NOT_FOUND: &str = "DEVICE_NOT_FOUND";
}

/// An error body from Apple, reduced to its code.
///
/// Apple's bodies come in three shapes: a bare word (`EXPIRED_CURSOR`), a JSON string
/// (`"INVALID_CURSOR"`, as depsim sends) or an object (`{"code":"T_C_NOT_SIGNED", …}`). Anything
/// else is kept whole as `raw` with an empty code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorBody {
    pub code: String,
    pub message: Option<String>,
    pub raw: String,
}

impl ErrorBody {
    /// Parses an error body of any of Apple's shapes. Never fails.
    pub fn parse(body: &[u8]) -> Self {
        let raw = String::from_utf8_lossy(body).trim().to_string();
        let (code, message) = Self::extract(&raw);
        ErrorBody { code, message, raw }
    }

    fn extract(raw: &str) -> (String, Option<String>) {
        match serde_json::from_str::<serde_json::Value>(raw) {
            Ok(serde_json::Value::String(s)) => (s.trim().to_string(), None),
            Ok(serde_json::Value::Object(map)) => {
                let field = |k: &str| map.get(k).and_then(|v| v.as_str()).map(str::to_string);
                let code = field("code").or_else(|| field("error")).unwrap_or_default();
                (code, field("message").or_else(|| field("description")))
            }
            _ if is_code_word(raw) => (raw.to_string(), None),
            _ => (String::new(), None),
        }
    }

    /// True when the body carries this code (case-sensitive, as Apple's are).
    pub fn is(&self, code: &str) -> bool {
        self.code == code
    }

    /// The JSON string form Apple (and depsim) send, e.g. `"EXPIRED_CURSOR"`.
    pub fn json_string(code: &str) -> String {
        serde_json::Value::String(code.to_string()).to_string()
    }
}

fn is_code_word(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Errors of this crate: malformed tokens and OAuth headers.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProtoError {
    #[error("server token: {0}")]
    Token(String),
    #[error("OAuth header: {0}")]
    OAuth(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_three_shapes() {
        assert_eq!(ErrorBody::parse(b"EXPIRED_CURSOR").code, "EXPIRED_CURSOR");
        assert_eq!(
            ErrorBody::parse(b"\"INVALID_CURSOR\"\n").code,
            "INVALID_CURSOR"
        );
        let b = ErrorBody::parse(br#"{"code":"T_C_NOT_SIGNED","message":"sign the terms"}"#);
        assert!(b.is(codes::T_C_NOT_SIGNED));
        assert_eq!(b.message.as_deref(), Some("sign the terms"));
    }

    #[test]
    fn unknown_shapes_keep_raw_text() {
        let b = ErrorBody::parse(b"<html>Bad Gateway</html>");
        assert_eq!(b.code, "");
        assert_eq!(b.raw, "<html>Bad Gateway</html>");
        assert_eq!(ErrorBody::parse(b"").code, "");
    }
}
