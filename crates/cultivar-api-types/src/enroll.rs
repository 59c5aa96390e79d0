//! Profile-based device enrollment: one-time download links for the signed enrollment profile.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// `POST /api/v1/enroll/links`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEnrollLink {
    /// How long the link stays usable, in hours (1 to 720; 24 when absent).
    #[serde(default)]
    pub expires_hours: Option<u32>,
}

/// A one-time link that downloads a signed enrollment profile (`GET`, no credentials).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EnrollLinkView {
    pub url: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}
