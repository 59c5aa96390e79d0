//! The APNs push certificate ("MDM certificate"): `/api/v1/mdm/push-cert`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// `GET /api/v1/mdm/push-cert` (also the answer of an upload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PushCertView {
    /// `none`, `awaiting_certificate`, `active`, `expiring` (within 30 days) or `expired`.
    pub status: String,
    /// The push topic in force (the certificate's subject UID).
    pub topic: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub not_before: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub not_after: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub uploaded_at: Option<OffsetDateTime>,
    /// When the CSR still waiting for its signed certificate was generated.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub csr_created_at: Option<OffsetDateTime>,
}

/// `POST /api/v1/mdm/push-cert/csr`: a new CSR to have signed (vendor, then Apple's portal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PushCsrView {
    pub csr_pem: String,
}

/// `PUT /api/v1/mdm/push-cert?force=true`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushCertUploadQuery {
    /// Accept a topic other than the one in force (cuts off every enrolled device).
    #[serde(default)]
    pub force: bool,
}
