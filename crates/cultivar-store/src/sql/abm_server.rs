use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{non_empty, now, q, Query, Row, SqlStore};
use crate::{AbmAccount, AbmServer, AbmServerStore, NewAbmServer, StoreError, TokenInstall};

fn abm_server(row: &dyn Row) -> Result<AbmServer, StoreError> {
    Ok(AbmServer {
        id: row.uuid("id")?,
        name: row.text("name")?,
        base_url: row.text("base_url")?,
        private_key_enc: row.bytes("private_key_enc")?,
        certificate_pem: row.text("certificate_pem")?,
        staging_private_key_enc: row.opt_bytes("staging_private_key_enc")?,
        staging_certificate_pem: row.opt_text("staging_certificate_pem")?,
        token_enc: row.opt_bytes("token_enc")?,
        consumer_key: row.opt_text("consumer_key")?,
        token_expires_at: row.opt_time("token_expires_at")?,
        token_uploaded_at: row.opt_time("token_uploaded_at")?,
        account: abm_account(row)?,
        status: row.text("status")?,
        status_detail: row.opt_text("status_detail")?,
        status_checked_at: row.opt_time("status_checked_at")?,
        sync_batch_size: batch_size(row)?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

fn batch_size(row: &dyn Row) -> Result<u32, StoreError> {
    let n = row.i64("sync_batch_size")?;
    u32::try_from(n)
        .map_err(|_| StoreError::Backend(format!("column sync_batch_size: out of range: {n}")))
}

/// The account columns are all nullable; a non-null server UUID marks a recorded account.
/// Missing name columns read as empty rather than making the whole entry unreadable.
fn abm_account(row: &dyn Row) -> Result<Option<AbmAccount>, StoreError> {
    let Some(server_uuid) = row.opt_text("account_server_uuid")? else {
        return Ok(None);
    };
    Ok(Some(AbmAccount {
        server_uuid,
        server_name: row.opt_text("account_server_name")?.unwrap_or_default(),
        org_name: row.opt_text("account_org_name")?.unwrap_or_default(),
        org_email: row.opt_text("account_org_email")?,
        org_id: row.opt_text("account_org_id")?,
        admin_id: row.opt_text("account_admin_id")?,
        facilitator_id: row.opt_text("account_facilitator_id")?,
    }))
}

fn validate_new(new: &NewAbmServer) -> Result<(), StoreError> {
    non_empty("name", &new.name)?;
    non_empty("base_url", &new.base_url)?;
    non_empty("certificate_pem", &new.certificate_pem)?;
    non_empty("status", &new.status)?;
    if new.private_key_enc.is_empty() {
        return Err(StoreError::invalid("private_key_enc", "must not be empty"));
    }
    Ok(())
}

fn validate_install(install: &TokenInstall) -> Result<(), StoreError> {
    if install.private_key_enc.is_some() != install.certificate_pem.is_some() {
        return Err(StoreError::invalid(
            "private_key_enc/certificate_pem",
            "must be given together or not at all",
        ));
    }
    if install.private_key_enc.as_ref().is_some_and(Vec::is_empty) {
        return Err(StoreError::invalid("private_key_enc", "must not be empty"));
    }
    if let Some(cert) = &install.certificate_pem {
        non_empty("certificate_pem", cert)?;
    }
    if install.token_enc.is_empty() {
        return Err(StoreError::invalid("token_enc", "must not be empty"));
    }
    non_empty("consumer_key", &install.consumer_key)
}

impl SqlStore {
    /// Runs a single-row update; `NotFound` when no row has this id.
    async fn update_abm(&self, id: Uuid, query: Query) -> Result<(), StoreError> {
        match self.db.execute(query).await? {
            0 => Err(StoreError::not_found(format!("abm server {id}"))),
            _ => Ok(()),
        }
    }
}

#[async_trait]
impl AbmServerStore for SqlStore {
    async fn insert_abm_server(&self, new: &NewAbmServer) -> Result<AbmServer, StoreError> {
        validate_new(new)?;
        let at = now();
        let query = q(
            "INSERT INTO abm_servers (id, name, base_url, private_key_enc, \
                       certificate_pem, status, created_at, updated_at) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *",
        )
        .bind(Uuid::new_v4())
        .bind(new.name.as_str())
        .bind(new.base_url.as_str())
        .bind(new.private_key_enc.as_slice())
        .bind(new.certificate_pem.as_str())
        .bind(new.status.as_str())
        .bind(at)
        .bind(at);
        match self.db.fetch_optional(query).await {
            Ok(Some(row)) => abm_server(row.as_ref()),
            Ok(None) => Err(StoreError::Backend(
                "abm_servers: INSERT returned no row".into(),
            )),
            Err(e) if e.is_unique_on("name") => Err(StoreError::conflict(format!(
                "abm server name {:?}",
                new.name
            ))),
            Err(e) => Err(e.into()),
        }
    }

    async fn abm_server(&self, id: Uuid) -> Result<Option<AbmServer>, StoreError> {
        let query = q("SELECT * FROM abm_servers WHERE id = $1").bind(id);
        self.db
            .fetch_optional(query)
            .await?
            .map(|row| abm_server(row.as_ref()))
            .transpose()
    }

    async fn list_abm_servers(&self) -> Result<Vec<AbmServer>, StoreError> {
        let rows = self
            .db
            .fetch_all(q("SELECT * FROM abm_servers ORDER BY name, id"))
            .await?;
        rows.iter().map(|row| abm_server(row.as_ref())).collect()
    }

    async fn set_abm_staging_keypair(
        &self,
        id: Uuid,
        private_key_enc: &[u8],
        certificate_pem: &str,
    ) -> Result<(), StoreError> {
        if private_key_enc.is_empty() {
            return Err(StoreError::invalid("private_key_enc", "must not be empty"));
        }
        non_empty("certificate_pem", certificate_pem)?;
        let query = q("UPDATE abm_servers SET staging_private_key_enc = $2, \
                       staging_certificate_pem = $3, updated_at = $4 WHERE id = $1")
        .bind(id)
        .bind(private_key_enc)
        .bind(certificate_pem)
        .bind(now());
        self.update_abm(id, query).await
    }

    async fn install_abm_token(&self, id: Uuid, install: &TokenInstall) -> Result<(), StoreError> {
        validate_install(install)?;
        let mut tx = self.db.begin().await?;
        let token = q("UPDATE abm_servers SET token_enc = $2, consumer_key = $3, \
                       token_expires_at = $4, token_uploaded_at = $5, updated_at = $6 \
                       WHERE id = $1")
        .bind(id)
        .bind(install.token_enc.as_slice())
        .bind(install.consumer_key.as_str())
        .bind(install.token_expires_at)
        .bind(install.uploaded_at)
        .bind(now());
        if tx.execute(token).await? == 0 {
            // Dropping `tx` rolls back; nothing was written anyway.
            return Err(StoreError::not_found(format!("abm server {id}")));
        }
        if let (Some(key), Some(cert)) = (&install.private_key_enc, &install.certificate_pem) {
            let keypair = q(
                "UPDATE abm_servers SET private_key_enc = $2, certificate_pem = $3 \
                             WHERE id = $1",
            )
            .bind(id)
            .bind(key.as_slice())
            .bind(cert.as_str());
            tx.execute(keypair).await?;
        }
        if install.clear_staging {
            let staging = q("UPDATE abm_servers SET staging_private_key_enc = NULL, \
                             staging_certificate_pem = NULL WHERE id = $1")
            .bind(id);
            tx.execute(staging).await?;
        }
        Ok(tx.commit().await?)
    }

    async fn update_abm_account(
        &self,
        id: Uuid,
        account: Option<&AbmAccount>,
        status: &str,
        detail: Option<&str>,
        checked_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        non_empty("status", status)?;
        let field = |f: fn(&AbmAccount) -> Option<&str>| account.and_then(f);
        let query = q("UPDATE abm_servers SET account_server_uuid = $2, \
                       account_server_name = $3, account_org_name = $4, account_org_email = $5, \
                       account_org_id = $6, account_admin_id = $7, account_facilitator_id = $8, \
                       status = $9, status_detail = $10, status_checked_at = $11, \
                       updated_at = $12 WHERE id = $1")
        .bind(id)
        .bind(field(|a| Some(a.server_uuid.as_str())))
        .bind(field(|a| Some(a.server_name.as_str())))
        .bind(field(|a| Some(a.org_name.as_str())))
        .bind(field(|a| a.org_email.as_deref()))
        .bind(field(|a| a.org_id.as_deref()))
        .bind(field(|a| a.admin_id.as_deref()))
        .bind(field(|a| a.facilitator_id.as_deref()))
        .bind(status)
        .bind(detail)
        .bind(checked_at)
        .bind(now());
        self.update_abm(id, query).await
    }

    async fn update_abm_status(
        &self,
        id: Uuid,
        status: &str,
        detail: Option<&str>,
        checked_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        non_empty("status", status)?;
        let query = q("UPDATE abm_servers SET status = $2, status_detail = $3, \
                       status_checked_at = $4, updated_at = $5 WHERE id = $1")
        .bind(id)
        .bind(status)
        .bind(detail)
        .bind(checked_at)
        .bind(now());
        self.update_abm(id, query).await
    }

    async fn set_abm_sync_batch_size(&self, id: Uuid, n: u32) -> Result<(), StoreError> {
        if !(1..=1000).contains(&n) {
            return Err(StoreError::invalid(
                "sync_batch_size",
                format!("must be between 1 and 1000 (got {n})"),
            ));
        }
        let query = q("UPDATE abm_servers SET sync_batch_size = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(i64::from(n))
            .bind(now());
        self.update_abm(id, query).await
    }

    async fn delete_abm_server(&self, id: Uuid) -> Result<bool, StoreError> {
        let query = q("DELETE FROM abm_servers WHERE id = $1").bind(id);
        Ok(self.db.execute(query).await? > 0)
    }
}
