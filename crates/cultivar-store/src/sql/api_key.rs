use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{non_empty, now, q, Row, SqlError, SqlStore};
use crate::{ApiKey, ApiKeyStore, NewApiKey, StoreError};

fn api_key(row: &dyn Row) -> Result<ApiKey, StoreError> {
    Ok(ApiKey {
        id: row.uuid("id")?,
        name: row.text("name")?,
        role: row.text("role")?.parse()?,
        key_hash: row.text("key_hash")?,
        key_prefix: row.text("key_prefix")?,
        created_at: row.time("created_at")?,
        last_used_at: row.opt_time("last_used_at")?,
        revoked_at: row.opt_time("revoked_at")?,
    })
}

#[async_trait]
impl ApiKeyStore for SqlStore {
    async fn insert_api_key(&self, new: &NewApiKey) -> Result<ApiKey, StoreError> {
        non_empty("name", &new.name)?;
        non_empty("key_hash", &new.key_hash)?;
        non_empty("key_prefix", &new.key_prefix)?;
        let query = q(
            "INSERT INTO api_keys (id, name, role, key_hash, key_prefix, created_at) \
                       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
        )
        .bind(Uuid::new_v4())
        .bind(new.name.as_str())
        .bind(new.role.as_str())
        .bind(new.key_hash.as_str())
        .bind(new.key_prefix.as_str())
        .bind(now());
        match self.db.fetch_optional(query).await {
            Ok(Some(row)) => api_key(row.as_ref()),
            Ok(None) => Err(StoreError::Backend(
                "api_keys: INSERT returned no row".into(),
            )),
            Err(e) if e.is_unique_on("name") => {
                Err(StoreError::conflict(format!("api key name {:?}", new.name)))
            }
            Err(SqlError::Unique(_)) => Err(StoreError::conflict("api key hash")),
            Err(e) => Err(e.into()),
        }
    }

    async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError> {
        let query = q("SELECT * FROM api_keys WHERE key_hash = $1").bind(key_hash);
        self.db
            .fetch_optional(query)
            .await?
            .map(|row| api_key(row.as_ref()))
            .transpose()
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let rows = self
            .db
            .fetch_all(q("SELECT * FROM api_keys ORDER BY name, id"))
            .await?;
        rows.iter().map(|row| api_key(row.as_ref())).collect()
    }

    async fn touch_api_key(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
        let query = q("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
            .bind(id)
            .bind(at);
        match self.db.execute(query).await? {
            0 => Err(StoreError::not_found(format!("api key {id}"))),
            _ => Ok(()),
        }
    }

    async fn revoke_api_key(&self, id: Uuid, at: OffsetDateTime) -> Result<bool, StoreError> {
        let query = q("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(at);
        Ok(self.db.execute(query).await? > 0)
    }
}
