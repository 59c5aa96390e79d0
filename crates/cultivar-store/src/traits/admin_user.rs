use async_trait::async_trait;
use uuid::Uuid;

use crate::{AdminUser, NewAdminUser, StoreError};

/// Web-console administrators.
#[async_trait]
pub trait AdminUserStore: Send + Sync {
    /// Stores a new user (email lower-cased, fresh id, `created_at = now`).
    /// `Conflict` when the email is taken (case-insensitively); `Invalid` when `email` or
    /// `password_hash` is empty.
    async fn insert_admin_user(&self, new: &NewAdminUser) -> Result<AdminUser, StoreError>;

    /// The user with this email, compared case-insensitively; `None` if there is none.
    async fn admin_user_by_email(&self, email: &str) -> Result<Option<AdminUser>, StoreError>;

    /// The user with this id; `None` if there is none.
    async fn admin_user_by_id(&self, id: Uuid) -> Result<Option<AdminUser>, StoreError>;

    /// How many users exist (0 means the first-run setup has not happened).
    async fn count_admin_users(&self) -> Result<u64, StoreError>;

    /// Replaces the password hash. `NotFound` if the id does not exist; `Invalid` if empty.
    async fn set_admin_password(&self, id: Uuid, password_hash: &str) -> Result<(), StoreError>;
}
