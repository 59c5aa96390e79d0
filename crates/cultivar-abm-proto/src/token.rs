//! The server token: four OAuth 1.0a secrets and an expiry, as found in the decrypted `.p7m`.

use crate::error::ProtoError;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Decrypted ABM server token. `Debug` hides the secrets.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerToken {
    pub consumer_key: String,
    pub consumer_secret: String,
    pub access_token: String,
    pub access_secret: String,
    #[serde(with = "time::serde::rfc3339")]
    pub access_token_expiry: OffsetDateTime,
}

impl std::fmt::Debug for ServerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerToken")
            .field("consumer_key", &self.consumer_key)
            .field("consumer_secret", &"<redacted>")
            .field("access_token", &"<redacted>")
            .field("access_secret", &"<redacted>")
            .field("access_token_expiry", &self.access_token_expiry)
            .finish()
    }
}

const BEGIN: &str = "-----BEGIN MESSAGE-----";
const END: &str = "-----END MESSAGE-----";

impl ServerToken {
    /// Parses the decrypted plaintext of a `.p7m`: an optional MIME header block, then the JSON,
    /// optionally between `-----BEGIN MESSAGE-----` markers and possibly hard-wrapped (Apple's
    /// older tokens wrap the JSON at about 78 columns, so lines are joined with no separator).
    pub fn from_plaintext(plaintext: &[u8]) -> Result<Self, ProtoError> {
        let text = std::str::from_utf8(plaintext)
            .map_err(|_| ProtoError::Token("decrypted token is not UTF-8 text".into()))?;
        let json = extract_json(text)?;
        let token: ServerToken = serde_json::from_str(&json).map_err(|e| {
            ProtoError::Token(format!(
                "decrypted token is not the expected JSON (consumer_key, consumer_secret, \
                 access_token, access_secret, access_token_expiry): {e}"
            ))
        })?;
        token.validate()?;
        Ok(token)
    }

    fn validate(&self) -> Result<(), ProtoError> {
        for (field, value) in [
            ("consumer_key", &self.consumer_key),
            ("consumer_secret", &self.consumer_secret),
            ("access_token", &self.access_token),
            ("access_secret", &self.access_secret),
        ] {
            if value.trim().is_empty() {
                return Err(ProtoError::Token(format!("{field} must not be empty")));
            }
        }
        Ok(())
    }

    /// The plaintext Apple puts inside the `.p7m` (used by the simulator to mint tokens).
    pub fn to_plaintext(&self) -> Result<String, ProtoError> {
        let json = serde_json::to_string(self)
            .map_err(|e| ProtoError::Token(format!("cannot encode token: {e}")))?;
        Ok(format!(
            "Content-Type: text/plain;charset=UTF-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n{BEGIN}\n{json}\n{END}\n"
        ))
    }

    /// Whole days from `now` until expiry (negative once expired).
    pub fn days_left(&self, now: OffsetDateTime) -> i64 {
        (self.access_token_expiry - now).whole_days()
    }
}

fn extract_json(text: &str) -> Result<String, ProtoError> {
    let body = match (text.find(BEGIN), text.find(END)) {
        (Some(b), Some(e)) if e > b => &text[b + BEGIN.len()..e],
        (Some(_), _) => {
            return Err(ProtoError::Token(
                "token has -----BEGIN MESSAGE----- without a matching -----END MESSAGE-----".into(),
            ))
        }
        _ => strip_mime_headers(text),
    };
    let joined: String = body.lines().map(str::trim).collect();
    if !joined.starts_with('{') {
        return Err(ProtoError::Token(
            "decrypted token holds no JSON object (expected {\"consumer_key\": …})".into(),
        ));
    }
    Ok(joined)
}

/// Drops a leading RFC 822 header block (lines up to the first blank line) if there is one.
fn strip_mime_headers(text: &str) -> &str {
    let first = text.lines().next().unwrap_or_default();
    let looks_like_header = first.contains(':') && !first.trim_start().starts_with('{');
    if !looks_like_header {
        return text;
    }
    for sep in ["\r\n\r\n", "\n\n"] {
        if let Some(i) = text.find(sep) {
            return &text[i + sep.len()..];
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = r#"{"consumer_key":"CK_1","consumer_secret":"CS_1","access_token":"AT_1","access_secret":"AS_1","access_token_expiry":"2026-01-17T11:02:21Z"}"#;

    #[test]
    fn parses_marked_message() {
        let text = format!("Content-Type: text/plain;charset=UTF-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n{BEGIN}\n{JSON}\n{END}\n");
        let t = ServerToken::from_plaintext(text.as_bytes()).expect("parse");
        assert_eq!(t.consumer_key, "CK_1");
        assert_eq!(t.access_token_expiry.year(), 2026);
    }

    #[test]
    fn parses_hard_wrapped_json_without_markers() {
        let wrapped: String = JSON
            .as_bytes()
            .chunks(40)
            .map(|c| format!("{}\n", String::from_utf8_lossy(c)))
            .collect();
        let text = format!("Content-Type: text/plain\n\n{wrapped}");
        let t = ServerToken::from_plaintext(text.as_bytes()).expect("parse");
        assert_eq!(t.access_secret, "AS_1");
    }

    #[test]
    fn round_trips_and_redacts() {
        let t = ServerToken::from_plaintext(JSON.as_bytes()).expect("parse");
        let again = ServerToken::from_plaintext(t.to_plaintext().expect("encode").as_bytes());
        assert_eq!(again.expect("reparse"), t);
        let dbg = format!("{t:?}");
        assert!(!dbg.contains("CS_1") && !dbg.contains("AS_1") && !dbg.contains("AT_1"));
    }

    #[test]
    fn rejects_bad_plaintext_clearly() {
        let e = ServerToken::from_plaintext(b"hello").expect_err("garbage");
        assert!(e.to_string().contains("no JSON object"), "{e}");
        let e = ServerToken::from_plaintext(br#"{"consumer_key":"CK"}"#).expect_err("partial");
        assert!(e.to_string().contains("consumer_secret"), "{e}");
        let e = ServerToken::from_plaintext(format!("{BEGIN}\n{JSON}").as_bytes()).expect_err("x");
        assert!(e.to_string().contains("END MESSAGE"), "{e}");
    }
}
