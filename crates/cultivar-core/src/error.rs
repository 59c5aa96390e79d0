//! Errors of the business logic. `cultivar-server` maps each variant to one HTTP status.

use crate::ade::InvalidProfile;
use crate::secrets::SecretsError;
use cultivar_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Bad input: names the field and the rule it broke.
    #[error("{field}: {rule}")]
    Invalid { field: String, rule: String },
    #[error("{what} was not found")]
    NotFound { what: String },
    /// The request clashes with what is stored (a duplicate, a token of another server).
    #[error("{what}")]
    Conflict { what: String },
    /// A dependency (Apple, the database) cannot serve the request now.
    #[error("{0}")]
    Unavailable(String),
    /// An ADE profile broke one or more of Apple's rules; every refused field is listed.
    #[error(transparent)]
    InvalidProfile(#[from] InvalidProfile),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    /// A fault of cultivar itself; shown to users generically.
    #[error("{0}")]
    Internal(String),
}

impl CoreError {
    pub fn invalid(field: &str, rule: &str) -> Self {
        CoreError::Invalid {
            field: field.to_string(),
            rule: rule.to_string(),
        }
    }

    /// Cryptography failures while making keys: cultivar's own fault, not the caller's.
    pub fn crypto(e: impl std::fmt::Display) -> Self {
        CoreError::Internal(format!("cryptography failed: {e}"))
    }
}
