//! The scheduler: a startup run for every ABM server with a usable token, then a periodic run
//! every [`SYNC_INTERVAL`], all timed by the injected clock (tests move a manual clock).

use super::types::Trigger;
use super::{lock, periodic_allowed, SyncService};
use crate::abm::AbmStatus;
use cultivar_store::AbmServer;
use std::future::Future;
use time::{Duration, OffsetDateTime};

/// Time between periodic runs of each ABM server (fixed).
pub const SYNC_INTERVAL: Duration = Duration::minutes(5);

/// How often a server whose organisation has not accepted Apple's terms is checked again with
/// `/account`, so syncing resumes by itself once an administrator accepts them.
pub const TERMS_PROBE_INTERVAL: Duration = Duration::hours(1);

/// Runs the scheduler until `shutdown` completes, then stops the service: runs in flight end
/// after their current call (recorded as interrupted) before this returns.
pub async fn run_scheduler(service: SyncService, shutdown: impl Future<Output = ()>) {
    tokio::select! {
        () = schedule(&service) => {}
        () = shutdown => {}
    }
    *lock(&service.inner.next_tick) = None;
    service.shutdown().await;
    tracing::info!("ABM sync scheduler stopped");
}

async fn schedule(service: &SyncService) {
    let origin = service.now();
    service.tick(Trigger::Startup).await;
    let mut last = origin;
    loop {
        let next = next_tick(origin, last, service.now());
        *lock(&service.inner.next_tick) = Some(next);
        service.inner.clock.sleep_until(next).await;
        service.tick(Trigger::Periodic).await;
        last = next;
    }
}

/// The tick after `last` on the grid `origin + k·SYNC_INTERVAL`; when the clock jumped past
/// several (or runs took long), the latest missed one, so they run once rather than all.
fn next_tick(origin: OffsetDateTime, last: OffsetDateTime, now: OffsetDateTime) -> OffsetDateTime {
    let elapsed = (now - origin).max(Duration::ZERO);
    let passed = elapsed.whole_milliseconds() / SYNC_INTERVAL.whole_milliseconds();
    let latest_passed = origin + SYNC_INTERVAL * i32::try_from(passed).unwrap_or(i32::MAX);
    (last + SYNC_INTERVAL).max(latest_passed)
}

impl SyncService {
    /// Starts a run for every server the scheduler may sync now (runs proceed in the
    /// background; a server still running from the last tick is joined, not doubled).
    async fn tick(&self, trigger: Trigger) {
        match self.inner.store.list_abm_servers().await {
            Ok(servers) => {
                for server in servers {
                    if !self.probe_if_due(&server).await {
                        continue;
                    }
                    if let Err(e) = self.start(server.id, trigger).await {
                        tracing::warn!(abm_server = %server.id, cause = %e, "starting a scheduled ABM sync failed");
                    }
                }
            }
            Err(e) => {
                tracing::warn!(cause = %e, "listing ABM servers for the sync scheduler failed")
            }
        }
        self.inner.ticks.send_modify(|n| *n += 1);
    }

    /// Whether to sync `server` in this tick. A server paused for unaccepted terms is asked
    /// `/account` again once per [`TERMS_PROBE_INTERVAL`], and syncs again when that succeeds.
    async fn probe_if_due(&self, server: &AbmServer) -> bool {
        let now = self.now();
        if periodic_allowed(server, now) {
            return true;
        }
        let status = AbmStatus::effective(&server.status, server.token_expires_at, now);
        let due = server
            .status_checked_at
            .is_none_or(|at| now - at >= TERMS_PROBE_INTERVAL);
        if status != AbmStatus::TermsNotSigned || !due {
            return false;
        }
        match self.inner.abm.refresh(server.id).await {
            Ok(view) => matches!(
                AbmStatus::parse(&view.status),
                Some(AbmStatus::Active | AbmStatus::Expiring)
            ),
            Err(e) => {
                tracing::warn!(abm_server = %server.id, cause = %e, "checking the ABM terms again failed");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_keep_a_fixed_rhythm_and_run_missed_ones_once() {
        let o = OffsetDateTime::UNIX_EPOCH;
        let m = |n: i64| o + Duration::minutes(n);
        assert_eq!(next_tick(o, o, o), m(5));
        assert_eq!(next_tick(o, o, m(4)), m(5));
        assert_eq!(next_tick(o, m(5), m(5)), m(10));
        // The clock moved on before the next tick was planned: it is due at once, not skipped.
        assert_eq!(next_tick(o, m(5), m(11)), m(10));
        // A jump over many ticks runs one of them, not all.
        assert_eq!(next_tick(o, m(5), m(23)), m(20));
        assert_eq!(next_tick(o, o, o - Duration::minutes(1)), m(5));
    }
}
