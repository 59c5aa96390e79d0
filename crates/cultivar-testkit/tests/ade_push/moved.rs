//! A device that moved to another ABM server: Apple answers NOT_ACCESSIBLE on the old one,
//! and once the new server's sync brings it, the profile is defined and assigned there.

use cultivar_core::ade::Action;
use cultivar_store::{GroupKind, NewDeviceGroup, PushResult};

use crate::push::{ade, changed_and_pushed, os_default, synced_devices};
use crate::world::each_backend;

#[tokio::test]
async fn moved_device_is_not_accessible_on_the_old_server_then_pushed_on_the_new() {
    each_backend(|w| async move {
        let a = w.entry("ade-old").await;
        let b = w.entry("ade-new").await;
        let (os, same, _) = synced_devices(&w, &a).await;
        let serial = same[0].clone();
        // Moved in ABM; cultivar has not synced the new server yet.
        w.assign(&b, std::slice::from_ref(&serial)).await;
        os_default(&w, &os).await;
        changed_and_pushed(&w).await;
        let x = ade(&w).explain(&serial).await.unwrap();
        let state = x.push_state.unwrap();
        assert_eq!(
            (state.abm_server_id, state.last_result),
            (a.id, PushResult::NotAccessible)
        );
        assert_eq!(x.next_action, None);

        let mut pushes = ade(&w).pushes();
        let before = *pushes.borrow_and_update();
        w.synced(&b).await;
        pushes.wait_for(|n| *n > before).await.unwrap();
        let state = ade(&w).explain(&serial).await.unwrap().push_state.unwrap();
        assert_eq!(
            (state.abm_server_id, state.last_result),
            (b.id, PushResult::Success)
        );
        let on_b = w.sim.admin().profiles(&b.sim_uuid).await.unwrap();
        assert_eq!(on_b.len(), 1, "defined on the new server: {on_b:?}");
        assert_eq!(on_b[0].serials, vec![serial]);
    })
    .await;
}

#[tokio::test]
async fn group_profile_wins_over_the_os_default() {
    each_backend(|w| async move {
        let e = w.entry("ade-group").await;
        let (os, same, _) = synced_devices(&w, &e).await;
        let default = os_default(&w, &os).await;
        let group_profile = w
            .store()
            .insert_ade_profile(&cultivar_store::NewAdeProfile {
                name: "group".into(),
                os: os.clone(),
                description: String::new(),
                body: r#"{"profile_name":"Group","org_magic":"1","is_mdm_removable":true}"#.into(),
            })
            .await
            .unwrap();
        let group = w
            .store()
            .create_device_group(&NewDeviceGroup {
                name: "lab".into(),
                kind: GroupKind::Static,
                os: None,
                priority: 10,
                profile_id: Some(group_profile.id),
            })
            .await
            .unwrap();
        w.store()
            .add_group_members(group.id, &same[..1])
            .await
            .unwrap();
        let plan = ade(&w).plan().await.unwrap();
        let profile_of = |s: &str| {
            plan.iter().find_map(|a| match a {
                Action::Assign {
                    serial, profile, ..
                } if serial == s => Some(*profile),
                _ => None,
            })
        };
        assert_eq!(profile_of(&same[0]), Some(group_profile.id));
        assert_eq!(profile_of(&same[1]), Some(default));
        changed_and_pushed(&w).await;
        let profiles = w.sim.admin().profiles(&e.sim_uuid).await.unwrap();
        let holder = profiles
            .iter()
            .find(|p| p.serials.contains(&same[0]))
            .unwrap();
        assert_eq!(holder.profile.profile_name, "Group");
    })
    .await;
}
