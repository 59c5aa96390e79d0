//! The one error type every storage trait returns.

/// Why a storage call failed.
///
/// `NotFound`, `Conflict` and `Invalid` are caller-facing outcomes (the server maps them to
/// 404/409/400); `Config`, `Migration` and `Backend` are operator-facing faults.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// An update or delete named a row that does not exist.
    #[error("{what}: not found")]
    NotFound { what: String },
    /// A write would violate a uniqueness rule.
    #[error("{what}: already exists")]
    Conflict { what: String },
    /// A value was rejected before or by the database.
    #[error("{field}: {rule}")]
    Invalid { field: String, rule: String },
    /// The database URL or connection settings are unusable.
    #[error("database configuration: {0}")]
    Config(String),
    /// Applying the embedded schema migrations failed.
    #[error("database migration: {0}")]
    Migration(String),
    /// Any other database failure (connection lost, unexpected data, ...).
    #[error("database: {0}")]
    Backend(String),
}

impl StoreError {
    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    pub(crate) fn conflict(what: impl Into<String>) -> Self {
        Self::Conflict { what: what.into() }
    }

    pub(crate) fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            rule: rule.into(),
        }
    }
}
