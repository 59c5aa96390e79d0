use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    #[serde(rename = "admin")]
    Admin,
    #[serde(rename = "read-only")]
    ReadOnly,
}

impl Role {
    /// The stored and wire spelling: `"admin"` or `"read-only"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::ReadOnly => "read-only",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "read-only" => Ok(Role::ReadOnly),
            other => Err(StoreError::invalid(
                "role",
                format!("must be \"admin\" or \"read-only\" (got {other:?})"),
            )),
        }
    }
}

/// A stored admin-API key. Only the hash of the secret is kept; `key_prefix` is the
/// non-secret start of the key shown in listings so operators can tell keys apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub key_hash: String,
    pub key_prefix: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// Input for [`crate::ApiKeyStore::insert_api_key`]; the store assigns `id` and `created_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    pub name: String,
    pub role: Role,
    pub key_hash: String,
    pub key_prefix: String,
}
