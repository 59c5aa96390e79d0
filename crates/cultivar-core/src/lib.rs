//! cultivar-core
#![forbid(unsafe_code)]

pub mod auth;
pub mod secrets;
