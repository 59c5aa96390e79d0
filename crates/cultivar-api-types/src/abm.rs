//! ABM servers: the token exchange with Apple Business Manager.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST /api/v1/abm/servers`: the "Generate Token" step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAbmServer {
    /// A name for this ABM MDM server entry, unique in this installation (1–100 characters).
    pub name: String,
    /// The Device Assignment API base URL; Apple's (`https://mdmenrollment.apple.com`) when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

/// Answer to creating an entry or starting a renewal: the public certificate to upload to ABM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AbmCertificate {
    pub server: AbmServerView,
    /// PEM certificate to upload to ABM (Settings > MDM Server > Upload public key).
    pub certificate_pem: String,
}

/// One ABM server entry as the admin sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AbmServerView {
    pub id: Uuid,
    pub name: String,
    pub base_url: String,
    /// `awaiting_token`, `active`, `expiring`, `expired`, `terms_not_signed`, `access_denied`,
    /// `token_rejected` or `unreachable`.
    pub status: String,
    /// The status in plain words.
    pub status_label: String,
    /// One line saying what to do about it (empty when nothing needs doing).
    pub status_fix: String,
    /// What Apple or the network said, when something went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_detail: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub status_checked_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<AbmTokenView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AbmAccountView>,
    /// A renewal keypair was generated and awaits its token.
    pub renewal_pending: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// The uploaded token, without its secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AbmTokenView {
    /// Identifies the ABM MDM server the token belongs to (not a secret).
    pub consumer_key: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Whole days until expiry; negative once expired.
    pub days_left: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub uploaded_at: OffsetDateTime,
}

/// What `/account` says about the organisation and the MDM server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AbmAccountView {
    pub org_name: String,
    pub server_name: String,
    pub server_uuid: String,
    /// The Apple Account that downloaded the token in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
}

/// `GET /api/v1/abm/servers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AbmServerList {
    pub servers: Vec<AbmServerView>,
}
