//! The guide's troubleshooting rows, each diagnosed from `explain` and `unassigned`:
//! "Device not enrolling — no ADE profile assigned", "Wrong profile applied" (the default
//! profile misconfigured) and "Devices stuck in Unassigned" (no matching default).

use cultivar_abm_sim::admin_types::{AssignResultRequest, InjectedResult};

use crate::kit::{client, explain_synced, fleet, intended, profile, set, settled, sim_serials};
use crate::world::each_backend;

#[tokio::test]
async fn device_not_enrolling_no_profile_assigned() {
    each_backend(|w| async move {
        let f = fleet(&w, "not-enrolling", 1, 0).await;
        let c = client(&w);
        profile(&c, "Phones", "iOS").await;
        settled(&w).await;
        // Diagnosis: Unassigned, because iOS has no default; the fix is named.
        let x = c.ade_explain(&f.ios[0]).await.unwrap();
        assert_eq!(x.outcome, "unassigned");
        assert_eq!(x.apple.profile_uuid, None, "Apple holds nothing");
        assert!(
            x.summary.contains("no iOS default")
                && x.summary
                    .contains("cultivar ade defaults set --os iOS PROFILE"),
            "{}",
            x.summary
        );
        let last = x.steps.last().unwrap();
        assert_eq!(
            (last.rule.as_str(), last.result.as_str()),
            ("os_default", "not_set")
        );
        // The fix works: with a default, Apple holds it.
        c.ade_default_set("iOS", "Phones").await.unwrap();
        settled(&w).await;
        let x = explain_synced(&w, &f.e, &f.ios[0]).await;
        assert_eq!(intended(&x), Some("Phones"));
        assert!(x.summary.starts_with("In sync"), "{}", x.summary);
    })
    .await;
}

#[tokio::test]
async fn wrong_profile_applied_names_the_rule_and_what_apple_holds() {
    each_backend(|w| async move {
        let f = fleet(&w, "wrong-profile", 1, 0).await;
        let c = client(&w);
        profile(&c, "Kiosk", "iOS").await;
        profile(&c, "Staff", "iOS").await;
        // The misconfiguration: the iOS default is the kiosk profile.
        c.ade_default_set("iOS", "Kiosk").await.unwrap();
        settled(&w).await;
        let x = explain_synced(&w, &f.e, &f.ios[0]).await;
        assert_eq!(
            x.apple.profile.as_ref().map(|p| p.name.as_str()),
            Some("Kiosk")
        );
        let chosen = x.steps.iter().find(|s| s.result == "chosen").unwrap();
        assert_eq!(
            (chosen.rule.as_str(), chosen.os.as_deref()),
            ("os_default", Some("iOS"))
        );
        assert!(
            chosen.message.contains("The iOS default gives \"Kiosk\""),
            "{chosen:?}"
        );

        // Fixing the default while Apple refuses the assign: explain shows the intent, what
        // Apple still holds, and why it has not changed yet.
        let inject = AssignResultRequest {
            serials: vec![f.ios[0].clone()],
            result: InjectedResult::Failed,
            count: Some(1),
            retry_after_seconds: None,
        };
        w.sim.admin().add_assign_results(&inject).await.unwrap();
        c.ade_default_set("iOS", "Staff").await.unwrap();
        settled(&w).await;
        let x = explain_synced(&w, &f.e, &f.ios[0]).await;
        assert_eq!(intended(&x), Some("Staff"));
        assert_eq!(
            x.apple.profile.as_ref().map(|p| p.name.as_str()),
            Some("Kiosk")
        );
        assert_eq!(x.push.as_ref().map(|p| p.result.as_str()), Some("FAILED"));
        let next = x.next_action.clone().unwrap();
        assert_eq!(
            (next.action.as_str(), next.wait_reason.as_deref()),
            ("wait", Some("failed"))
        );
        assert!(
            x.summary.contains("cultivar intends \"Staff\" (iOS)")
                && x.summary.contains("Apple holds profile \"Kiosk\" (iOS)")
                && x.summary.contains("24-hour cooldown"),
            "{}",
            x.summary
        );
        assert_eq!(sim_serials(&w, &f.e, "Staff").await, set(&[]));
    })
    .await;
}

#[tokio::test]
async fn devices_stuck_in_unassigned_no_matching_default() {
    each_backend(|w| async move {
        let f = fleet(&w, "stuck", 2, 2).await;
        let c = client(&w);
        // A default exists, but only for iOS: the Macs are stuck.
        profile(&c, "Phones", "iOS").await;
        c.ade_default_set("iOS", "Phones").await.unwrap();
        settled(&w).await;
        let list = c.ade_unassigned(false).await.unwrap();
        let mut want = f.mac.clone();
        want.sort();
        let got: Vec<String> = list.devices.iter().map(|d| d.serial.clone()).collect();
        assert_eq!(got, want);
        for d in &list.devices {
            assert_eq!(d.reason.code, "no_default_for_os");
            assert!(d.reason.message.contains("--os macOS"), "{d:?}");
            assert!(d.model.is_some(), "{d:?}");
        }
        let counts: Vec<(&str, u64)> = list
            .by_reason
            .iter()
            .map(|r| (r.code.as_str(), r.count))
            .collect();
        assert_eq!(counts, [("no_default_for_os", 2)]);
        // The fix: a macOS default empties the list and reaches Apple.
        profile(&c, "Macs", "macOS").await;
        c.ade_default_set("macos", "Macs").await.unwrap();
        settled(&w).await;
        assert!(c.ade_unassigned(false).await.unwrap().devices.is_empty());
        let macs = f.mac.iter().cloned().collect();
        assert_eq!(sim_serials(&w, &f.e, "Macs").await, macs);
    })
    .await;
}
