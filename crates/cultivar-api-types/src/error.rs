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
    /// Every refused field, when there are several (an ADE profile reports all at once).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One refused field: the field, the rule's code (Apple's, e.g. `CONFIG_NAME_INVALID`, or
/// cultivar's) and the rule in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// Answer to `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: String,
    /// `ok` or `unavailable`.
    pub database: String,
}
