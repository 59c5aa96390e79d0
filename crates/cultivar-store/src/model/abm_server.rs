use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::Redacted;

/// What ABM's `/account` endpoint said about the server token's owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbmAccount {
    pub server_uuid: String,
    pub server_name: String,
    pub org_name: String,
    pub org_email: Option<String>,
    pub org_id: Option<String>,
    pub admin_id: Option<String>,
    pub facilitator_id: Option<String>,
}

/// One ABM "MDM server" entry. Every `*_enc` field is ciphertext produced by the caller; the
/// store never sees plaintext secrets. `status` is the core crate's vocabulary, opaque here.
#[derive(Clone, PartialEq, Eq)]
pub struct AbmServer {
    pub id: Uuid,
    pub name: String,
    pub base_url: String,
    pub private_key_enc: Vec<u8>,
    pub certificate_pem: String,
    pub staging_private_key_enc: Option<Vec<u8>>,
    pub staging_certificate_pem: Option<String>,
    pub token_enc: Option<Vec<u8>>,
    pub consumer_key: Option<String>,
    pub token_expires_at: Option<OffsetDateTime>,
    pub token_uploaded_at: Option<OffsetDateTime>,
    pub account: Option<AbmAccount>,
    pub status: String,
    pub status_detail: Option<String>,
    pub status_checked_at: Option<OffsetDateTime>,
    /// Devices per `/server/devices` or `/devices/sync` request (1..=1000, default 100).
    pub sync_batch_size: u32,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

// Hand-written so ciphertext blobs show as lengths, not kilobytes of numbers, in logs.
impl fmt::Debug for AbmServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbmServer")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .field("private_key_enc", &Redacted(self.private_key_enc.len()))
            .field("certificate_pem", &self.certificate_pem)
            .field(
                "staging_private_key_enc",
                &self
                    .staging_private_key_enc
                    .as_ref()
                    .map(|k| Redacted(k.len())),
            )
            .field("staging_certificate_pem", &self.staging_certificate_pem)
            .field(
                "token_enc",
                &self.token_enc.as_ref().map(|t| Redacted(t.len())),
            )
            .field("consumer_key", &self.consumer_key)
            .field("token_expires_at", &self.token_expires_at)
            .field("token_uploaded_at", &self.token_uploaded_at)
            .field("account", &self.account)
            .field("status", &self.status)
            .field("status_detail", &self.status_detail)
            .field("status_checked_at", &self.status_checked_at)
            .field("sync_batch_size", &self.sync_batch_size)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// Input for [`crate::AbmServerStore::insert_abm_server`]; the store assigns `id`,
/// `created_at` and `updated_at`.
#[derive(Clone, PartialEq, Eq)]
pub struct NewAbmServer {
    pub name: String,
    pub base_url: String,
    pub private_key_enc: Vec<u8>,
    pub certificate_pem: String,
    pub status: String,
}

impl fmt::Debug for NewAbmServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAbmServer")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .field("private_key_enc", &Redacted(self.private_key_enc.len()))
            .field("certificate_pem", &self.certificate_pem)
            .field("status", &self.status)
            .finish()
    }
}

/// Input for [`crate::AbmServerStore::install_abm_token`].
///
/// `private_key_enc` and `certificate_pem` come together or not at all: when given they
/// replace the current keypair (promotion of the staging keypair after the new token
/// decrypted with it).
#[derive(Clone, PartialEq, Eq)]
pub struct TokenInstall {
    pub private_key_enc: Option<Vec<u8>>,
    pub certificate_pem: Option<String>,
    pub token_enc: Vec<u8>,
    pub consumer_key: String,
    pub token_expires_at: OffsetDateTime,
    pub uploaded_at: OffsetDateTime,
    pub clear_staging: bool,
}

impl fmt::Debug for TokenInstall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenInstall")
            .field(
                "private_key_enc",
                &self.private_key_enc.as_ref().map(|k| Redacted(k.len())),
            )
            .field("certificate_pem", &self.certificate_pem)
            .field("token_enc", &Redacted(self.token_enc.len()))
            .field("consumer_key", &self.consumer_key)
            .field("token_expires_at", &self.token_expires_at)
            .field("uploaded_at", &self.uploaded_at)
            .field("clear_staging", &self.clear_staging)
            .finish()
    }
}
