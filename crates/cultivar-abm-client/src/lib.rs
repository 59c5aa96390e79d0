//! Client of Apple's Device Assignment API (the ABM/DEP API at `mdmenrollment.apple.com`).
//!
//! No storage and no server: it turns calls into signed HTTP requests and Apple's replies into
//! typed results and [`AbmError`]s. Wire types come from `cultivar-abm-proto`.
//!
//! # Layout
//! - [`token_pki`]: the key pair uploaded to ABM and decryption of the `.p7m` server token.
//! - [`AbmClient`] (`client`): the cloneable handle; `endpoints` holds one typed method per call.
//! - `session`: OAuth 1.0a-signed `GET /session`, one authentication at a time per client.
//! - `transport`: the request/retry loop (session header, one re-authentication per call,
//!   session rotation, retries of 429/5xx/transport errors); `backoff` re-exports the delay arithmetic of
//!   `cultivar-retry` and holds ABM's `Retry-After` floor.
//!
//! The session layer is hand-written rather than a generic OAuth or retry middleware because
//! Apple's scheme is OAuth only for `/session` and a custom header afterwards, and the
//! re-authentication rules (401, or 403 with a `FORBIDDEN` body) are Apple-specific.
#![forbid(unsafe_code)]

pub mod backoff;
mod client;
mod endpoints;
mod error;
mod options;
mod session;
pub mod token_pki;
mod transport;

pub use client::AbmClient;
pub use error::AbmError;
pub use options::{
    ClientOptions, RetryPolicy, Sleeper, TokioSleeper, DEFAULT_RETRY_POLICY, DEFAULT_USER_AGENT,
    MIN_PROTOCOL_VERSION,
};
pub use token_pki::{decrypt_token, generate_keypair, KeyPair, TokenError};
