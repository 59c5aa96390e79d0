use time::OffsetDateTime;
use uuid::Uuid;

/// A web-console administrator. `email` is stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminUser {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub created_at: OffsetDateTime,
}

/// Input for [`crate::AdminUserStore::insert_admin_user`]; the store assigns `id` and
/// `created_at` and lower-cases `email`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAdminUser {
    pub email: String,
    pub password_hash: String,
}
