//! The device endpoints over real HTTP, on SQLite and PostgreSQL: a signing test device
//! enrolls (Authenticate, TokenUpdate), gets DeviceInformation then DeviceConfigured, answers
//! them (inventory stored), NotNow and unparseable reports, identity failures (400/403, never
//! 401), CheckOut, UserAuthenticate, bootstrap tokens, Declarative Management, and the real
//! check-in captures in fixtures/mdm-checkin-plists.
#![allow(clippy::unwrap_used)]

mod captures;
mod device;
mod enrollment;
mod lifecycle;
mod queue;
mod security;
mod services;
