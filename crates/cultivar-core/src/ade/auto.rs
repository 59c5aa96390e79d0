//! Automatic pushes: after every successful sync run and every change made through the
//! service, one background task per process runs [`AdeService::apply`]. Bursts coalesce: a
//! signal that arrives while a push is running causes exactly one more push afterwards.

use std::future::Future;

use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::broadcast::Receiver;

use super::service::AdeService;
use crate::sync::{SyncService, SyncSummary, OUTCOME_FAILED};

/// Runs until `shutdown` completes. Start it once per process, next to the sync scheduler.
pub async fn run_auto_push(
    service: AdeService,
    sync: SyncService,
    shutdown: impl Future<Output = ()>,
) {
    let mut runs = sync.subscribe();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            () = service.changes.notified() => {}
            run = runs.recv() => match run {
                Ok(summary) if succeeded(&summary) => {}
                Ok(_) => continue,
                // Missed runs: some of them may have succeeded, so push to be safe.
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
        }
        drain(&mut runs);
        match service.apply().await {
            Ok(summary) => tracing::debug!(?summary, "ADE push done"),
            Err(e) => tracing::warn!(error = %e, "ADE push failed; retrying at the next trigger"),
        }
        service.pushes.send_modify(|n| *n += 1);
    }
}

/// Runs that finished before this push started are covered by it.
fn drain(runs: &mut Receiver<SyncSummary>) {
    while !matches!(
        runs.try_recv(),
        Err(TryRecvError::Empty | TryRecvError::Closed)
    ) {}
}

/// `success` or `warning`: the devices were stored.
fn succeeded(summary: &SyncSummary) -> bool {
    summary.outcome != OUTCOME_FAILED
}
