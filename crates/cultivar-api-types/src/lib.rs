//! Wire types of cultivar's JSON admin API (`/api/v1/…`).
//!
//! These types are shared by the server (which renders them and derives the OpenAPI document from
//! their `utoipa::ToSchema` impls), the typed client and the CLI, so the three cannot drift apart.
//! Timestamps are RFC 3339 strings on the wire; ids are UUIDs (audit entries use increasing integers
//! so that `before=` paging is stable).
#![forbid(unsafe_code)]

pub mod abm;
pub mod abm_sync;
pub mod ade;
mod api_keys;
mod audit;
pub mod enroll;
mod error;
pub mod mdm;
pub mod push_cert;

pub use api_keys::{ApiKeyView, ApiRole, CreateApiKey, CreatedApiKey, WhoAmI};
pub use audit::{AuditEntryView, AuditPage, AuditQuery};
pub use error::{ErrorBody, ErrorDetail, FieldError, Health};
