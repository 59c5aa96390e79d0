//! API keys and the identity behind a request.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// What an API key may do: `read-only` keys may only `GET`; `admin` keys may do everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ApiRole {
    Admin,
    ReadOnly,
}

impl ApiRole {
    /// The wire spelling (`admin`, `read-only`), also used by the CLI's `--role`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiRole::Admin => "admin",
            ApiRole::ReadOnly => "read-only",
        }
    }
}

impl std::fmt::Display for ApiRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ApiRole {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(ApiRole::Admin),
            "read-only" => Ok(ApiRole::ReadOnly),
            other => Err(format!(
                "role: unknown role {other:?} (expected admin or read-only)"
            )),
        }
    }
}

/// An API key as listed; the secret itself is never shown again after creation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    pub role: ApiRole,
    /// The first characters of the key, to recognise it (`cvk_` + 8 characters).
    pub prefix: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub revoked_at: Option<OffsetDateTime>,
}

/// Body of `POST /api/v1/api-keys`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    /// A label for people (1–100 characters).
    pub name: String,
    pub role: ApiRole,
}

/// Answer to `POST /api/v1/api-keys`: the only time the plaintext key is returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreatedApiKey {
    /// The bearer token (`cvk_…`); store it now, it cannot be shown again.
    pub key: String,
    pub api_key: ApiKeyView,
}

/// Answer to `GET /api/v1/whoami`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WhoAmI {
    /// Always `api_key` for the JSON API.
    pub kind: String,
    pub id: Uuid,
    pub name: String,
    pub role: ApiRole,
}
