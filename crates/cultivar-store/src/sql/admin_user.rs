use async_trait::async_trait;
use uuid::Uuid;

use super::{non_empty, now, q, Row, SqlStore};
use crate::{AdminUser, AdminUserStore, NewAdminUser, StoreError};

fn admin_user(row: &dyn Row) -> Result<AdminUser, StoreError> {
    Ok(AdminUser {
        id: row.uuid("id")?,
        email: row.text("email")?,
        password_hash: row.text("password_hash")?,
        created_at: row.time("created_at")?,
    })
}

/// Emails are compared case-insensitively by storing and looking them up lower-cased.
fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[async_trait]
impl AdminUserStore for SqlStore {
    async fn insert_admin_user(&self, new: &NewAdminUser) -> Result<AdminUser, StoreError> {
        let email = normalise_email(&new.email);
        non_empty("email", &email)?;
        non_empty("password_hash", &new.password_hash)?;
        let query = q(
            "INSERT INTO admin_users (id, email, password_hash, created_at) \
                       VALUES ($1, $2, $3, $4) RETURNING *",
        )
        .bind(Uuid::new_v4())
        .bind(email.as_str())
        .bind(new.password_hash.as_str())
        .bind(now());
        match self.db.fetch_optional(query).await {
            Ok(Some(row)) => admin_user(row.as_ref()),
            Ok(None) => Err(StoreError::Backend(
                "admin_users: INSERT returned no row".into(),
            )),
            Err(e) if e.is_unique_on("email") => {
                Err(StoreError::conflict(format!("admin user email {email:?}")))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn admin_user_by_email(&self, email: &str) -> Result<Option<AdminUser>, StoreError> {
        let query = q("SELECT * FROM admin_users WHERE email = $1").bind(normalise_email(email));
        self.db
            .fetch_optional(query)
            .await?
            .map(|row| admin_user(row.as_ref()))
            .transpose()
    }

    async fn admin_user_by_id(&self, id: Uuid) -> Result<Option<AdminUser>, StoreError> {
        let query = q("SELECT * FROM admin_users WHERE id = $1").bind(id);
        self.db
            .fetch_optional(query)
            .await?
            .map(|row| admin_user(row.as_ref()))
            .transpose()
    }

    async fn count_admin_users(&self) -> Result<u64, StoreError> {
        let row = self
            .db
            .fetch_optional(q("SELECT COUNT(*) AS n FROM admin_users"))
            .await?
            .ok_or_else(|| StoreError::Backend("admin_users: COUNT returned no row".into()))?;
        let n = row.i64("n")?;
        u64::try_from(n).map_err(|_| StoreError::Backend(format!("admin_users: COUNT {n}")))
    }

    async fn set_admin_password(&self, id: Uuid, password_hash: &str) -> Result<(), StoreError> {
        non_empty("password_hash", password_hash)?;
        let query = q("UPDATE admin_users SET password_hash = $2 WHERE id = $1")
            .bind(id)
            .bind(password_hash);
        match self.db.execute(query).await? {
            0 => Err(StoreError::not_found(format!("admin user {id}"))),
            _ => Ok(()),
        }
    }
}
