//! A synced fleet, an admin client, profiles made through the API, waiting for the automatic
//! push, and what the simulator assigned since a mark.

use std::collections::BTreeSet;
use std::time::Duration as StdDuration;

use cultivar_abm_proto::parse_time;
use cultivar_api_types::ade::{CreateGroup, ExplanationView, GroupView};
use cultivar_client::AdminClient;
use cultivar_core::ade::{device_os, Action, AdeService};
use cultivar_store::PushResult;
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::world::{Entry, World};

/// Longest wait for the automatic push to settle before the test fails (not a duration
/// assertion: a push that never comes would otherwise hang the test).
const SETTLE_LIMIT: StdDuration = StdDuration::from_secs(60);

pub fn ade(w: &World) -> &AdeService {
    &w.server.state().ade
}

/// An admin-key client of the test server.
pub fn client(w: &World) -> AdminClient {
    AdminClient::new(&w.server.url(), Some(w.server.admin_key().to_owned()))
}

/// An ABM entry with synced iPhones and Macs.
pub struct Fleet {
    pub e: Entry,
    pub ios: Vec<String>,
    pub mac: Vec<String>,
}

/// `ios` iPhones and `mac` Macs assigned to a new entry `name` and synced; the push that
/// follows the sync has run, and the clock has moved on so later pushes are newer.
pub async fn fleet(w: &World, name: &str, ios: u32, mac: u32) -> Fleet {
    let e = w.entry(name).await;
    let mut serials = Vec::new();
    for (n, os) in [(ios, "iOS"), (mac, "macOS")] {
        if n == 0 {
            serials.push(Vec::new());
            continue;
        }
        let added = w.sim.admin().add_devices(n, Some(os)).await.unwrap();
        w.assign(&e, &added.serials).await;
        serials.push(added.serials);
    }
    let mut pushes = ade(w).pushes();
    w.synced(&e).await;
    pushes.wait_for(|n| *n >= 1).await.unwrap();
    w.clock.advance(Duration::seconds(1));
    let mac = serials.pop().unwrap();
    let ios = serials.pop().unwrap();
    for (list, want) in [(&ios, "iOS"), (&mac, "macOS")] {
        for s in list {
            let d = w.store().abm_device(s).await.unwrap().unwrap();
            let os = device_os(d.data.os.as_deref(), d.data.device_family.as_deref());
            assert_eq!(os.map(|o| o.as_str()), Some(want), "{d:?}");
        }
    }
    Fleet { e, ios, mac }
}

/// A minimal valid profile body for `os`.
pub fn body(name: &str, os: &str) -> serde_json::Value {
    json!({"os": os, "profile_name": name, "org_magic": "1", "is_mdm_removable": true})
}

/// Creates a profile through the API; returns its name.
pub async fn profile(c: &AdminClient, name: &str, os: &str) -> String {
    let saved = c.ade_profile_create(&body(name, os)).await.unwrap();
    assert_eq!(saved.profile.name, name);
    saved.profile.name
}

/// Creates a static group with a priority, a profile and members, through the API.
pub async fn group(
    c: &AdminClient,
    name: &str,
    priority: i64,
    profile: Option<&str>,
    serials: &[String],
) -> GroupView {
    let req = CreateGroup {
        name: name.to_owned(),
        os: None,
        priority,
        profile: profile.map(str::to_owned),
    };
    c.group_create(&req).await.unwrap();
    if !serials.is_empty() {
        let added = c.group_add_members(name, serials).await.unwrap();
        assert_eq!(added.added, serials.len() as u64, "{added:?}");
    }
    c.group(name).await.unwrap()
}

/// True while the next push still has something to send (waiting serials do not count, nor
/// a removal already sent since the last sync: the plan repeats it until a sync shows it).
async fn pending(w: &World) -> bool {
    for action in ade(w).plan().await.unwrap() {
        match action {
            Action::Wait { .. } => {}
            Action::Remove { serial, .. } if removal_sent(w, &serial).await => {}
            _ => return true,
        }
    }
    false
}

async fn removal_sent(w: &World, serial: &str) -> bool {
    let state = w.store().ade_push_state(serial).await.unwrap();
    let device = w.store().abm_device(serial).await.unwrap().unwrap();
    state.is_some_and(|s| {
        s.profile_id.is_none()
            && s.last_result == PushResult::Success
            && s.last_attempt_at > device.updated_at
    })
}

/// Waits until the automatic pushes triggered by the API changes made so far have sent
/// everything there is to send. Never calls `changed()` itself: the API must have.
pub async fn settled(w: &World) {
    let mut pushes = ade(w).pushes();
    let wait = async {
        loop {
            pushes.borrow_and_update();
            if !pending(w).await {
                return;
            }
            pushes.changed().await.unwrap();
        }
    };
    tokio::time::timeout(SETTLE_LIMIT, wait)
        .await
        .expect("the automatic push did not settle the changes");
    // Later pushes are newer than this one (a push settles only what it sent after a sync).
    w.clock.advance(Duration::seconds(1));
}

/// A point on the simulator's clock after every assignment made so far.
pub async fn sim_mark(w: &World) -> OffsetDateTime {
    let clock = w.sim.admin().advance_clock(10).await.unwrap();
    parse_time(&clock.now).unwrap()
}

/// The serials of `e` the simulator assigned a profile to at or after `mark`.
pub async fn assigned_since(w: &World, e: &Entry, mark: OffsetDateTime) -> BTreeSet<String> {
    let devices = w.sim_devices(e).await;
    devices
        .into_iter()
        .filter(|d| {
            let at = d.profile_assign_time.as_deref().and_then(parse_time);
            at.is_some_and(|t| t >= mark)
        })
        .map(|d| d.serial_number)
        .collect()
}

/// The serials the simulator holds under the profile named `name` (by its `profile_name`).
pub async fn sim_serials(w: &World, e: &Entry, name: &str) -> BTreeSet<String> {
    let profiles = w.sim.admin().profiles(&e.sim_uuid).await.unwrap();
    profiles
        .into_iter()
        .filter(|p| p.profile.profile_name == name)
        .flat_map(|p| p.serials)
        .collect()
}

pub fn set(serials: &[&String]) -> BTreeSet<String> {
    serials.iter().map(|s| (*s).clone()).collect()
}

/// `explain` with a sync first, so Apple's record is current.
pub async fn explain_synced(w: &World, e: &Entry, serial: &str) -> ExplanationView {
    w.synced(e).await;
    settled(w).await;
    client(w).ade_explain(serial).await.unwrap()
}

/// The name of the profile `explain` says cultivar intends.
pub fn intended(x: &ExplanationView) -> Option<&str> {
    x.intended_profile.as_ref().map(|p| p.name.as_str())
}
