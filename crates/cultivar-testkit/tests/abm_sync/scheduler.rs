//! The scheduler: periodic runs on the injected clock, startup runs, and stopping cleanly.

use crate::world::{each_backend, next_summary, World};
use cultivar_abm_sim::state::DevicePatch;
use cultivar_abm_sim::Fault;
use cultivar_core::sync::{run_scheduler, Trigger, SYNC_INTERVAL};
use cultivar_store::{NewSyncRun, SyncPhase};

fn slow(endpoint: &str, ms: u64) -> Fault {
    Fault {
        endpoint: endpoint.into(),
        status: None,
        code: None,
        retry_after: None,
        count: 1,
        latency_ms: Some(ms),
    }
}

#[tokio::test]
async fn periodic_sync_runs_every_five_minutes() {
    each_backend(|w| async move {
        // Created after cultivar started: the next tick picks it up without a restart.
        let a = w.entry("Periodic").await;
        let serials = w.assigned(&a, 4).await;
        let mut finished = w.sync().subscribe();
        w.clock.advance(SYNC_INTERVAL);
        let first = next_summary(&mut finished, a.id, Trigger::Periodic).await;
        assert_eq!(
            (first.outcome.as_str(), first.added),
            ("success", 4),
            "{first:?}"
        );
        let health = w.sync().health(a.id).await.unwrap();
        let next = health.next_run_at.unwrap();
        assert_eq!(next - w.clock_now(), SYNC_INTERVAL);
        let patch = DevicePatch {
            asset_tag: Some("TAG-1".into()),
            ..DevicePatch::default()
        };
        w.sim
            .admin()
            .modify_device(&serials[0], &patch)
            .await
            .unwrap();
        w.clock.advance(SYNC_INTERVAL);
        let second = next_summary(&mut finished, a.id, Trigger::Periodic).await;
        assert_eq!(
            (second.phase.as_str(), second.modified),
            ("sync", 1),
            "{second:?}"
        );
        let device = w.store().abm_device(&serials[0]).await.unwrap().unwrap();
        assert_eq!(device.data.asset_tag.as_deref(), Some("TAG-1"));
        let triggers: Vec<String> = w.runs(&a).await.into_iter().map(|r| r.trigger).collect();
        assert_eq!(triggers, ["periodic", "periodic"]);
    })
    .await;
}

#[tokio::test]
async fn startup_fails_interrupted_runs_then_syncs_servers_with_a_token() {
    each_backend(|w| async move {
        let a = w.entry("Startup").await;
        w.assigned(&a, 2).await;
        let waiting = w
            .server
            .state()
            .abm
            .create_server("No token", Some(w.sim.url()), "test")
            .await
            .unwrap();
        // A run a crash left "running".
        let crashed = NewSyncRun {
            abm_server_id: a.id,
            trigger: "manual".into(),
            phase: SyncPhase::Fetch,
            started_at: w.clock_now(),
        };
        let crashed = w.store().insert_sync_run(&crashed).await.unwrap();
        let restarted = w.restarted();
        let mut finished = restarted.subscribe();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let scheduler = tokio::spawn(run_scheduler(restarted.clone(), async move {
            let _ = stopped.await;
        }));
        let s = next_summary(&mut finished, a.id, Trigger::Startup).await;
        assert_eq!((s.outcome.as_str(), s.added), ("success", 2), "{s:?}");
        let old = w.store().sync_run(crashed.id).await.unwrap().unwrap();
        assert_eq!(
            (old.outcome.as_str(), old.error.as_deref()),
            ("failed", Some("interrupted (cultivar stopped)"))
        );
        let no_token = w.store().list_sync_runs(waiting.server.id, 10, None);
        assert!(no_token.await.unwrap().is_empty(), "no run without a token");
        assert!(restarted.health(a.id).await.unwrap().next_run_at.is_some());
        stop.send(()).unwrap();
        scheduler.await.unwrap();
        assert_eq!(restarted.health(a.id).await.unwrap().next_run_at, None);
        assert!(
            restarted.start(a.id, Trigger::Manual).await.is_err(),
            "stopped: no new runs"
        );
    })
    .await;
}

#[tokio::test]
async fn stopping_interrupts_runs_in_flight_and_records_them() {
    each_backend(|w| async move {
        let a = w.entry("Stopping").await;
        w.sim
            .admin()
            .add_fault(&slow("/account", 30_000))
            .await
            .unwrap();
        let svc = w.restarted();
        let ticket = svc.start(a.id, Trigger::Manual).await.unwrap();
        svc.shutdown().await;
        let s = svc.wait(ticket.run_id).await.unwrap();
        assert_eq!(
            (s.outcome.as_str(), s.error.as_deref()),
            ("failed", Some("interrupted (cultivar is stopping)"))
        );
        let row = w.store().sync_run(ticket.run_id).await.unwrap().unwrap();
        assert_eq!(row.outcome, "failed");
        assert!(svc.start(a.id, Trigger::Manual).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn server_shutdown_stops_the_scheduler_and_its_runs() {
    each_backend(|w: World| async move {
        let a = w.entry("Serve").await;
        w.sim
            .admin()
            .add_fault(&slow("/account", 30_000))
            .await
            .unwrap();
        let sync = w.sync().clone();
        let ticket = sync.start(a.id, Trigger::Manual).await.unwrap();
        let World { server, sim, .. } = w;
        // Returns long before Apple would have answered: the run ends at once, recorded.
        server.shutdown().await;
        let s = sync.wait(ticket.run_id).await.unwrap();
        assert_eq!(s.outcome, "failed");
        assert!(s.error.unwrap().contains("stopping"));
        drop(sim);
    })
    .await;
}
