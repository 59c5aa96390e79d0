//! One sync run of one ABM server, page by page.
//!
//! Never holds more than one page of devices. Each page is committed together with its cursor,
//! so whatever stops the run (an error, a stop, a crash) leaves the store at a page boundary from
//! which the next run continues.

use super::page::{batch_size, resolve_duplicates, to_change};
use super::types::{
    SyncProgress, SyncSummary, Trigger, OUTCOME_FAILED, OUTCOME_SUCCESS, OUTCOME_WARNING,
};
use super::SyncService;
use crate::error::CoreError;
use cultivar_abm_client::{AbmClient, AbmError};
use cultivar_abm_proto::{paths, AccountDetail, DevicePage};
use cultivar_store::{
    AbmServer, DeviceChange, PageCommit, PageCounts, StoreError, SyncPhase, SyncRunEnd, SyncState,
};
use std::future::Future;
use time::OffsetDateTime;
use tokio::sync::watch;
use uuid::Uuid;

/// Logged and reported when Apple answers with the cursor it was sent and `more_to_follow`.
const ECHO_WARNING: &str =
    "cursor: Apple returned the cursor it was sent with more_to_follow=true \
     (a known Apple bug); the run stopped instead of asking again in a loop, and the next run \
     continues from the same cursor";

/// Why a run did not succeed.
#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error("{endpoint}: {source}")]
    Apple {
        endpoint: &'static str,
        source: AbmError,
    },
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Core(#[from] CoreError),
    #[error("cursor: {0} answered without a cursor; nothing was stored")]
    NoCursor(&'static str),
    #[error("ABM server {0}: deleted while syncing")]
    ServerGone(Uuid),
    #[error("interrupted (cultivar is stopping)")]
    Stopping,
}

/// How a run ended.
enum End {
    Success,
    Warning(&'static str),
    Failed(RunError),
}

/// What to do after a committed page.
enum Step {
    NextPage,
    FetchComplete,
    Done,
    Echoed,
}

pub(super) struct Run {
    svc: SyncService,
    server_id: Uuid,
    run_id: Uuid,
    trigger: Trigger,
    /// The stored phase when the run started.
    phase: SyncPhase,
    started_at: OffsetDateTime,
}

impl Run {
    pub(super) fn new(
        svc: SyncService,
        server_id: Uuid,
        progress: &SyncProgress,
        phase: SyncPhase,
    ) -> Self {
        Run {
            svc,
            server_id,
            run_id: progress.run_id,
            trigger: progress.trigger,
            phase,
            started_at: progress.started_at,
        }
    }

    /// Runs in a task of its own; a panic in it still ends the run (as failed) and wakes
    /// waiters instead of leaving the server "running" for ever.
    pub(super) fn spawn(self, done: watch::Sender<Option<SyncSummary>>) {
        let svc = self.svc.clone();
        let server_id = self.server_id;
        let (run_id, trigger, phase, started_at) =
            (self.run_id, self.trigger, self.phase, self.started_at);
        tokio::spawn(async move {
            let summary = match tokio::spawn(self.execute()).await {
                Ok(summary) => summary,
                Err(e) => {
                    tracing::error!(abm_server = %server_id, run = %run_id, cause = %e, "ABM sync run crashed");
                    let run = Run {
                        svc: svc.clone(),
                        server_id,
                        run_id,
                        trigger,
                        phase,
                        started_at,
                    };
                    let error = RunError::Core(CoreError::Internal(
                        "the sync run stopped unexpectedly".into(),
                    ));
                    run.record(End::Failed(error), phase).await
                }
            };
            svc.finished(server_id, summary.clone());
            done.send_replace(Some(summary));
        });
    }

    /// Runs to the end and records the outcome.
    async fn execute(self) -> SyncSummary {
        let mut phase = self.phase;
        let end = match self.pages(&mut phase).await {
            Ok(end) => end,
            Err(e) => End::Failed(e),
        };
        self.record(end, phase).await
    }

    async fn pages(&self, phase: &mut SyncPhase) -> Result<End, RunError> {
        let server = self.server().await?;
        let client = self.svc.inner.abm.client(self.server_id).await?;
        let account = self.account(&server, &client).await?;
        let mut state = self.position().await?;
        *phase = state.phase;
        let mut reset = false;
        loop {
            let endpoint = endpoint(state.phase);
            let limit = batch_size(server.sync_batch_size, &account, endpoint);
            let sent = state.cursor.clone();
            let answer = self.call(&client, &state, limit).await?;
            let step = match answer {
                Ok(page) => self.commit(&mut state, page, sent).await?,
                // The stored fetch cursor had already returned every device (a stop between
                // the last page and the end of the fetch): the fetch is complete.
                Err(AbmError::CursorExhausted) if state.phase == SyncPhase::Fetch => {
                    Step::FetchComplete
                }
                Err(e) if e.is_cursor_error() && !reset => {
                    // Once per run, so a cursor Apple keeps refusing cannot loop.
                    reset = true;
                    tracing::warn!(abm_server = %self.server_id, cause = %e, "ABM cursor unusable; starting a reconciling full fetch");
                    state = self.restart_fetch().await?;
                    *phase = state.phase;
                    continue;
                }
                Err(source) => return Err(self.apple_error(endpoint, source).await),
            };
            match step {
                Step::NextPage => {}
                Step::FetchComplete => {
                    // The run is recorded as the full fetch it was; the next run syncs.
                    self.finish_fetch(&state).await?;
                    return Ok(End::Success);
                }
                Step::Done => return Ok(End::Success),
                Step::Echoed => return Ok(End::Warning(ECHO_WARNING)),
            }
        }
    }

    async fn server(&self) -> Result<AbmServer, RunError> {
        self.svc
            .inner
            .store
            .abm_server(self.server_id)
            .await?
            .ok_or(RunError::ServerGone(self.server_id))
    }

    /// `/account` first: a token check, and the page limits Apple allows. Its outcome becomes
    /// the server's status (a success brings a paused server back to active).
    async fn account(
        &self,
        server: &AbmServer,
        client: &AbmClient,
    ) -> Result<AccountDetail, RunError> {
        let result = self.stoppable(client.account()).await?;
        let abm = &self.svc.inner.abm;
        if let Err(e) = abm.record_account(server, result.as_ref()).await {
            tracing::warn!(abm_server = %self.server_id, cause = %e, "recording the /account outcome failed");
        }
        result.map_err(|source| RunError::Apple {
            endpoint: paths::ACCOUNT,
            source,
        })
    }

    /// The stored position, or the start of a first full fetch.
    async fn position(&self) -> Result<SyncState, RunError> {
        let store = &self.svc.inner.store;
        match store.sync_state(self.server_id).await? {
            Some(state) => Ok(state),
            None => self.restart_fetch().await,
        }
    }

    async fn restart_fetch(&self) -> Result<SyncState, RunError> {
        let now = self.svc.now();
        let state = self
            .svc
            .inner
            .store
            .start_full_fetch(self.server_id, now)
            .await?;
        self.progress(|p| p.phase = SyncPhase::Fetch.as_str().to_string());
        Ok(state)
    }

    /// One call to Apple for the next page; `Err(Stopping)` if cultivar stops meanwhile.
    async fn call(
        &self,
        client: &AbmClient,
        state: &SyncState,
        limit: u32,
    ) -> Result<Result<DevicePage, AbmError>, RunError> {
        let cursor = state.cursor.as_deref();
        match state.phase {
            SyncPhase::Fetch => {
                self.stoppable(client.fetch_devices(cursor, Some(limit)))
                    .await
            }
            SyncPhase::Sync => match cursor {
                Some(c) => self.stoppable(client.sync_devices(c, Some(limit))).await,
                None => Ok(Err(AbmError::CursorRequired)),
            },
        }
    }

    async fn stoppable<T>(&self, call: impl Future<Output = T>) -> Result<T, RunError> {
        let mut stop = self.svc.inner.stop.subscribe();
        tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => Err(RunError::Stopping),
            out = call => Ok(out),
        }
    }

    /// Commits one page with its cursor and decides what comes next.
    async fn commit(
        &self,
        state: &mut SyncState,
        page: DevicePage,
        sent: Option<String>,
    ) -> Result<Step, RunError> {
        let endpoint = endpoint(state.phase);
        let echoed = page.more_to_follow && page.cursor == sent.clone().unwrap_or_default();
        // An empty cursor would lose our place: keep the one we had.
        let cursor = Some(page.cursor)
            .filter(|c| !c.is_empty())
            .or(sent)
            .ok_or(RunError::NoCursor(endpoint))?;
        let seen = page.devices.len() as u64;
        let changes: Vec<DeviceChange> = resolve_duplicates(page.devices)
            .into_iter()
            .map(to_change)
            .collect();
        let commit = PageCommit {
            abm_server_id: self.server_id,
            run_id: self.run_id,
            phase: state.phase,
            changes: &changes,
            cursor: &cursor,
            fetch_generation: state.fetch_generation,
            now: self.svc.now(),
        };
        let counts = self.svc.inner.store.commit_sync_page(&commit).await?;
        state.cursor = Some(cursor);
        self.count_page(seen, counts);
        Ok(if echoed {
            Step::Echoed
        } else if page.more_to_follow {
            Step::NextPage
        } else if state.phase == SyncPhase::Fetch {
            Step::FetchComplete
        } else {
            Step::Done
        })
    }

    async fn finish_fetch(&self, state: &SyncState) -> Result<(), RunError> {
        let now = self.svc.now();
        let removed = self
            .svc
            .inner
            .store
            .finish_full_fetch(self.server_id, self.run_id, state.fetch_generation, now)
            .await?;
        self.progress(|p| {
            p.deleted += removed;
            p.phase = SyncPhase::Sync.as_str().to_string();
        });
        Ok(())
    }

    /// An error from Apple: for token and terms problems also the server's new status.
    async fn apple_error(&self, endpoint: &'static str, source: AbmError) -> RunError {
        if source.is_auth_error() {
            let abm = &self.svc.inner.abm;
            if let Err(e) = abm.record_error(self.server_id, endpoint, &source).await {
                tracing::warn!(abm_server = %self.server_id, cause = %e, "recording the ABM status failed");
            }
        }
        RunError::Apple { endpoint, source }
    }

    fn count_page(&self, seen: u64, counts: PageCounts) {
        self.progress(|p| {
            p.pages += 1;
            p.devices_seen += seen;
            p.added += counts.added;
            p.modified += counts.modified;
            p.deleted += counts.deleted;
        });
    }

    fn progress(&self, f: impl FnOnce(&mut SyncProgress)) {
        self.svc.registry().update(self.server_id, self.run_id, f);
    }

    /// Stores the run's end and the server's sync health; returns the summary.
    async fn record(&self, end: End, phase: SyncPhase) -> SyncSummary {
        let (outcome, message) = match &end {
            End::Success => (OUTCOME_SUCCESS, None),
            End::Warning(w) => (OUTCOME_WARNING, Some(w.to_string())),
            End::Failed(e) => (OUTCOME_FAILED, Some(e.to_string())),
        };
        self.log(outcome, message.as_deref());
        let now = self.svc.now();
        let store = &self.svc.inner.store;
        let end_row = SyncRunEnd {
            outcome: outcome.to_string(),
            error: message.clone(),
            phase,
            finished_at: now,
        };
        let row = store.finish_sync_run(self.run_id, &end_row).await;
        let health = match &message {
            None => store.record_sync_success(self.server_id, now).await,
            Some(m) => store.record_sync_error(self.server_id, m, now).await,
        };
        if let Some(e) = row.as_ref().err().or(health.as_ref().err()) {
            tracing::warn!(abm_server = %self.server_id, run = %self.run_id, cause = %e, "recording the end of an ABM sync run failed");
        }
        match row {
            Ok(row) => SyncSummary {
                trigger: self.trigger,
                ..SyncSummary::from_run(&row)
            },
            Err(_) => self.summary_from_progress(outcome, message, phase, now),
        }
    }

    fn log(&self, outcome: &str, message: Option<&str>) {
        let p = self.svc.progress(self.server_id);
        let (pages, added, modified, deleted) =
            p.map_or((0, 0, 0, 0), |p| (p.pages, p.added, p.modified, p.deleted));
        match message {
            None => {
                tracing::info!(abm_server = %self.server_id, run = %self.run_id, pages, added, modified, deleted, "ABM sync run finished")
            }
            Some(m) => {
                tracing::warn!(abm_server = %self.server_id, run = %self.run_id, outcome, pages, added, modified, deleted, cause = m, "ABM sync run did not complete")
            }
        }
    }

    /// The summary when the run row could not be read back (database down, server deleted).
    fn summary_from_progress(
        &self,
        outcome: &str,
        message: Option<String>,
        phase: SyncPhase,
        now: OffsetDateTime,
    ) -> SyncSummary {
        let p = self.svc.progress(self.server_id);
        let warning = outcome == OUTCOME_WARNING;
        let count = |f: fn(&SyncProgress) -> u64| p.as_ref().map_or(0, f);
        SyncSummary {
            run_id: self.run_id,
            abm_server_id: self.server_id,
            trigger: self.trigger,
            outcome: outcome.to_string(),
            phase: phase.as_str().to_string(),
            pages: count(|p| p.pages),
            added: count(|p| p.added),
            modified: count(|p| p.modified),
            deleted: count(|p| p.deleted),
            duration_ms: u64::try_from((now - self.started_at).whole_milliseconds()).unwrap_or(0),
            error: message.clone().filter(|_| !warning),
            warning: message.filter(|_| warning),
        }
    }
}

fn endpoint(phase: SyncPhase) -> &'static str {
    match phase {
        SyncPhase::Fetch => paths::FETCH_DEVICES,
        SyncPhase::Sync => paths::SYNC_DEVICES,
    }
}
