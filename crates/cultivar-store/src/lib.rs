//! Storage for cultivar: capability-sized async traits and their one SQL implementation,
//! which runs on SQLite (embedded default) or PostgreSQL (scale-out).
//!
//! # Layout
//! - capability traits ([`ApiKeyStore`], [`AbmServerStore`], ...): one trait per capability,
//!   each documenting its "missing row" contract; [`Store`] composes them. Consumers should ask
//!   for the narrowest trait they need. ADE profile assignment has [`AdeProfileStore`],
//!   [`AdeProfileDefinitionStore`], [`DeviceGroupStore`], [`AdeAssignmentStore`] (device
//!   profiles, OS defaults, the bulk read for resolution) and [`AdePushStateStore`].
//! - record types (`ApiKey`, `AbmServer`, ...) and the single error type [`StoreError`].
//! - `sql`: every capability written once, as static SQL with `$n` placeholders (both
//!   dialects accept them), over a small backend-neutral layer. It is hand-written because
//!   `sqlx::Any` cannot carry UUIDs or timestamps; see that module's docs. The one exception
//!   is ABM device sync's batched page writes, which have a statement per dialect
//!   (`UNNEST` arrays on PostgreSQL, `json_each` on SQLite) so a page of 1000 devices is a
//!   handful of statements, not 1000 round trips.
//! - `sqlite`, `postgres`: the thin per-backend adapters (binding, column decoding, errors)
//!   and the embedded migrations under `migrations/{sqlite,postgres}`, run by [`open`].
//! - [`conformance`] (feature `conformance`): the suite every backend must pass.
//! - [`testing`] (feature `testing`): throwaway PostgreSQL databases for tests.
//!
//! # Adding a table
//! Add `NNNN_*.sql` to *both* migration directories (tests/schema_parity.rs compares them),
//! a record in `model/`, a trait in `traits/`, its impl in `sql/`, add the trait to [`Store`],
//! and conformance cases in `conformance/`.
#![forbid(unsafe_code)]

mod error;
mod model;
mod postgres;
mod sql;
mod sqlite;
mod traits;

#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "testing")]
pub mod testing;

use std::{path::Path, sync::Arc};

use async_trait::async_trait;

pub use error::StoreError;
pub use model::{
    AbmAccount, AbmDevice, AbmDeviceData, AbmDeviceQuery, AbmServer, AdeDefinedUuid, AdeDeviceRow,
    AdeOsDefault, AdeProfile, AdeProfileDefinition, AdeProfileUsage, AdePushRecord, AdePushState,
    AdminUser, ApiKey, AuditEntry, CommandState, ConsoleSession, DeviceChange, DeviceGroup,
    DeviceGroupUpdate, DeviceProfileAssignment, GroupKind, GroupMembership, MdmAuthenticate,
    MdmCertBinding, MdmCertCheck, MdmCommandEntry, MdmCommandQuery, MdmEnqueued, MdmEnrollment,
    MdmExchange, MdmExchanged, MdmQueuedCommand, MdmReport, MdmReportEntry, MdmTokenUpdate,
    MembersAdded, NewAbmServer, NewAdeProfile, NewAdminUser, NewApiKey, NewAuditEntry,
    NewDeviceGroup, NewMdmCommand, NewSyncRun, NextCommand, PageCommit, PageCounts, PushResult,
    Role, SyncPhase, SyncRun, SyncRunEnd, SyncState, TokenInstall, ADE_OSES, SYNC_OUTCOMES,
    SYNC_TRIGGERS,
};
pub use model::{ChallengePurpose, MdmChallenge, MdmIssuedCert};
pub use model::{MdmDeviceCa, MdmInventory, MdmInventoryUpdate};
pub use model::{
    MdmPushActive, MdmPushCert, MdmPushError, MdmPushFailure, MdmPushPending, MdmPushState,
};
pub use traits::MdmPushCertStore;
pub use traits::MdmScepStore;
pub use traits::{
    AbmDeviceStore, AbmServerStore, AbmSyncRunStore, AdeAssignmentStore, AdeProfileDefinitionStore,
    AdeProfileStore, AdePushStateStore, AdminUserStore, ApiKeyStore, AuditStore,
    ConsoleSessionStore, DeviceGroupStore, MdmCommandStore, MdmDeviceStore, MdmEnrollmentStore,
};
pub use traits::{MdmDeviceCaStore, MdmInventoryStore};

/// Which database engine a [`Store`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Every storage capability, plus lifecycle. Returned by [`open`].
#[async_trait]
pub trait Store:
    ApiKeyStore
    + AdminUserStore
    + ConsoleSessionStore
    + AbmServerStore
    + AbmDeviceStore
    + AbmSyncRunStore
    + AuditStore
    + AdeProfileStore
    + AdeProfileDefinitionStore
    + DeviceGroupStore
    + AdeAssignmentStore
    + MdmEnrollmentStore
    + MdmCommandStore
    + MdmDeviceStore
    + MdmDeviceCaStore
    + MdmInventoryStore
    + MdmPushCertStore
    + MdmScepStore
    + AdePushStateStore
    + Send
    + Sync
{
    /// The engine behind this store.
    fn backend(&self) -> Backend;

    /// Round-trips a trivial query (health checks).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Closes the connection pool and waits for connections to finish; later calls fail.
    async fn close(&self);
}

/// Opens the database named by `database_url` and applies pending migrations.
///
/// - `sqlite://PATH` or `sqlite:PATH`: the file is created if missing; WAL journal, foreign
///   keys on, 5 s busy timeout, `synchronous=NORMAL`. `sqlite::memory:` is a private
///   in-memory database (tests).
/// - `postgres://…` or `postgresql://…`.
///
/// Any other scheme is a [`StoreError::Config`].
pub async fn open(database_url: &str) -> Result<Arc<dyn Store>, StoreError> {
    let store = if let Some(path) = sqlite_path(database_url) {
        if path.is_empty() {
            return Err(StoreError::Config(
                "database_url: sqlite URL has no file path (expected sqlite://PATH)".into(),
            ));
        }
        sqlite::open(path).await?
    } else if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        postgres::open(database_url).await?
    } else {
        let scheme = database_url.split_once(':').map_or("", |(s, _)| s);
        return Err(StoreError::Config(format!(
            "database_url: unsupported scheme {scheme:?} (expected sqlite://PATH, sqlite:PATH, \
             postgres://… or postgresql://…)"
        )));
    };
    tracing::info!(backend = ?store.backend(), "database opened and migrated");
    Ok(Arc::new(store))
}

fn sqlite_path(url: &str) -> Option<&str> {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
}

/// The default SQLite URL for a data directory: `sqlite://DIR/cultivar.sqlite3`.
/// The directory itself must exist before [`open`] (creating it is the caller's job).
pub fn sqlite_url_for_data_dir(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("cultivar.sqlite3").display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_url_round_trips_through_open_parsing() {
        let url = sqlite_url_for_data_dir(Path::new("/var/lib/cultivar"));
        assert_eq!(url, "sqlite:///var/lib/cultivar/cultivar.sqlite3");
        assert_eq!(
            sqlite_path(&url),
            Some("/var/lib/cultivar/cultivar.sqlite3")
        );
        assert_eq!(sqlite_path("sqlite:data/x.db"), Some("data/x.db"));
        assert_eq!(sqlite_path("sqlite::memory:"), Some(":memory:"));
        assert_eq!(sqlite_path("mysql://h/db"), None);
    }

    #[tokio::test]
    async fn unsupported_scheme_is_a_config_error_naming_the_rule() {
        let Err(err) = open("mysql://localhost/db").await else {
            panic!("mysql URL must be rejected");
        };
        assert!(
            matches!(&err, StoreError::Config(m) if m.contains("\"mysql\"")),
            "{err}"
        );
        assert!(err.to_string().contains("expected sqlite://PATH"), "{err}");
    }

    #[tokio::test]
    async fn sqlite_url_without_path_is_rejected() {
        let Err(err) = open("sqlite://").await else {
            panic!("empty sqlite path must be rejected");
        };
        assert!(matches!(err, StoreError::Config(_)), "{err}");
    }

    #[test]
    fn role_parses_and_prints_its_wire_spelling() {
        for role in [Role::Admin, Role::ReadOnly] {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        let err = "owner".parse::<Role>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("role: must be \"admin\" or \"read-only\" (got \"owner\")")
        );
    }
}
