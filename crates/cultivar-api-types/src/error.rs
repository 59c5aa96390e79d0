//! The error envelope every `/api/v1` failure uses, and the health answer.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `{"error":{"code":"invalid","message":"…","field":"…"}}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: `unauthorized`, `forbidden`, `not_found`, `invalid`,
    /// `conflict`, `unavailable`, `internal`.
    pub code: String,
    /// A sentence for people; never contains secrets or internal causes.
    pub message: String,
    /// The offending field, for `invalid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Answer to `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: String,
    /// `ok` or `unavailable`.
    pub database: String,
}
