//! Full fetch, incremental sync, moves, duplicates, batch sizes, restarts, Sync Now joining.

use crate::world::{counts, each_backend, World};
use cultivar_abm_sim::state::DevicePatch;
use cultivar_abm_sim::Fault;
use cultivar_core::sync::Trigger;

fn color(c: &str) -> DevicePatch {
    DevicePatch {
        color: Some(c.into()),
        ..DevicePatch::default()
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn full_fetch_then_incremental_sync() {
    each_backend(|w| async move {
        let a = w.entry("Main").await;
        w.set_batch(&a, 10).await;
        let serials = w.assigned(&a, 25).await;
        let first = w.synced(&a).await;
        assert_eq!(counts(&first), (3, 25, 0, 0), "{first:?}");
        assert_eq!(
            (first.phase.as_str(), first.trigger),
            ("fetch", Trigger::Manual)
        );
        assert_eq!(w.active_serials(&a).await, sorted(serials.clone()));
        // Changes in ABM: two new devices, one modified, one released.
        let new = w.assigned(&a, 2).await;
        let admin = w.sim.admin();
        admin
            .modify_device(&serials[0], &color("RED"))
            .await
            .unwrap();
        admin.release(&serials[1..2]).await.unwrap();
        let second = w.synced(&a).await;
        assert_eq!(counts(&second), (1, 2, 1, 1), "{second:?}");
        let modified = w.store().abm_device(&serials[0]).await.unwrap().unwrap();
        assert_eq!(modified.data.color.as_deref(), Some("RED"));
        assert_eq!(modified.last_op_type.as_deref(), Some("modified"));
        let released = w.store().abm_device(&serials[1]).await.unwrap().unwrap();
        assert!(released.removed_at.is_some(), "{released:?}");
        let mut expected: Vec<String> = serials.iter().chain(&new).cloned().collect();
        expected.retain(|s| *s != serials[1]);
        assert_eq!(w.active_serials(&a).await, sorted(expected));
        let sim = w.sim_devices(&a).await.into_iter().map(|d| d.serial_number);
        assert_eq!(w.active_serials(&a).await, sim.collect::<Vec<_>>());
    })
    .await;
}

#[tokio::test]
async fn history_and_health_show_the_runs() {
    each_backend(|w| async move {
        let a = w.entry("Healthy").await;
        w.assigned(&a, 3).await;
        w.synced(&a).await;
        // Nothing new: one empty page.
        let second = w.synced(&a).await;
        assert_eq!(counts(&second), (1, 0, 0, 0));
        let runs = w.runs(&a).await;
        assert_eq!(runs.len(), 2);
        assert_eq!((runs[1].added, runs[1].phase.as_str()), (3, "fetch"));
        let health = w.sync().health(a.id).await.unwrap();
        assert_eq!(health.phase.as_deref(), Some("sync"));
        assert!(
            health.last_success_at.is_some() && health.last_error.is_none(),
            "{health:?}"
        );
        assert_eq!(health.last_run.map(|r| r.id), Some(second.run_id));
        assert!(health.running.is_none() && w.sync().progress(a.id).is_none());
    })
    .await;
}

#[tokio::test]
async fn moved_devices_show_under_their_new_server_whatever_the_order() {
    each_backend(|w| async move {
        let (a, b) = (w.entry("A").await, w.entry("B").await);
        let serials = w.assigned(&a, 6).await;
        w.synced(&a).await;
        w.synced(&b).await;
        // The new server syncs first: it takes the devices over; A's late `deleted` is ignored.
        w.sim
            .admin()
            .move_devices(&serials[0..2], &b.sim_uuid)
            .await
            .unwrap();
        let on_b = w.synced(&b).await;
        assert_eq!((on_b.added, on_b.deleted), (2, 0));
        let on_a = w.synced(&a).await;
        assert_eq!((on_a.added, on_a.deleted), (0, 0), "{on_a:?}");
        // The old server syncs first: removed there, then back under the new one.
        w.sim
            .admin()
            .move_devices(&serials[2..3], &b.sim_uuid)
            .await
            .unwrap();
        assert_eq!(w.synced(&a).await.deleted, 1);
        assert_eq!(w.synced(&b).await.added, 1);
        assert_eq!(w.active_serials(&a).await, sorted(serials[3..].to_vec()));
        assert_eq!(w.active_serials(&b).await, sorted(serials[..3].to_vec()));
        let moved = w.store().abm_device(&serials[0]).await.unwrap().unwrap();
        assert_eq!((moved.abm_server_id, moved.removed_at), (b.id, None));
        // Released from B, then assigned to A again: it comes back, under A.
        w.sim.admin().release(&serials[0..1]).await.unwrap();
        assert_eq!(w.synced(&b).await.deleted, 1);
        assert_eq!(w.devices(&b, true).await.len(), 1);
        w.assign(&a, &serials[0..1]).await;
        assert_eq!(w.synced(&a).await.added, 1);
        let back = w.store().abm_device(&serials[0]).await.unwrap().unwrap();
        assert_eq!((back.abm_server_id, back.removed_at), (a.id, None));
        assert!(w.devices(&b, true).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn late_records_of_the_old_server_do_not_pull_a_moved_device_back() {
    each_backend(|w| async move {
        let (a, b) = (w.entry("New home").await, w.entry("Old home").await);
        w.synced(&a).await;
        w.synced(&b).await;
        // Assigned to B, then moved to A a second later; B has not synced either change yet.
        let x = w.new_devices(1).await;
        w.sim.admin().advance_clock(1).await.unwrap();
        w.assign(&b, &x).await;
        w.sim.admin().advance_clock(1).await.unwrap();
        w.sim.admin().move_devices(&x, &a.sim_uuid).await.unwrap();
        // A learns of it through a full fetch (no op_date), B through one record per page:
        // its old `added` arrives alone, before its `deleted`.
        let invalid = Fault {
            endpoint: "/devices/sync".into(),
            status: Some(400),
            code: Some("INVALID_CURSOR".into()),
            retry_after: None,
            count: 1,
            latency_ms: None,
        };
        w.sim.admin().add_fault(&invalid).await.unwrap();
        assert_eq!(w.synced(&a).await.added, 1);
        w.set_batch(&b, 1).await;
        let s = w.synced(&b).await;
        assert_eq!((s.pages, s.added, s.deleted), (2, 0, 0), "{s:?}");
        let device = w.store().abm_device(&x[0]).await.unwrap().unwrap();
        assert_eq!((device.abm_server_id, device.removed_at), (a.id, None));
    })
    .await;
}

#[tokio::test]
async fn duplicates_in_one_page_resolve_to_the_latest_record() {
    each_backend(|w| async move {
        let a = w.entry("Dup").await;
        w.synced(&a).await;
        let gone = w.assigned(&a, 1).await;
        let kept = w.assigned(&a, 1).await;
        // One second apart, so every record has its own op_date.
        for (serial, c) in [(&gone[0], "RED"), (&kept[0], "BLUE")] {
            w.sim.admin().advance_clock(1).await.unwrap();
            w.sim
                .admin()
                .modify_device(serial, &color(c))
                .await
                .unwrap();
        }
        w.sim.admin().advance_clock(1).await.unwrap();
        w.sim.admin().release(&gone).await.unwrap();
        // One page holds added+modified+deleted for one serial and added+modified for the other.
        let s = w.synced(&a).await;
        assert_eq!(
            (s.pages, s.added, s.modified, s.deleted),
            (1, 1, 0, 0),
            "{s:?}"
        );
        assert!(
            w.store().abm_device(&gone[0]).await.unwrap().is_none(),
            "added and released before cultivar saw it"
        );
        let device = w.store().abm_device(&kept[0]).await.unwrap().unwrap();
        assert_eq!(device.data.color.as_deref(), Some("BLUE"));
        assert_eq!(device.last_op_type.as_deref(), Some("modified"));
    })
    .await;
}

#[tokio::test]
async fn batch_size_sets_the_page_count() {
    each_backend(|w| async move {
        let a = w.entry("Paged").await;
        w.set_batch(&a, 7).await;
        let serials = w.assigned(&a, 20).await;
        assert_eq!(w.synced(&a).await.pages, 3);
        for s in &serials[..15] {
            w.sim
                .admin()
                .modify_device(s, &color("GOLD"))
                .await
                .unwrap();
        }
        let s = w.synced(&a).await;
        assert_eq!((s.pages, s.modified), (3, 15), "{s:?}");
        w.set_batch(&a, 1000).await;
        w.sim.admin().release(&serials).await.unwrap();
        let s = w.synced(&a).await;
        assert_eq!((s.pages, s.deleted), (1, 20), "{s:?}");
    })
    .await;
}

/// Lets `pages` fetch pages through, then fails for longer than the client retries.
async fn outage_after(w: &World, pages: u32) {
    let ok = Fault {
        endpoint: "/server/devices".into(),
        status: None,
        code: None,
        retry_after: None,
        count: pages,
        latency_ms: None,
    };
    let down = Fault {
        status: Some(503),
        count: 10,
        ..ok.clone()
    };
    w.sim.admin().add_fault(&ok).await.unwrap();
    w.sim.admin().add_fault(&down).await.unwrap();
}

#[tokio::test]
async fn a_restart_resumes_from_the_stored_cursor() {
    each_backend(|w| async move {
        let a = w.entry("Resume").await;
        w.set_batch(&a, 5).await;
        let serials = w.assigned(&a, 20).await;
        outage_after(&w, 2).await;
        let failed = w.run(&a).await;
        assert_eq!(
            (failed.outcome.as_str(), failed.pages, failed.added),
            ("failed", 2, 10)
        );
        assert!(
            failed.error.as_deref().unwrap_or("").contains("503"),
            "{failed:?}"
        );
        assert_eq!(
            w.sync().health(a.id).await.unwrap().last_error,
            failed.error
        );
        w.sim.admin().clear_faults().await.unwrap();
        // A new process continues the fetch where the committed pages ended.
        let rest = w.restarted().sync_now(a.id, Trigger::Manual).await.unwrap();
        assert_eq!(
            (rest.outcome.as_str(), rest.pages, rest.added),
            ("success", 2, 10)
        );
        assert_eq!(rest.modified, 0, "no device fetched twice");
        assert_eq!(w.active_serials(&a).await, sorted(serials.clone()));
        // And later runs only fetch what changed.
        let admin = w.sim.admin();
        admin
            .modify_device(&serials[3], &color("RED"))
            .await
            .unwrap();
        let again = w.restarted().sync_now(a.id, Trigger::Manual).await.unwrap();
        assert_eq!(again.phase, "sync");
        assert_eq!(counts(&again), (1, 0, 1, 0), "{again:?}");
    })
    .await;
}

#[tokio::test]
async fn sync_now_joins_the_running_run() {
    each_backend(|w: World| async move {
        let a = w.entry("Busy").await;
        w.assigned(&a, 3).await;
        // Apple is slow to answer, so the first run is still going when the others ask.
        let slow = Fault {
            endpoint: "/account".into(),
            status: None,
            code: None,
            retry_after: None,
            count: 1,
            latency_ms: Some(500),
        };
        w.sim.admin().add_fault(&slow).await.unwrap();
        let first = w.sync().start(a.id, Trigger::Manual).await.unwrap();
        let second = w.sync().start(a.id, Trigger::Manual).await.unwrap();
        assert!(!first.joined && second.joined);
        assert_eq!(first.run_id, second.run_id);
        let progress = w.sync().progress(a.id).unwrap();
        assert_eq!(
            (progress.run_id, progress.trigger),
            (first.run_id, Trigger::Manual)
        );
        let (x, y) = tokio::join!(
            w.sync().sync_now(a.id, Trigger::Manual),
            w.sync().wait(first.run_id)
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!(x, y);
        assert_eq!((x.run_id, x.added), (first.run_id, 3));
        assert_eq!(w.runs(&a).await.len(), 1, "one run for all three callers");
        // A finished run still answers, from memory and from the store alike.
        assert_eq!(w.restarted().wait(first.run_id).await.unwrap().added, 3);
    })
    .await;
}
