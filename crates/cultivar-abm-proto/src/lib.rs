//! Wire types of Apple's Device Assignment API (the "DEP" API of Apple Business Manager), shared by
//! the ABM client and the ABM simulator.
//!
//! # Layout
//! - [`types`]: request and response bodies. Every record keeps fields it does not know in `extra`,
//!   and enum-like values that Apple may extend are [`Code`] strings with named constants, so a new
//!   value from Apple never makes a page fail to parse.
//! - [`token`]: the server token JSON found inside the decrypted `.p7m` file.
//! - [`oauth`]: OAuth 1.0a HMAC-SHA1 signing for `GET /session`. Written by hand because the
//!   protocol needs only the header form with `realm="ADM"`, and both the client (signing) and the
//!   simulator (verifying) must agree byte for byte; the maintained OAuth crates are OAuth 2 only.
//! - [`error`]: tolerant parsing of Apple's error bodies (bare string, quoted string, `{"code":…}`).
#![forbid(unsafe_code)]

mod enums;
pub mod error;
pub mod oauth;
pub mod token;
pub mod types;

pub use error::{ErrorBody, ProtoError};
pub use token::ServerToken;
pub use types::*;

/// `X-Server-Protocol-Version` we speak: 10 brings `THROTTLED`, `retry_after_seconds` and
/// replacement details.
pub const PROTOCOL_VERSION: u32 = 10;
/// Header carrying the session token on every call after `/session`.
pub const SESSION_HEADER: &str = "X-ADM-Auth-Session";
/// Header carrying the protocol version.
pub const PROTOCOL_HEADER: &str = "X-Server-Protocol-Version";
/// Content type Apple uses (and depsim requires) for JSON bodies.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF8";
/// Apple's production base URL.
pub const APPLE_BASE_URL: &str = "https://mdmenrollment.apple.com";
/// Sync cursors older than this are refused with `EXPIRED_CURSOR`.
pub const CURSOR_LIFETIME_DAYS: i64 = 7;
/// Apple asks for at most this many serials per profile request.
pub const MAX_SERIALS_PER_REQUEST: usize = 1000;
