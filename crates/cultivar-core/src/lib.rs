//! Business logic of cultivar, independent of HTTP and SQL.
//!
//! # Layout
//! - [`auth`]: API keys, console users (argon2id) and console sessions.
//! - [`secrets`]: the secret key that seals private keys and OAuth secrets at rest.
//! - [`abm`]: ABM server entries: the token exchange with Apple Business Manager and statuses.
//! - [`sync`]: ABM device sync: full fetch and incremental sync runs, Sync Now, the scheduler.
//! - [`ade`]: ADE profiles: validation, resolution (device → group → OS default) and the
//!   push plan.
//! - [`mdm`]: the MDM protocol, server side: check-in, the command queue, device states.
//! - [`clock`]: time as a dependency, so tests move it instead of waiting.
//! - [`error`]: [`CoreError`], which the server maps to HTTP in one place.
#![forbid(unsafe_code)]

pub mod abm;
pub mod ade;
pub mod auth;
pub mod clock;
pub mod error;
pub mod mdm;
pub mod secrets;
pub mod sync;

pub use error::CoreError;
