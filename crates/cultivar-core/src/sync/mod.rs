//! ABM device sync: one engine per ABM server that mirrors the devices Apple assigns to it.
//!
//! A server's first run is a full fetch through `/server/devices` (cursor after cursor until
//! `more_to_follow` is false or the cursor is exhausted); later runs ask `/devices/sync` for the
//! changes since the stored cursor. Every page's device changes, its cursor and the run's counters
//! are committed in one transaction ([`cultivar_store::AbmDeviceStore::commit_sync_page`]), so a
//! crash at any moment resumes from the last committed page with nothing lost or counted twice.
//! An expired or invalid cursor turns the run into a reconciling full fetch: devices the fetch did
//! not return are marked removed.
//!
//! # Layout
//! - [`SyncService`] (this file): starting, joining and waiting for runs, live progress, health.
//! - `run`: one run, page by page. `page`: duplicates, record mapping, page size.
//! - `scheduler`: [`run_scheduler`], the startup and 5-minute periodic runs.
//! - `types`: what the service reports.

mod page;
mod registry;
mod run;
mod scheduler;
mod types;

pub use page::{batch_size, resolve_duplicates, to_change, MAX_BATCH_SIZE};
pub use scheduler::{run_scheduler, SYNC_INTERVAL, TERMS_PROBE_INTERVAL};
pub use types::{
    RunTicket, SyncHealth, SyncProgress, SyncSummary, Trigger, OUTCOME_FAILED, OUTCOME_SUCCESS,
    OUTCOME_WARNING,
};

use crate::abm::{AbmService, AbmStatus};
use crate::clock::Clock;
use crate::error::CoreError;
use cultivar_store::{AbmServer, NewSyncRun, Store, SyncPhase};
use registry::Registry;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use time::OffsetDateTime;
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

/// How many finished summaries [`SyncService::subscribe`] receivers may fall behind by.
const SUMMARY_BACKLOG: usize = 256;

/// Runs ABM device syncs, at most one per ABM server at a time. Cheap to clone.
#[derive(Clone)]
pub struct SyncService {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    abm: AbmService,
    clock: Arc<dyn Clock>,
    /// Serialises starts, so two callers never both insert a run for one server.
    start_lock: tokio::sync::Mutex<StartState>,
    registry: Mutex<Registry>,
    finished: broadcast::Sender<SyncSummary>,
    /// Set when cultivar stops: runs end after their current call, new ones are refused.
    stop: watch::Sender<bool>,
    /// Number of runs in flight (shutdown waits for zero).
    in_flight: watch::Sender<usize>,
    /// The scheduler's next periodic tick, while a scheduler runs.
    next_tick: Mutex<Option<OffsetDateTime>>,
    /// Completed scheduler ticks (startup included), so tests can wait for one.
    ticks: watch::Sender<u64>,
}

#[derive(Default)]
struct StartState {
    /// Runs a crash left "running" have been marked failed (done once, before our first run).
    recovered: bool,
}

impl SyncService {
    pub fn new(store: Arc<dyn Store>, abm: AbmService, clock: Arc<dyn Clock>) -> Self {
        SyncService {
            inner: Arc::new(Inner {
                store,
                abm,
                clock,
                start_lock: tokio::sync::Mutex::new(StartState::default()),
                registry: Mutex::new(Registry::default()),
                finished: broadcast::channel(SUMMARY_BACKLOG).0,
                stop: watch::Sender::new(false),
                in_flight: watch::Sender::new(0),
                next_tick: Mutex::new(None),
                ticks: watch::Sender::new(0),
            }),
        }
    }

    /// Starts a run of `server_id` in the background, or joins the one already running.
    pub async fn start(&self, server_id: Uuid, trigger: Trigger) -> Result<RunTicket, CoreError> {
        let mut start = self.inner.start_lock.lock().await;
        if *self.inner.stop.borrow() {
            return Err(CoreError::Unavailable(
                "sync: cultivar is stopping; no new runs start".into(),
            ));
        }
        if let Some(run_id) = self.registry().running_run(server_id) {
            return Ok(RunTicket {
                run_id,
                joined: true,
            });
        }
        self.load_server(server_id).await?;
        if !start.recovered {
            self.recover().await?;
            start.recovered = true;
        }
        let store = &self.inner.store;
        let phase = store
            .sync_state(server_id)
            .await?
            .map_or(SyncPhase::Fetch, |s| s.phase);
        let started_at = self.now();
        let new = NewSyncRun {
            abm_server_id: server_id,
            trigger: trigger.as_str().to_string(),
            phase,
            started_at,
        };
        let row = store.insert_sync_run(&new).await?;
        let progress = SyncProgress {
            run_id: row.id,
            trigger,
            phase: phase.as_str().to_string(),
            pages: 0,
            devices_seen: 0,
            added: 0,
            modified: 0,
            deleted: 0,
            started_at,
        };
        let run = run::Run::new(self.clone(), server_id, &progress, phase);
        let done = self.registry().insert(server_id, progress);
        self.inner.in_flight.send_modify(|n| *n += 1);
        tracing::info!(abm_server = %server_id, run = %row.id, trigger = trigger.as_str(), "ABM sync run started");
        run.spawn(done);
        Ok(RunTicket {
            run_id: row.id,
            joined: false,
        })
    }

    /// Waits for a run to finish and returns its summary (at once for a finished run).
    pub async fn wait(&self, run_id: Uuid) -> Result<SyncSummary, CoreError> {
        let done = {
            let registry = self.registry();
            if let Some(summary) = registry.recent(run_id) {
                return Ok(summary);
            }
            registry.done_receiver(run_id)
        };
        if let Some(mut done) = done {
            if let Ok(summary) = done.wait_for(Option::is_some).await {
                if let Some(summary) = summary.clone() {
                    return Ok(summary);
                }
            }
        }
        // Not run by this process (or finished long ago): the stored row tells.
        let run = self
            .inner
            .store
            .sync_run(run_id)
            .await?
            .ok_or_else(|| CoreError::NotFound {
                what: format!("sync run {run_id}"),
            })?;
        if run.finished_at.is_none() {
            return Err(CoreError::Unavailable(format!(
                "sync run {run_id}: still marked running, but not by this cultivar process"
            )));
        }
        Ok(SyncSummary::from_run(&run))
    }

    /// Sync Now: starts (or joins) a run and waits for its summary.
    pub async fn sync_now(
        &self,
        server_id: Uuid,
        trigger: Trigger,
    ) -> Result<SyncSummary, CoreError> {
        let ticket = self.start(server_id, trigger).await?;
        self.wait(ticket.run_id).await
    }

    /// The run of `server_id` in progress, as of its last committed page.
    pub fn progress(&self, server_id: Uuid) -> Option<SyncProgress> {
        self.registry().progress(server_id)
    }

    /// Every finished run from now on (success, warning or failure).
    pub fn subscribe(&self) -> broadcast::Receiver<SyncSummary> {
        self.inner.finished.subscribe()
    }

    /// Completed scheduler ticks (the startup tick counts); a tick has started its runs when it
    /// is counted, so tests can check what a tick did without sleeping.
    pub fn ticks(&self) -> watch::Receiver<u64> {
        self.inner.ticks.subscribe()
    }

    /// Sync health of one ABM server.
    pub async fn health(&self, server_id: Uuid) -> Result<SyncHealth, CoreError> {
        let server = self.load_server(server_id).await?;
        let store = &self.inner.store;
        let state = store.sync_state(server_id).await?;
        let last_run = store
            .list_sync_runs(server_id, 1, None)
            .await?
            .into_iter()
            .next();
        let next_tick = *lock(&self.inner.next_tick);
        let next_run_at = next_tick.filter(|_| periodic_allowed(&server, self.now()));
        Ok(SyncHealth {
            phase: state.as_ref().map(|s| s.phase.as_str().to_string()),
            last_success_at: state.as_ref().and_then(|s| s.last_success_at),
            last_error: state.as_ref().and_then(|s| s.last_error.clone()),
            last_error_at: state.as_ref().and_then(|s| s.last_error_at),
            next_run_at,
            running: self.progress(server_id),
            last_run,
        })
    }

    /// Stops: runs in flight end after their current call (recorded as interrupted) and no new
    /// run starts. Returns once none is left.
    pub async fn shutdown(&self) {
        self.inner.stop.send_replace(true);
        let mut in_flight = self.inner.in_flight.subscribe();
        // The sender lives in `self`, so this cannot fail.
        let _ = in_flight.wait_for(|n| *n == 0).await;
    }

    /// Marks runs a crash left "running" as failed. Done before this service's first run.
    async fn recover(&self) -> Result<(), CoreError> {
        let n = self
            .inner
            .store
            .fail_interrupted_sync_runs(self.now())
            .await?;
        if n > 0 {
            tracing::warn!(
                runs = n,
                "ABM sync runs interrupted by a stop were marked failed"
            );
        }
        Ok(())
    }

    async fn load_server(&self, id: Uuid) -> Result<AbmServer, CoreError> {
        self.inner
            .store
            .abm_server(id)
            .await?
            .ok_or_else(|| CoreError::NotFound {
                what: format!("ABM server {id}"),
            })
    }

    fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        lock(&self.inner.registry)
    }

    /// Called by a run when it ends: forget it, wake waiters, tell subscribers.
    fn finished(&self, server_id: Uuid, summary: SyncSummary) {
        self.registry().finish(server_id, summary.clone());
        let _ = self.inner.finished.send(summary);
        self.inner
            .in_flight
            .send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// Whether the scheduler syncs a server: it needs a token that is not expired, and Apple must
/// not have refused it (terms, access, rejected token). Sync Now tries regardless.
fn periodic_allowed(server: &AbmServer, now: OffsetDateTime) -> bool {
    server.token_enc.is_some()
        && matches!(
            AbmStatus::effective(&server.status, server.token_expires_at, now),
            AbmStatus::Active | AbmStatus::Expiring | AbmStatus::Unreachable
        )
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not wedge every later sync.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
