//! Cursor errors, Apple's echoed cursor, rate limits and outages, terms and token problems.

use std::time::Duration;

use crate::world::{each_backend, next_summary};
use cultivar_abm_sim::Fault;
use cultivar_core::sync::{Trigger, SYNC_INTERVAL};

fn fault(
    endpoint: &str,
    status: u16,
    code: Option<&str>,
    retry_after: Option<u64>,
    count: u32,
) -> Fault {
    Fault {
        endpoint: endpoint.into(),
        status: Some(status),
        code: code.map(str::to_string),
        retry_after,
        count,
        latency_ms: None,
    }
}

#[tokio::test]
async fn an_expired_cursor_starts_a_reconciling_full_fetch() {
    each_backend(|w| async move {
        let a = w.entry("Expiring").await;
        let serials = w.assigned(&a, 6).await;
        w.synced(&a).await;
        // Released, and 8 days pass at Apple before cultivar syncs again: the cursor has
        // expired by then (cultivar's own clock stays put, so its scheduler does not run).
        w.sim.admin().release(&serials[..2]).await.unwrap();
        w.sim.admin().advance_clock(8 * 86_400).await.unwrap();
        let s = w.synced(&a).await;
        assert_eq!(
            (s.phase.as_str(), s.added, s.modified, s.deleted),
            ("fetch", 0, 4, 2),
            "{s:?}"
        );
        let mut active = serials[2..].to_vec();
        active.sort();
        assert_eq!(w.active_serials(&a).await, active);
        assert_eq!(w.devices(&a, true).await.len(), 2);
        // The new cursor works: the next run is an ordinary sync.
        let next = w.synced(&a).await;
        assert_eq!(
            (next.pages, next.modified, next.deleted),
            (1, 0, 0),
            "{next:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn an_invalid_cursor_starts_a_reconciling_full_fetch() {
    each_backend(|w| async move {
        let a = w.entry("Invalid").await;
        let serials = w.assigned(&a, 4).await;
        w.synced(&a).await;
        w.sim.admin().release(&serials[..1]).await.unwrap();
        let invalid = fault("/devices/sync", 400, Some("INVALID_CURSOR"), None, 1);
        w.sim.admin().add_fault(&invalid).await.unwrap();
        let s = w.synced(&a).await;
        // The fetch no longer returns the released device, so the reconcile removes it.
        assert_eq!((s.added, s.modified, s.deleted), (0, 3, 1), "{s:?}");
        assert_eq!(w.active_serials(&a).await.len(), 3);
        // A cursor Apple keeps refusing fails the run instead of looping.
        let twice = fault("/devices/sync", 400, Some("INVALID_CURSOR"), None, 1);
        let again = fault("/server/devices", 400, Some("INVALID_CURSOR"), None, 1);
        w.sim.admin().add_fault(&twice).await.unwrap();
        w.sim.admin().add_fault(&again).await.unwrap();
        let failed = w.run(&a).await;
        assert_eq!(failed.outcome, "failed", "{failed:?}");
        assert!(failed.error.unwrap().contains("INVALID_CURSOR"));
    })
    .await;
}

#[tokio::test]
async fn an_echoed_cursor_ends_the_run_with_a_warning() {
    each_backend(|w| async move {
        let a = w.entry("Echo").await;
        w.synced(&a).await;
        let new = w.assigned(&a, 3).await;
        let before = w.cursor(&a).await;
        w.sim
            .admin()
            .add_fault(&Fault::echo_cursor("/devices/sync", 5))
            .await
            .unwrap();
        let s = w.run(&a).await;
        assert_eq!(
            (s.outcome.as_str(), s.pages, s.added),
            ("warning", 1, 0),
            "{s:?}"
        );
        assert!(
            s.warning.as_deref().unwrap().contains("cursor") && s.error.is_none(),
            "{s:?}"
        );
        assert_eq!(w.cursor(&a).await, before, "the cursor is kept, not reset");
        let health = w.sync().health(a.id).await.unwrap();
        assert_eq!(health.last_error, s.warning);
        assert_eq!(health.last_run.unwrap().outcome, "warning");
        w.sim.admin().clear_faults().await.unwrap();
        // The next run continues from the same cursor and gets the changes.
        let next = w.synced(&a).await;
        assert_eq!(
            (next.phase.as_str(), next.added),
            ("sync", new.len() as u64)
        );
        assert!(w.sync().health(a.id).await.unwrap().last_error.is_none());
    })
    .await;
}

#[tokio::test]
async fn rate_limits_and_outages_are_retried_then_resumed() {
    each_backend(|w| async move {
        let a = w.entry("Throttled").await;
        w.synced(&a).await;
        w.assigned(&a, 2).await;
        for f in [
            fault("/devices/sync", 429, None, Some(7), 1),
            fault("/devices/sync", 503, None, Some(3), 1),
        ] {
            w.sim.admin().add_fault(&f).await.unwrap();
        }
        assert_eq!(w.synced(&a).await.added, 2);
        let delays = w.sleeper.delays();
        assert!(
            delays.contains(&Duration::from_secs(7)) && delays.contains(&Duration::from_secs(3)),
            "{delays:?}"
        );
        // An outage longer than the client's retries: the run fails, the cursor stays.
        w.assigned(&a, 1).await;
        let cursor = w.cursor(&a).await;
        w.sim
            .admin()
            .add_fault(&fault("/devices/sync", 503, None, None, 10))
            .await
            .unwrap();
        let failed = w.run(&a).await;
        assert_eq!(failed.outcome, "failed");
        assert!(
            failed
                .error
                .as_deref()
                .unwrap()
                .starts_with("/devices/sync: server: Apple answered HTTP 503"),
            "{failed:?}"
        );
        assert_eq!(w.cursor(&a).await, cursor);
        let view = w.server.state().abm.get(a.id).await.unwrap();
        assert_eq!(view.status, "active", "an outage is not a token problem");
        w.sim.admin().clear_faults().await.unwrap();
        assert_eq!(w.synced(&a).await.added, 1);
    })
    .await;
}

#[tokio::test]
async fn unsigned_terms_fail_the_run_and_pause_periodic_sync_until_accepted() {
    each_backend(|w| async move {
        let a = w.entry("Terms").await;
        w.synced(&a).await;
        w.sim.admin().set_terms_signed(false).await.unwrap();
        let s = w.run(&a).await;
        assert_eq!(s.outcome, "failed");
        assert!(
            s.error.as_deref().unwrap().contains("T_C_NOT_SIGNED"),
            "{s:?}"
        );
        assert_eq!(
            w.server.state().abm.get(a.id).await.unwrap().status,
            "terms_not_signed"
        );
        // Periodic ticks skip it.
        let runs = w.runs(&a).await.len();
        w.tick(SYNC_INTERVAL).await;
        assert_eq!(
            w.runs(&a).await.len(),
            runs,
            "no periodic run while terms are unsigned"
        );
        assert_eq!(w.sync().health(a.id).await.unwrap().next_run_at, None);
        // Accepted in ABM: within the hour cultivar notices and syncs again by itself.
        w.sim.admin().set_terms_signed(true).await.unwrap();
        let mut finished = w.sync().subscribe();
        w.clock.advance(time::Duration::minutes(55));
        let resumed = next_summary(&mut finished, a.id, Trigger::Periodic).await;
        assert_eq!(resumed.outcome, "success", "{resumed:?}");
        assert_eq!(
            w.server.state().abm.get(a.id).await.unwrap().status,
            "active"
        );
        assert!(w.sync().health(a.id).await.unwrap().next_run_at.is_some());
    })
    .await;
}

#[tokio::test]
async fn a_rejected_token_stops_syncing_until_a_new_one_is_uploaded() {
    each_backend(|w| async move {
        let a = w.entry("Revoked").await;
        w.synced(&a).await;
        w.sim.admin().expire_token(&a.sim_uuid).await.unwrap();
        let s = w.run(&a).await;
        assert_eq!(s.outcome, "failed");
        assert!(
            s.error
                .as_deref()
                .unwrap()
                .starts_with("/account: server token"),
            "{s:?}"
        );
        assert_eq!(
            w.server.state().abm.get(a.id).await.unwrap().status,
            "token_rejected"
        );
        let runs = w.runs(&a).await.len();
        w.tick(SYNC_INTERVAL).await;
        assert_eq!(w.runs(&a).await.len(), runs);
        // A new token: the next tick syncs again.
        w.upload_token(&a).await;
        w.assigned(&a, 2).await;
        let mut finished = w.sync().subscribe();
        w.clock.advance(SYNC_INTERVAL);
        let resumed = next_summary(&mut finished, a.id, Trigger::Periodic).await;
        assert_eq!(
            (resumed.outcome.as_str(), resumed.added),
            ("success", 2),
            "{resumed:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn an_expired_token_stops_syncing_until_a_new_one_is_uploaded() {
    each_backend(|w| async move {
        let a = w.entry("Expired").await;
        w.synced(&a).await;
        let runs = w.runs(&a).await.len();
        // A year on, for cultivar and for Apple: the token has expired.
        w.sim.admin().advance_clock(366 * 86_400).await.unwrap();
        w.tick(time::Duration::days(366)).await;
        assert_eq!(
            w.runs(&a).await.len(),
            runs,
            "no periodic run with an expired token"
        );
        assert_eq!(
            w.server.state().abm.get(a.id).await.unwrap().status,
            "expired"
        );
        assert_eq!(w.sync().health(a.id).await.unwrap().next_run_at, None);
        // Sync Now still asks Apple, which refuses the token.
        let s = w.run(&a).await;
        assert_eq!(s.outcome, "failed", "{s:?}");
        // A new token: syncing resumes with the next tick (a full fetch: the cursor expired too).
        w.upload_token(&a).await;
        let serials = w.assigned(&a, 2).await;
        let mut finished = w.sync().subscribe();
        w.clock.advance(SYNC_INTERVAL);
        let resumed = next_summary(&mut finished, a.id, Trigger::Periodic).await;
        assert_eq!(
            (resumed.outcome.as_str(), resumed.added),
            ("success", 2),
            "{resumed:?}"
        );
        assert_eq!(w.active_serials(&a).await.len(), serials.len());
    })
    .await;
}
