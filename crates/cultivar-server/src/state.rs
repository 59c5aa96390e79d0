//! What every handler can reach.

use std::{path::Path, sync::Arc};

use cultivar_core::{
    abm::{AbmService, AbmServiceOptions},
    ade::AdeService,
    clock::{Clock, SystemClock},
    mdm::{MdmService, MdmSettings},
    secrets::{KeySettings, Secrets},
    sync::SyncService,
};
use cultivar_store::{NewAuditEntry, Store};
use metrics_exporter_prometheus::PrometheusHandle;
use time::OffsetDateTime;

use crate::{config::Config, error::ApiError, ServerError};

/// Shared state of one server instance. Cheap to clone (everything is behind `Arc`).
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub secrets: Arc<Secrets>,
    pub config: Arc<Config>,
    /// Renders `/metrics`; the recorder behind it is process-wide (see [`crate::telemetry`]).
    pub metrics: PrometheusHandle,
    /// The time source of the server's logic (a manual clock in tests).
    pub clock: Arc<dyn Clock>,
    /// ABM server entries and the token exchange.
    pub abm: AbmService,
    /// ABM device sync (Sync Now, progress, health); [`crate::serve_state`] runs its scheduler.
    pub sync: SyncService,
    /// ADE profiles: plan, explain, push; [`crate::serve_state`] runs its automatic pushes.
    pub ade: AdeService,
    /// The MDM protocol: check-in, commands, device states.
    pub mdm: MdmService,
}

impl AppState {
    /// Builds the state from parts (tests, embedding).
    pub fn new(store: Arc<dyn Store>, secrets: Secrets, config: Config) -> Self {
        Self::with_parts(
            store,
            secrets,
            config,
            Arc::new(SystemClock),
            AbmServiceOptions::default(),
        )
    }

    /// Builds the state with a chosen clock and ABM client options (tests inject both).
    pub fn with_parts(
        store: Arc<dyn Store>,
        secrets: Secrets,
        config: Config,
        clock: Arc<dyn Clock>,
        abm_options: AbmServiceOptions,
    ) -> Self {
        let secrets = Arc::new(secrets);
        let abm = AbmService::new(store.clone(), secrets.clone(), clock.clone(), abm_options);
        let sync = SyncService::new(store.clone(), abm.clone(), clock.clone());
        // Apple hands the profile URL to devices, so it must be the public one when set.
        let public_base = config.public_base_url();
        let ade = AdeService::new(
            store.clone(),
            abm.clone(),
            clock.clone(),
            public_base.clone(),
        );
        let mdm = MdmService::new(
            store.clone(),
            secrets.clone(),
            clock.clone(),
            MdmSettings {
                offline_after: time::Duration::hours(i64::from(config.mdm_offline_after_hours)),
                apns_url: config.apns_url.clone(),
                apns_ca_file: config.apns_ca_file.clone(),
                device_cert_days: config.mdm_device_cert_days,
                ..MdmSettings::new(&public_base)
            },
        );
        AppState {
            store,
            secrets,
            config: Arc::new(config),
            metrics: crate::telemetry::metrics_handle(),
            clock,
            abm,
            sync,
            ade,
            mdm,
        }
    }

    /// Creates the data directory, resolves the secret key and opens (and migrates) the store.
    pub async fn open(config: Config) -> Result<Self, ServerError> {
        Self::open_with(config, Arc::new(SystemClock), AbmServiceOptions::default()).await
    }

    /// [`AppState::open`] with a chosen clock and ABM client options (tests inject both).
    pub async fn open_with(
        config: Config,
        clock: Arc<dyn Clock>,
        abm_options: AbmServiceOptions,
    ) -> Result<Self, ServerError> {
        ensure_data_dir(&config.data_dir)?;
        let secrets = Secrets::load(KeySettings {
            value: config.secret_key.as_deref(),
            file: config.secret_key_file.as_deref(),
            data_dir: &config.data_dir,
        })?;
        let store = open_store(&config).await?;
        Ok(AppState::with_parts(
            store,
            secrets,
            config,
            clock,
            abm_options,
        ))
    }

    /// The current time (one place to swap in a test clock later).
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Records an admin action. Call after the action succeeded.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        target: Option<String>,
        detail: serde_json::Value,
    ) -> Result<(), ApiError> {
        let entry = NewAuditEntry {
            actor: actor.to_owned(),
            action: action.to_owned(),
            target,
            detail,
        };
        self.store.append_audit(&entry).await?;
        Ok(())
    }
}

/// Opens the configured database, creating the data directory first when SQLite lives there.
/// Migrations run inside [`cultivar_store::open`].
pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, ServerError> {
    if config.database_url.is_none() {
        ensure_data_dir(&config.data_dir)?;
    }
    Ok(cultivar_store::open(&config.database_url()).await?)
}

/// Creates the data directory (owner-only on Unix: it holds the key and the database).
pub fn ensure_data_dir(dir: &Path) -> Result<(), ServerError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| ServerError::Io {
        what: format!("data_dir {}: creating the directory", dir.display()),
        source,
    })
}
