//! Every resolution case through `/ade/explain` and `/ade/unassigned`: explicit, group,
//! conflicting groups, OS default, and each Unassigned reason the simulator can produce.

use cultivar_api_types::ade::ExplanationView;
use cultivar_client::AdminClient;
use cultivar_core::ade::{device_os, AdeOs};

use crate::kit::Fleet;
use crate::kit::{
    client, explain_synced, fleet, group, intended, profile, set, settled, sim_serials,
};
use crate::world::{each_backend, World};

fn rules(x: &ExplanationView) -> Vec<(String, String)> {
    x.steps
        .iter()
        .map(|s| (s.rule.clone(), s.result.clone()))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

async fn explain(c: &AdminClient, serial: &str) -> ExplanationView {
    c.ade_explain(serial).await.unwrap()
}

#[tokio::test]
async fn explicit_group_conflict_and_default_resolve_and_are_explained() {
    each_backend(|w| async move {
        let f = fleet(&w, "resolve", 4, 2).await;
        let c = client(&w);
        for name in ["Staff", "Lab", "Kiosk"] {
            profile(&c, name, "iOS").await;
        }
        c.ade_default_set("ios", "Staff").await.unwrap();
        c.device_profile_set(&f.ios[0], "Kiosk").await.unwrap();
        group(&c, "Lab devices", 10, Some("Lab"), &f.ios[1..3]).await;
        group(&c, "Sales", 5, Some("Kiosk"), &f.ios[2..3]).await;
        settled(&w).await;
        check_explicit_and_group(&w, &f).await;
        check_conflict(&c, &f.ios[2]).await;
        check_default_and_unassigned(&c, &f).await;
    })
    .await;
}

/// The explicit profile and a single group's profile, as Apple holds them.
async fn check_explicit_and_group(w: &World, f: &Fleet) {
    let c = client(w);
    // What Apple holds, per profile: exactly the serials each rule gives it.
    assert_eq!(sim_serials(w, &f.e, "Kiosk").await, set(&[&f.ios[0]]));
    assert_eq!(
        sim_serials(w, &f.e, "Lab").await,
        set(&[&f.ios[1], &f.ios[2]])
    );
    assert_eq!(sim_serials(w, &f.e, "Staff").await, set(&[&f.ios[3]]));

    let x = explain_synced(w, &f.e, &f.ios[0]).await;
    assert_eq!(
        (x.outcome.as_str(), intended(&x)),
        ("assigned", Some("Kiosk"))
    );
    assert_eq!(rules(&x), pairs(&[("device", "chosen")]), "{x:?}");
    assert!(x.summary.starts_with("In sync"), "{}", x.summary);
    assert_eq!(
        x.apple.profile.as_ref().map(|p| p.name.as_str()),
        Some("Kiosk")
    );
    assert_eq!(x.apple.profile_status.as_deref(), Some("assigned"));
    assert!(x.apple.profile_assign_time.is_some(), "{:?}", x.apple);
    assert_eq!(x.push.as_ref().map(|p| p.result.as_str()), Some("SUCCESS"));

    let x = explain(&c, &f.ios[1]).await;
    assert_eq!(intended(&x), Some("Lab"));
    let want = pairs(&[("device", "not_set"), ("group", "chosen")]);
    assert_eq!(rules(&x), want, "{x:?}");
    assert_eq!(x.group_conflict, None);
}

/// Two groups with different profiles: the higher priority wins, the conflict shows.
async fn check_conflict(c: &AdminClient, serial: &str) {
    let x = explain(c, serial).await;
    assert_eq!(intended(&x), Some("Lab"));
    let want = pairs(&[
        ("device", "not_set"),
        ("group", "chosen"),
        ("group", "outranked"),
    ]);
    assert_eq!(rules(&x), want, "{x:?}");
    let conflict = x.group_conflict.clone().unwrap();
    assert_eq!(conflict.winner.name, "Lab devices");
    let losers: Vec<&str> = conflict.losers.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(losers, ["Sales"]);
    assert!(
        conflict
            .message
            .contains("\"Lab devices\" (priority 10) wins"),
        "{conflict:?}"
    );
    assert!(
        x.steps[2].message.contains("ranks higher"),
        "{:?}",
        x.steps[2]
    );
}

/// The OS default for the last iPhone; the Macs, with no macOS default, are Unassigned.
async fn check_default_and_unassigned(c: &AdminClient, f: &Fleet) {
    let x = explain(c, &f.ios[3]).await;
    assert_eq!(intended(&x), Some("Staff"));
    let want = pairs(&[
        ("device", "not_set"),
        ("no_group_profile", "not_set"),
        ("os_default", "chosen"),
    ]);
    assert_eq!(rules(&x), want, "{x:?}");
    assert_eq!(x.steps[2].os.as_deref(), Some("iOS"));

    let x = explain(c, &f.mac[0]).await;
    assert_eq!((x.outcome.as_str(), intended(&x)), ("unassigned", None));
    let reason = x.unassigned_reason.clone().unwrap();
    assert_eq!(reason.code, "no_default_for_os");
    assert!(
        reason
            .message
            .contains("cultivar ade defaults set --os macOS PROFILE"),
        "{reason:?}"
    );
    let list = c.ade_unassigned(false).await.unwrap();
    let serials: Vec<&str> = list.devices.iter().map(|d| d.serial.as_str()).collect();
    let mut want: Vec<&str> = f.mac.iter().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(serials, want);
    // The OS as ABM reports it (a Mac may say `OSX`), and the model.
    let oses: Vec<_> = list
        .devices
        .iter()
        .map(|d| device_os(d.os.as_deref(), None))
        .collect();
    assert_eq!(oses, [Some(AdeOs::MacOs); 2], "{list:?}");
    assert!(list.devices.iter().all(|d| d.model.is_some()), "{list:?}");
    assert!(list.devices.iter().all(|d| d.abm_server_id == f.e.id));
    assert_eq!(list.by_reason.len(), 1);
    assert_eq!(
        (list.by_reason[0].code.as_str(), list.by_reason[0].count),
        ("no_default_for_os", 2)
    );
}

#[tokio::test]
async fn profile_for_another_os_and_removed_devices_are_unassigned_with_reasons() {
    each_backend(|w| async move {
        let f = fleet(&w, "reasons", 1, 2).await;
        let c = client(&w);
        profile(&c, "Phones", "iOS").await;
        // An iOS profile named for a Mac: skipped, and the reason names it.
        c.device_profile_set(&f.mac[0], "Phones").await.unwrap();
        settled(&w).await;
        let x = explain(&c, &f.mac[0]).await;
        assert_eq!(x.outcome, "unassigned");
        assert_eq!(x.steps[0].result, "profile_for_another_os", "{x:?}");
        let reason = x.unassigned_reason.clone().unwrap();
        assert_eq!(reason.code, "profile_for_another_os");
        assert!(reason.message.contains("\"Phones\" (iOS)"), "{reason:?}");
        assert!(reason.message.contains("macOS device"), "{reason:?}");

        // A device released in ABM: removed, listed only with include_removed.
        let r = w.sim.admin().release(&f.mac[1..2]).await.unwrap();
        assert!(r.errors.is_empty(), "{r:?}");
        w.synced(&f.e).await;
        settled(&w).await;
        let active = c.ade_unassigned(false).await.unwrap();
        let codes: Vec<(&str, &str)> = active
            .devices
            .iter()
            .map(|d| (d.serial.as_str(), d.reason.code.as_str()))
            .collect();
        let mut want = vec![
            (f.mac[0].as_str(), "profile_for_another_os"),
            (f.ios[0].as_str(), "no_default_for_os"),
        ];
        want.sort_unstable();
        assert_eq!(codes, want);
        let all = c.ade_unassigned(true).await.unwrap();
        let removed: Vec<_> = all
            .devices
            .iter()
            .filter(|d| d.reason.code == "device_removed")
            .collect();
        assert_eq!(removed.len(), 1, "{all:?}");
        assert_eq!(removed[0].serial, f.mac[1]);
        assert!(removed[0].reason.message.contains("Apple Business Manager"));
        assert_eq!(all.devices.len(), 3);
        let x = explain(&c, &f.mac[1]).await;
        assert_eq!(
            x.unassigned_reason.map(|r| r.code).as_deref(),
            Some("device_removed")
        );
        assert!(
            x.summary.contains("removed from its ABM server"),
            "{}",
            x.summary
        );
        // A serial ABM never reported is a 404.
        let err = c.ade_explain("NEVERSEEN0001").await.unwrap_err();
        assert!(
            matches!(err, cultivar_client::ClientError::Api { status: 404, .. }),
            "{err:?}"
        );
    })
    .await;
}
