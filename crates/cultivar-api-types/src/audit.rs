//! The audit log.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// One recorded admin action or rule-driven decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntryView {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who did it: `api_key:<uuid>`, `user:<email>`, `cli`, or `system`.
    pub actor: String,
    /// Dotted verb, e.g. `api_key.create`.
    pub action: String,
    pub target: Option<String>,
    pub detail: serde_json::Value,
}

/// Query of `GET /api/v1/audit`: newest first, `before` is an entry id from the previous page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// 1–500, default 50.
    pub limit: Option<u32>,
    /// Only entries with a smaller id.
    pub before: Option<i64>,
}

/// A page of the audit log; `next_before` is set when older entries may exist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntryView>,
    pub next_before: Option<i64>,
}
