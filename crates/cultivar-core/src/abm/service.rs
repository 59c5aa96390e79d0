//! The ABM server entry service: create, list, renew, refresh, delete; clients per entry.

use super::status::AbmStatus;
use super::view::server_view;
use crate::clock::Clock;
use crate::error::CoreError;
use crate::secrets::Secrets;
use cultivar_abm_client::{token_pki, AbmClient, ClientOptions};
use cultivar_abm_proto::{ServerToken, APPLE_BASE_URL};
use cultivar_api_types::abm::{AbmCertificate, AbmServerView};
use cultivar_store::{AbmServer, NewAbmServer, NewAuditEntry, Store};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Associated data binding sealed secrets to their purpose.
pub(super) const AAD_KEY: &str = "cultivar:abm:private-key";
pub(super) const AAD_TOKEN: &str = "cultivar:abm:server-token";

/// Clients by entry, with the sealed token each was made from.
type ClientCache = HashMap<Uuid, (Vec<u8>, AbmClient)>;

/// Settings of the service.
#[derive(Clone, Default)]
pub struct AbmServiceOptions {
    /// Options for every client made (user agent, retry policy, sleeper).
    pub client: ClientOptions,
}

/// Manages ABM server entries. Cheap to clone.
#[derive(Clone)]
pub struct AbmService {
    pub(super) store: Arc<dyn Store>,
    pub(super) secrets: Arc<Secrets>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) options: AbmServiceOptions,
    /// One client per entry and token, so sessions are reused between calls.
    clients: Arc<Mutex<ClientCache>>,
}

impl AbmService {
    pub fn new(
        store: Arc<dyn Store>,
        secrets: Arc<Secrets>,
        clock: Arc<dyn Clock>,
        options: AbmServiceOptions,
    ) -> Self {
        AbmService {
            store,
            secrets,
            clock,
            options,
            clients: Arc::default(),
        }
    }

    /// "Generate Token": a new entry with a fresh keypair; returns the certificate to upload to ABM.
    pub async fn create_server(
        &self,
        name: &str,
        base_url: Option<&str>,
        actor: &str,
    ) -> Result<AbmCertificate, CoreError> {
        let name = validate_name(name)?;
        let base_url = validate_base_url(base_url.unwrap_or(APPLE_BASE_URL))?;
        let pair = token_pki::generate_keypair(&format!("cultivar ABM {name}"))
            .map_err(CoreError::crypto)?;
        let private_key_enc = self
            .secrets
            .seal(AAD_KEY, pair.private_key_pem.as_bytes())?;
        let new = NewAbmServer {
            name: name.clone(),
            base_url,
            private_key_enc,
            certificate_pem: pair.certificate_pem.clone(),
            status: AbmStatus::AwaitingToken.as_str().to_string(),
        };
        let server = self.store.insert_abm_server(&new).await?;
        self.audit(
            actor,
            "abm.server.create",
            &server,
            serde_json::json!({ "name": name }),
        )
        .await?;
        Ok(AbmCertificate {
            server: self.view(&server),
            certificate_pem: pair.certificate_pem,
        })
    }

    pub async fn list(&self) -> Result<Vec<AbmServerView>, CoreError> {
        let servers = self.store.list_abm_servers().await?;
        Ok(servers.iter().map(|s| self.view(s)).collect())
    }

    pub async fn get(&self, id: Uuid) -> Result<AbmServerView, CoreError> {
        Ok(self.view(&self.load(id).await?))
    }

    /// The certificate to upload to ABM: the staging one while a renewal is pending.
    pub async fn public_key(&self, id: Uuid) -> Result<String, CoreError> {
        let server = self.load(id).await?;
        Ok(server
            .staging_certificate_pem
            .unwrap_or(server.certificate_pem))
    }

    /// Starts (or restarts) a renewal with a new staging keypair; the current one keeps working.
    pub async fn start_renewal(&self, id: Uuid, actor: &str) -> Result<AbmCertificate, CoreError> {
        let server = self.load(id).await?;
        let pair = token_pki::generate_keypair(&format!("cultivar ABM {}", server.name))
            .map_err(CoreError::crypto)?;
        let key_enc = self
            .secrets
            .seal(AAD_KEY, pair.private_key_pem.as_bytes())?;
        self.store
            .set_abm_staging_keypair(id, &key_enc, &pair.certificate_pem)
            .await?;
        self.audit(actor, "abm.server.renew", &server, serde_json::json!({}))
            .await?;
        let server = self.load(id).await?;
        Ok(AbmCertificate {
            server: self.view(&server),
            certificate_pem: pair.certificate_pem,
        })
    }

    /// Asks Apple's `/account` again and records the outcome as the entry's status.
    pub async fn refresh(&self, id: Uuid) -> Result<AbmServerView, CoreError> {
        let server = self.load(id).await?;
        if server.token_enc.is_none() {
            return Err(CoreError::invalid(
                "token",
                "no server token has been uploaded for this ABM server yet",
            ));
        }
        self.check_account(&server).await?;
        self.get(id).await
    }

    pub async fn delete(&self, id: Uuid, actor: &str) -> Result<(), CoreError> {
        let server = self.load(id).await?;
        self.store.delete_abm_server(id).await?;
        self.forget_client(id);
        self.audit(
            actor,
            "abm.server.delete",
            &server,
            serde_json::json!({ "name": server.name }),
        )
        .await
    }

    /// A client for an entry's current token (reused while the token is unchanged).
    pub async fn client(&self, id: Uuid) -> Result<AbmClient, CoreError> {
        let server = self.load(id).await?;
        self.client_for(&server)
    }

    pub(super) fn client_for(&self, server: &AbmServer) -> Result<AbmClient, CoreError> {
        let sealed = server.token_enc.clone().ok_or_else(|| {
            CoreError::invalid(
                "token",
                "no server token has been uploaded for this ABM server yet",
            )
        })?;
        let mut cache = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((cached, client)) = cache.get(&server.id) {
            if *cached == sealed {
                return Ok(client.clone());
            }
        }
        let token = self.open_token(&sealed)?;
        let client = AbmClient::new(&server.base_url, token, self.options.client.clone())
            .map_err(|e| CoreError::invalid("base_url", &e.to_string()))?;
        cache.insert(server.id, (sealed, client.clone()));
        Ok(client)
    }

    pub(super) fn forget_client(&self, id: Uuid) {
        self.clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }

    pub(super) fn open_token(&self, sealed: &[u8]) -> Result<ServerToken, CoreError> {
        let json = self.secrets.open(AAD_TOKEN, sealed)?;
        serde_json::from_slice(&json)
            .map_err(|e| CoreError::Internal(format!("stored ABM token is unreadable: {e}")))
    }

    pub(super) async fn load(&self, id: Uuid) -> Result<AbmServer, CoreError> {
        self.store
            .abm_server(id)
            .await?
            .ok_or_else(|| CoreError::NotFound {
                what: format!("ABM server {id}"),
            })
    }

    pub(super) fn view(&self, server: &AbmServer) -> AbmServerView {
        server_view(server, self.clock.now())
    }

    pub(super) async fn audit(
        &self,
        actor: &str,
        action: &str,
        server: &AbmServer,
        detail: serde_json::Value,
    ) -> Result<(), CoreError> {
        let entry = NewAuditEntry {
            actor: actor.to_string(),
            action: action.to_string(),
            target: Some(format!("abm_server:{}", server.id)),
            detail,
        };
        self.store.append_audit(&entry).await?;
        Ok(())
    }
}

fn validate_name(name: &str) -> Result<String, CoreError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(CoreError::invalid("name", "must be 1 to 100 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            "name",
            "must not contain control characters",
        ));
    }
    Ok(name.to_string())
}

fn validate_base_url(url: &str) -> Result<String, CoreError> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| {
            CoreError::invalid(
                "base_url",
                "must start with https:// (or http:// for a local simulator)",
            )
        })?;
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        return Err(CoreError::invalid(
            "base_url",
            "must name a host, e.g. https://mdmenrollment.apple.com",
        ));
    }
    Ok(url.to_string())
}
