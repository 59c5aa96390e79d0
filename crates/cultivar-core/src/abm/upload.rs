//! Uploading a server token, and asking Apple's `/account` what the token stands for.

use super::service::{AbmService, AAD_KEY, AAD_TOKEN};
use super::status::AbmStatus;
use super::MAX_TOKEN_BYTES;
use crate::error::CoreError;
use cultivar_abm_client::{token_pki, AbmError};
use cultivar_abm_proto::{AccountDetail, ServerToken};
use cultivar_api_types::abm::AbmServerView;
use cultivar_store::{AbmAccount, AbmServer, TokenInstall};
use uuid::Uuid;

/// Which keypair a token decrypted with.
enum Decrypted {
    Current(ServerToken),
    /// The staging keypair: it becomes the current one.
    Staging(ServerToken, Vec<u8>, String),
}

impl AbmService {
    /// Decrypts and installs a `.p7m` server token, then checks it against Apple's `/account`.
    ///
    /// Nothing is stored unless the token decrypts, has not expired, and (without `force`) belongs
    /// to the same ABM MDM server as the token it replaces.
    pub async fn upload_token(
        &self,
        id: Uuid,
        p7m: &[u8],
        force: bool,
        actor: &str,
    ) -> Result<AbmServerView, CoreError> {
        if p7m.is_empty() {
            return Err(CoreError::invalid(
                "token",
                "the file is empty; upload the .p7m file downloaded from Apple Business Manager",
            ));
        }
        if p7m.len() > super::MAX_TOKEN_BYTES {
            return Err(CoreError::invalid(
                "token",
                &format!(
                    "the file is larger than {} KiB; an ABM server token is about 2 KiB",
                    MAX_TOKEN_BYTES / 1024
                ),
            ));
        }
        let server = self.load(id).await?;
        let decrypted = self.decrypt(&server, p7m)?;
        let token = match &decrypted {
            Decrypted::Current(t) | Decrypted::Staging(t, ..) => t,
        };
        self.check_token(&server, token, force)?;
        let install = self.install_for(&decrypted, token)?;
        self.store.install_abm_token(id, &install).await?;
        self.forget_client(id);
        let detail = serde_json::json!({
            "consumer_key": token.consumer_key,
            "expires_at": cultivar_abm_proto::format_time(token.access_token_expiry),
            "renewal": matches!(decrypted, Decrypted::Staging(..)),
            "force": force,
        });
        self.audit(actor, "abm.token.upload", &server, detail)
            .await?;
        let server = self.load(id).await?;
        self.check_account(&server).await?;
        self.get(id).await
    }

    /// Tries the staging keypair first (a renewal in progress), then the current one.
    fn decrypt(&self, server: &AbmServer, p7m: &[u8]) -> Result<Decrypted, CoreError> {
        let current_key = self.secrets.open(AAD_KEY, &server.private_key_enc)?;
        let current =
            token_pki::decrypt_token(p7m, &current_key, server.certificate_pem.as_bytes());
        let (Some(key_enc), Some(cert)) = (
            &server.staging_private_key_enc,
            &server.staging_certificate_pem,
        ) else {
            return current.map(Decrypted::Current).map_err(token_error);
        };
        let staging_key = self.secrets.open(AAD_KEY, key_enc)?;
        match token_pki::decrypt_token(p7m, &staging_key, cert.as_bytes()) {
            Ok(token) => Ok(Decrypted::Staging(token, key_enc.clone(), cert.clone())),
            Err(staging_err) => match current {
                Ok(token) => Ok(Decrypted::Current(token)),
                // Report the renewal keypair's reason: that is the one the admin is working on.
                Err(_) => Err(token_error(staging_err)),
            },
        }
    }

    fn check_token(
        &self,
        server: &AbmServer,
        token: &ServerToken,
        force: bool,
    ) -> Result<(), CoreError> {
        let now = self.clock.now();
        if token.access_token_expiry <= now {
            let when = cultivar_abm_proto::format_time(token.access_token_expiry);
            return Err(CoreError::invalid("token", &format!("this server token expired on {when}; download a new one from Apple Business Manager")));
        }
        match &server.consumer_key {
            Some(existing) if *existing != token.consumer_key && !force => Err(CoreError::Conflict {
                what: format!(
                    "this token belongs to a different ABM MDM server (consumer key {} instead of {existing}); \
                     upload it to the entry it belongs to, or use force to replace this entry's token",
                    token.consumer_key
                ),
            }),
            _ => Ok(()),
        }
    }

    fn install_for(
        &self,
        decrypted: &Decrypted,
        token: &ServerToken,
    ) -> Result<TokenInstall, CoreError> {
        let json = serde_json::to_vec(token)
            .map_err(|e| CoreError::Internal(format!("cannot encode token: {e}")))?;
        let (private_key_enc, certificate_pem) = match decrypted {
            Decrypted::Current(_) => (None, None),
            Decrypted::Staging(_, key, cert) => (Some(key.clone()), Some(cert.clone())),
        };
        Ok(TokenInstall {
            private_key_enc,
            certificate_pem,
            token_enc: self.secrets.seal(AAD_TOKEN, &json)?,
            consumer_key: token.consumer_key.clone(),
            token_expires_at: token.access_token_expiry,
            uploaded_at: self.clock.now(),
            clear_staging: matches!(decrypted, Decrypted::Staging(..)),
        })
    }

    /// Calls `/account` and stores what it says (or why it failed) as the entry's status.
    pub(super) async fn check_account(&self, server: &AbmServer) -> Result<AbmStatus, CoreError> {
        let client = self.client_for(server)?;
        let result = client.account().await;
        self.record_account(server, result.as_ref()).await
    }

    /// Stores the outcome of an `/account` call: the account and `active`, or the status the
    /// error leads to (the sync engine calls `/account` itself at the start of every run).
    pub async fn record_account(
        &self,
        server: &AbmServer,
        result: Result<&AccountDetail, &AbmError>,
    ) -> Result<AbmStatus, CoreError> {
        let (account, status, detail) = match result {
            Ok(a) => (Some(account_of(a)), AbmStatus::Active, None),
            Err(e) => (
                server.account.clone(),
                AbmStatus::from_error(e),
                Some(describe("/account", e)),
            ),
        };
        self.store
            .update_abm_account(
                server.id,
                account.as_ref(),
                status.as_str(),
                detail.as_deref(),
                self.clock.now(),
            )
            .await?;
        Ok(status)
    }

    /// Records the status an error from one of Apple's endpoints leads to (e.g. `T_C_NOT_SIGNED`
    /// during a sync), keeping the stored account.
    pub async fn record_error(
        &self,
        id: Uuid,
        endpoint: &str,
        e: &AbmError,
    ) -> Result<AbmStatus, CoreError> {
        let status = AbmStatus::from_error(e);
        self.store
            .update_abm_status(
                id,
                status.as_str(),
                Some(&describe(endpoint, e)),
                self.clock.now(),
            )
            .await?;
        Ok(status)
    }
}

fn account_of(a: &AccountDetail) -> AbmAccount {
    AbmAccount {
        server_uuid: a.server_uuid.clone(),
        server_name: a.server_name.clone(),
        org_name: a.org_name.clone(),
        org_email: a.org_email.clone(),
        org_id: a.org_id.clone(),
        admin_id: a.admin_id.clone(),
        facilitator_id: a.facilitator_id.clone(),
    }
}

/// A token that cannot be used, as an input error on the `token` field.
fn token_error(e: token_pki::TokenError) -> CoreError {
    let message = e.to_string();
    let rule = message.strip_prefix("token: ").unwrap_or(&message);
    CoreError::invalid("token", rule)
}

fn describe(endpoint: &str, e: &AbmError) -> String {
    format!("Apple's {endpoint} answered: {e}")
}
