//! Automatic pushes after a change, and the 24-hour cooldown of a FAILED serial.

use cultivar_abm_sim::admin_types::{AssignResultRequest, InjectedResult};
use cultivar_core::ade::{device_os, Action, AdeService, WaitReason, FAILED_COOLDOWN};
use cultivar_core::clock::Clock;
use cultivar_store::{NewAdeProfile, PushResult};
use time::Duration;
use uuid::Uuid;

use crate::world::{each_backend, Entry, World};

pub fn ade(w: &World) -> &AdeService {
    &w.server.state().ade
}

/// Signals a change one second later (so the push is newer than the last sync) and waits for
/// the automatic push it triggers.
pub async fn changed_and_pushed(w: &World) {
    let mut pushes = ade(w).pushes();
    let before = *pushes.borrow_and_update();
    w.clock.advance(Duration::seconds(1));
    ade(w).changed();
    pushes.wait_for(|n| *n > before).await.unwrap();
}

/// Synced devices of `e`, and the OS of the first one with the serials sharing it.
pub async fn synced_devices(w: &World, e: &Entry) -> (String, Vec<String>, Vec<String>) {
    // Fixed OSes (the simulator's mix is random): four iPhones and two Macs.
    let mut serials = Vec::new();
    for (n, os) in [(4, "ios"), (2, "macos")] {
        let added = w.sim.admin().add_devices(n, Some(os)).await.unwrap();
        w.assign(e, &added.serials).await;
        serials.extend(added.serials);
    }
    let mut pushes = ade(w).pushes();
    w.synced(e).await;
    // The sync run triggers an automatic push (nothing to do yet).
    pushes.wait_for(|n| *n >= 1).await.unwrap();
    let mut by_os = Vec::new();
    for s in &serials {
        let d = w.store().abm_device(s).await.unwrap().unwrap();
        let os = device_os(d.data.os.as_deref(), d.data.device_family.as_deref()).unwrap();
        by_os.push((s.clone(), os.as_str().to_owned()));
    }
    let os = by_os[0].1.clone();
    let (same, other): (Vec<_>, Vec<_>) = by_os.into_iter().partition(|(_, o)| *o == os);
    let names = |v: Vec<(String, String)>| v.into_iter().map(|(s, _)| s).collect::<Vec<_>>();
    (os, names(same), names(other))
}

pub async fn os_default(w: &World, os: &str) -> Uuid {
    let new = NewAdeProfile {
        name: format!("default {os}"),
        os: os.to_owned(),
        description: String::new(),
        body: r#"{"profile_name":"Lab","org_magic":"1","is_mdm_removable":true}"#.to_owned(),
    };
    let profile = w.store().insert_ade_profile(&new).await.unwrap();
    w.store().set_os_default(os, profile.id).await.unwrap();
    profile.id
}

#[tokio::test]
pub async fn os_default_is_defined_and_assigned_to_devices_of_that_os() {
    each_backend(|w| async move {
        let e = w.entry("ade-default").await;
        let (os, same, other) = synced_devices(&w, &e).await;
        os_default(&w, &os).await;
        assert_eq!(ade(&w).plan().await.unwrap().len(), same.len());
        changed_and_pushed(&w).await;

        let profiles = w.sim.admin().profiles(&e.sim_uuid).await.unwrap();
        assert_eq!(profiles.len(), 1, "{profiles:?}");
        let mut got = profiles[0].serials.clone();
        got.sort();
        let mut want = same.clone();
        want.sort();
        assert_eq!(got, want, "devices of other OSes: {other:?}");
        assert_eq!(
            profiles[0].profile.url.as_deref(),
            Some(ade(&w).enrollment_url())
        );
        let x = ade(&w).explain(&same[0]).await.unwrap();
        assert_eq!(x.push_state.unwrap().last_result, PushResult::Success);
        assert_eq!(x.next_action, None, "a fresh SUCCESS settles the serial");
        assert!(ade(&w).plan().await.unwrap().is_empty());
        // Devices of other OSes are Unassigned, with their reason.
        let unassigned = ade(&w).unassigned().await.unwrap();
        assert_eq!(unassigned.len(), other.len(), "{unassigned:?}");
    })
    .await;
}

#[tokio::test]
async fn failed_serial_cools_down_for_24_hours_then_is_retried() {
    each_backend(|w| async move {
        let e = w.entry("ade-failed").await;
        let (os, same, _) = synced_devices(&w, &e).await;
        let bad = same[0].clone();
        let inject = AssignResultRequest {
            serials: vec![bad.clone()],
            result: InjectedResult::Failed,
            count: Some(1),
            retry_after_seconds: None,
        };
        w.sim.admin().add_assign_results(&inject).await.unwrap();
        os_default(&w, &os).await;
        changed_and_pushed(&w).await;

        let x = ade(&w).explain(&bad).await.unwrap();
        let state = x.push_state.clone().unwrap();
        assert_eq!(state.last_result, PushResult::Failed);
        // The store keeps microseconds.
        let near = |t: time::OffsetDateTime| {
            (t - (w.clock.now() + FAILED_COOLDOWN)).abs() < Duration::milliseconds(1)
        };
        assert!(state.retry_after.is_some_and(near), "{state:?}");
        assert!(
            matches!(x.next_action, Some(Action::Wait { reason: WaitReason::Failed, until, .. }) if near(until)),
            "{x:?}"
        );
        // Not retried before the cooldown ends.
        changed_and_pushed(&w).await;
        let state = ade(&w).explain(&bad).await.unwrap().push_state.unwrap();
        assert_eq!((state.last_result, state.attempts), (PushResult::Failed, 1));

        w.clock.advance(FAILED_COOLDOWN);
        changed_and_pushed(&w).await;
        let state = ade(&w).explain(&bad).await.unwrap().push_state.unwrap();
        assert_eq!(state.last_result, PushResult::Success);
        let profiles = w.sim.admin().profiles(&e.sim_uuid).await.unwrap();
        assert!(profiles[0].serials.contains(&bad), "{profiles:?}");
    })
    .await;
}
