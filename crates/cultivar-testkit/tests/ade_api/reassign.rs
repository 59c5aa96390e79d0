//! Re-assignment after a profile, group or default change reaches exactly the devices the
//! change affects (counted on the simulator), and a cleared profile is removed in ABM.

use cultivar_api_types::ade::UpdateGroup;

use crate::kit::{
    assigned_since, body, client, explain_synced, fleet, group, profile, set, settled, sim_mark,
    sim_serials,
};
use crate::world::each_backend;

#[tokio::test]
async fn profile_group_and_default_changes_touch_only_the_affected_devices() {
    each_backend(|w| async move {
        let f = fleet(&w, "reassign", 5, 1).await;
        let c = client(&w);
        for name in ["Staff", "Lab", "Kiosk", "Staff 2"] {
            profile(&c, name, "iOS").await;
        }
        c.ade_default_set("iOS", "Staff").await.unwrap();
        c.device_profile_set(&f.ios[0], "Kiosk").await.unwrap();
        group(&c, "Lab devices", 10, Some("Lab"), &f.ios[1..2]).await;
        group(&c, "Carts", 1, None, &f.ios[2..3]).await;
        settled(&w).await;
        let defaulted = set(&[&f.ios[2], &f.ios[3], &f.ios[4]]);
        assert_eq!(sim_serials(&w, &f.e, "Staff").await, defaulted);

        // A changed profile is defined again and assigned to its devices only.
        let mark = sim_mark(&w).await;
        let mut lab = body("Lab", "iOS");
        lab["department"] = "Science".into();
        let saved = c.ade_profile_update("Lab", Some(1), &lab).await.unwrap();
        assert_eq!(saved.profile.revision, 2);
        settled(&w).await;
        assert_eq!(assigned_since(&w, &f.e, mark).await, set(&[&f.ios[1]]));
        let view = c.ade_profile("Lab").await.unwrap();
        assert_eq!(view.definitions.len(), 1, "{view:?}");
        assert_eq!(
            (view.definitions[0].revision, view.definitions[0].stale),
            (2, false)
        );

        // Adding a device to a group: only that device moves.
        let mark = sim_mark(&w).await;
        c.group_add_members("Lab devices", &f.ios[3..4])
            .await
            .unwrap();
        settled(&w).await;
        assert_eq!(assigned_since(&w, &f.e, mark).await, set(&[&f.ios[3]]));

        // Setting a group's profile: only its members.
        let mark = sim_mark(&w).await;
        c.group_set_profile("Carts", Some("Kiosk")).await.unwrap();
        settled(&w).await;
        assert_eq!(assigned_since(&w, &f.e, mark).await, set(&[&f.ios[2]]));

        // A priority change that changes no outcome sends nothing.
        let mark = sim_mark(&w).await;
        let update = UpdateGroup {
            name: None,
            priority: Some(20),
        };
        c.group_update("Lab devices", &update).await.unwrap();
        settled(&w).await;
        assert!(assigned_since(&w, &f.e, mark).await.is_empty());

        // A new default: only the devices that fall to it.
        let mark = sim_mark(&w).await;
        c.ade_default_set("iOS", "Staff 2").await.unwrap();
        settled(&w).await;
        assert_eq!(assigned_since(&w, &f.e, mark).await, set(&[&f.ios[4]]));
        assert_eq!(sim_serials(&w, &f.e, "Staff 2").await, set(&[&f.ios[4]]));

        // Before the next sync Apple's record lags: explain says the push is done, not "in sync".
        let x = c.ade_explain(&f.ios[4]).await.unwrap();
        assert!(x.next_action.is_none(), "{x:?}");
        assert!(
            x.summary.starts_with("Pushed:") && x.summary.contains("Staff 2"),
            "{}",
            x.summary
        );

        let x = explain_synced(&w, &f.e, &f.ios[4]).await;
        assert!(x.summary.starts_with("In sync"), "{}", x.summary);
        assert!(c.ade_plan().await.unwrap().actions.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_cleared_profile_is_removed_in_abm() {
    each_backend(|w| async move {
        let f = fleet(&w, "remove", 2, 0).await;
        let c = client(&w);
        profile(&c, "Only", "iOS").await;
        let set_view = c.device_profile_set(&f.ios[0], "Only").await.unwrap();
        assert!(set_view.known_to_abm);
        settled(&w).await;
        assert_eq!(sim_serials(&w, &f.e, "Only").await, set(&[&f.ios[0]]));
        // Apple's record must show the profile before cultivar may remove it.
        let x = explain_synced(&w, &f.e, &f.ios[0]).await;
        assert!(x.summary.starts_with("In sync"), "{}", x.summary);

        c.device_profile_clear(&f.ios[0]).await.unwrap();
        settled(&w).await;
        let sim = w.sim_devices(&f.e).await;
        let dev = sim.iter().find(|d| d.serial_number == f.ios[0]).unwrap();
        assert_eq!(dev.profile_status, "removed", "{dev:?}");
        assert_eq!(dev.profile_uuid, None);
        let other = sim.iter().find(|d| d.serial_number == f.ios[1]).unwrap();
        assert_eq!(other.profile_status, "empty", "{other:?}");
        let err = c.device_profile_clear(&f.ios[0]).await.unwrap_err();
        assert!(
            matches!(err, cultivar_client::ClientError::Api { status: 404, .. }),
            "{err:?}"
        );
    })
    .await;
}
