//! THROTTLED and NOT_ACCESSIBLE answers, a changed profile defined again and re-assigned to
//! its devices only (an explicit profile wins over the OS default), and a re-push after an
//! unassign in ABM.

use cultivar_abm_sim::admin_types::{AssignResultRequest, InjectedResult};
use cultivar_core::ade::{device_os, Action};
use cultivar_core::clock::Clock;
use cultivar_store::{NewAdeProfile, PushResult};
use time::Duration;

use crate::push::{ade, changed_and_pushed, os_default, synced_devices};
use crate::world::{each_backend, World};

async fn inject(w: &World, serial: &str, result: InjectedResult, retry: Option<u64>) {
    let req = AssignResultRequest {
        serials: vec![serial.to_owned()],
        result,
        count: Some(1),
        retry_after_seconds: retry,
    };
    w.sim.admin().add_assign_results(&req).await.unwrap();
}

#[tokio::test]
async fn throttled_waits_retry_after_seconds_and_not_accessible_is_not_retried() {
    each_backend(|w| async move {
        let e = w.entry("ade-throttled").await;
        let (os, same, _) = synced_devices(&w, &e).await;
        assert!(
            same.len() >= 2,
            "the simulator's mix gave one device of {os}"
        );
        inject(&w, &same[0], InjectedResult::Throttled, Some(120)).await;
        inject(&w, &same[1], InjectedResult::NotAccessible, None).await;
        os_default(&w, &os).await;
        changed_and_pushed(&w).await;

        let throttled = ade(&w).explain(&same[0]).await.unwrap();
        let state = throttled.push_state.clone().unwrap();
        assert_eq!(state.last_result, PushResult::Throttled);
        let wait = state.retry_after.unwrap() - w.clock.now();
        assert!((wait - Duration::seconds(120)).abs() < Duration::milliseconds(1));
        assert!(matches!(throttled.next_action, Some(Action::Wait { .. })));

        let gone = ade(&w).explain(&same[1]).await.unwrap();
        assert_eq!(
            gone.push_state.unwrap().last_result,
            PushResult::NotAccessible
        );
        assert_eq!(gone.next_action, None, "NOT_ACCESSIBLE waits for a move");

        w.clock.advance(Duration::seconds(121));
        changed_and_pushed(&w).await;
        let state = ade(&w).explain(&same[0]).await.unwrap().push_state.unwrap();
        assert_eq!(state.last_result, PushResult::Success);
        let state = ade(&w).explain(&same[1]).await.unwrap().push_state.unwrap();
        assert_eq!(
            (state.last_result, state.attempts),
            (PushResult::NotAccessible, 1)
        );
    })
    .await;
}

#[tokio::test]
async fn changed_profile_is_defined_again_for_its_devices_only() {
    each_backend(|w| async move {
        let e = w.entry("ade-revision").await;
        let (os, same, _) = synced_devices(&w, &e).await;
        assert!(same.len() >= 2, "the simulator's mix gave one device of {os}");
        let default = os_default(&w, &os).await;
        let explicit = NewAdeProfile {
            name: "explicit".into(),
            os: os.clone(),
            description: String::new(),
            body: r#"{"profile_name":"Explicit","org_magic":"1","is_mdm_removable":true}"#.into(),
        };
        let explicit = w.store().insert_ade_profile(&explicit).await.unwrap();
        w.store().set_device_profile(&same[0], explicit.id).await.unwrap();
        changed_and_pushed(&w).await;
        let profiles = w.sim.admin().profiles(&e.sim_uuid).await.unwrap();
        let holder = profiles.iter().find(|p| p.serials.contains(&same[0])).unwrap();
        assert_eq!(holder.profile.profile_name, "Explicit", "explicit wins");

        let mut body = w.store().ade_profile(default).await.unwrap().unwrap();
        body.description = "changed".into();
        let update = NewAdeProfile {
            name: body.name.clone(),
            os: body.os.clone(),
            description: body.description.clone(),
            body: body.body.clone(),
        };
        w.store().update_ade_profile(default, 1, &update).await.unwrap();
        let plan = ade(&w).plan().await.unwrap();
        assert_eq!(plan.len(), same.len() - 1, "{plan:?}");
        assert!(plan.iter().all(|a| matches!(a, Action::Assign { profile, apple_profile_uuid: None, .. } if *profile == default)));
        changed_and_pushed(&w).await;
        let profiles = w.sim.admin().profiles(&e.sim_uuid).await.unwrap();
        assert_eq!(profiles.len(), 3, "defined again: {profiles:?}");
    })
    .await;
}

#[tokio::test]
async fn device_unassigned_in_abm_is_pushed_again_after_sync() {
    each_backend(|w| async move {
        let e = w.entry("ade-unassign").await;
        let (os, same, _) = synced_devices(&w, &e).await;
        os_default(&w, &os).await;
        changed_and_pushed(&w).await;
        let serial = same[0].clone();
        w.sim
            .admin()
            .unassign_profiles(std::slice::from_ref(&serial))
            .await
            .unwrap();
        let profiles = w.sim.admin().profiles(&e.sim_uuid).await.unwrap();
        assert!(!profiles[0].serials.contains(&serial));

        let mut pushes = ade(&w).pushes();
        let before = *pushes.borrow_and_update();
        w.synced(&e).await;
        pushes.wait_for(|n| *n > before).await.unwrap();
        let d = w.store().abm_device(&serial).await.unwrap().unwrap();
        assert!(device_os(d.data.os.as_deref(), d.data.device_family.as_deref()).is_some());
        let profiles = w.sim.admin().profiles(&e.sim_uuid).await.unwrap();
        assert!(
            profiles[0].serials.contains(&serial),
            "pushed again: {profiles:?}"
        );
    })
    .await;
}
