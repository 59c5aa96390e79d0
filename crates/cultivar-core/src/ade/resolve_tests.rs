//! Every resolution case and every Unassigned reason, plus the bulk resolver.

use std::collections::HashMap;

use cultivar_store::{AbmDevice, AbmDeviceData, AdeOsDefault, AdeProfile, DeviceGroup, GroupKind};
use time::OffsetDateTime;
use uuid::Uuid;

use super::*;

pub(super) fn device(serial: &str, os: Option<&str>, family: Option<&str>) -> AbmDevice {
    let mut data = AbmDeviceData::new(serial);
    data.os = os.map(str::to_owned);
    data.device_family = family.map(str::to_owned);
    AbmDevice {
        data,
        abm_server_id: Uuid::from_u128(77),
        last_op_type: None,
        last_op_date: None,
        removed_at: None,
        first_seen_at: OffsetDateTime::UNIX_EPOCH,
        updated_at: OffsetDateTime::UNIX_EPOCH,
    }
}

fn iphone(serial: &str) -> AbmDevice {
    device(serial, Some("iOS"), Some("iPhone"))
}

struct World {
    profiles: Profiles,
    defaults: Defaults,
}

impl World {
    fn new() -> Self {
        Self {
            profiles: HashMap::new(),
            defaults: HashMap::new(),
        }
    }

    fn profile(&mut self, name: &str, os: AdeOs) -> Uuid {
        let id = Uuid::new_v4();
        self.profiles.insert(
            id,
            ProfileRef {
                id,
                name: name.to_owned(),
                os,
            },
        );
        id
    }

    fn resolve(&self, d: &AbmDevice, explicit: Option<Uuid>, groups: &[&GroupRef]) -> Resolution {
        resolve(d, explicit, groups, &self.defaults, &self.profiles)
    }
}

fn group(name: &str, priority: i64, profile: Option<Uuid>) -> GroupRef {
    GroupRef {
        id: Uuid::new_v4(),
        name: name.to_owned(),
        priority,
        profile_id: profile,
    }
}

fn assigned(r: &Resolution) -> (Uuid, Rule) {
    match &r.outcome {
        Outcome::Assigned { profile, rule } => (*profile, rule.clone()),
        other => panic!("expected a profile, got {other:?}"),
    }
}

fn reason(r: &Resolution) -> UnassignedReason {
    match &r.outcome {
        Outcome::Unassigned(reason) => reason.clone(),
        other => panic!("expected Unassigned, got {other:?}"),
    }
}

fn results(r: &Resolution) -> Vec<StepResult> {
    r.steps.iter().map(|s| s.result.clone()).collect()
}

#[test]
fn the_explicit_device_profile_wins_over_groups_and_the_default() {
    let mut w = World::new();
    let mine = w.profile("mine", AdeOs::Ios);
    let grouped = w.profile("grouped", AdeOs::Ios);
    let default = w.profile("default", AdeOs::Ios);
    w.defaults.insert(AdeOs::Ios, default);
    let g = group("g", 1, Some(grouped));
    let r = w.resolve(&iphone("S1"), Some(mine), &[&g]);
    assert_eq!(assigned(&r), (mine, Rule::Device));
    assert_eq!(
        results(&r),
        vec![StepResult::Chosen],
        "the chain stops at the first match"
    );
    assert_eq!(r.profile(), Some(mine));
}

#[test]
fn a_group_profile_applies_when_there_is_no_explicit_one() {
    let mut w = World::new();
    let p = w.profile("grouped", AdeOs::Ios);
    let g = group("g", 1, Some(p));
    let r = w.resolve(&iphone("S1"), None, &[&g]);
    assert_eq!(assigned(&r).0, p);
    assert!(matches!(assigned(&r).1, Rule::Group { id, .. } if id == g.id));
    assert_eq!(results(&r), vec![StepResult::NotSet, StepResult::Chosen]);
    assert_eq!(r.group_conflict, None);
}

#[test]
fn conflicting_groups_the_highest_priority_wins_and_the_losers_are_reported() {
    let mut w = World::new();
    let (a, b, c) = (
        w.profile("a", AdeOs::Ios),
        w.profile("b", AdeOs::Ios),
        w.profile("c", AdeOs::Ios),
    );
    let low = group("low", 1, Some(a));
    let high = group("high", 9, Some(b));
    let same = group("same-as-winner", 5, Some(b));
    let mid = group("mid", 5, Some(c));
    let no_profile = group("plain", 100, None);
    let r = w.resolve(
        &iphone("S1"),
        None,
        &[&low, &mid, &no_profile, &high, &same],
    );
    assert_eq!(assigned(&r).0, b, "priority 9 wins");
    let conflict = r.group_conflict.clone().expect("a conflict");
    assert_eq!(conflict.winner, high);
    assert_eq!(
        conflict.losers,
        vec![mid, low],
        "losers with other profiles, best first"
    );
    let outranked = StepResult::Outranked { by_group: high.id };
    let expected = vec![
        StepResult::NotSet,
        StepResult::Chosen,
        outranked.clone(),
        outranked.clone(),
        outranked,
    ];
    assert_eq!(
        results(&r),
        expected,
        "groups without a profile are not steps"
    );
}

#[test]
fn ties_in_priority_are_broken_by_name_whatever_the_input_order() {
    let mut w = World::new();
    let (a, b) = (w.profile("a", AdeOs::Ios), w.profile("b", AdeOs::Ios));
    let alpha = group("alpha", 3, Some(a));
    let beta = group("beta", 3, Some(b));
    for order in [[&alpha, &beta], [&beta, &alpha]] {
        let r = w.resolve(&iphone("S1"), None, &order);
        assert_eq!(assigned(&r).0, a, "alpha sorts first");
        let losers = r.group_conflict.map(|c| c.losers);
        assert_eq!(losers, Some(vec![beta.clone()]));
    }
}

#[test]
fn the_os_default_applies_last() {
    let mut w = World::new();
    let d = w.profile("default", AdeOs::Ios);
    w.defaults.insert(AdeOs::Ios, d);
    let r = w.resolve(&iphone("S1"), None, &[]);
    assert_eq!(assigned(&r), (d, Rule::OsDefault(AdeOs::Ios)));
    let rules: Vec<Rule> = r.steps.iter().map(|s| s.rule.clone()).collect();
    assert_eq!(
        rules,
        vec![
            Rule::Device,
            Rule::NoGroupProfile,
            Rule::OsDefault(AdeOs::Ios)
        ]
    );
}

#[test]
fn a_profile_for_another_os_is_skipped_and_resolution_continues() {
    let mut w = World::new();
    let mac = w.profile("mac", AdeOs::MacOs);
    let ios = w.profile("ios", AdeOs::Ios);
    let g = group("g", 1, Some(ios));
    let r = w.resolve(&iphone("S1"), Some(mac), &[&g]);
    assert_eq!(assigned(&r).0, ios, "the group's profile applies");
    let skipped = StepResult::ProfileForAnotherOs {
        profile_os: AdeOs::MacOs,
        device_os: AdeOs::Ios,
    };
    assert_eq!(results(&r), vec![skipped, StepResult::Chosen]);
}

#[test]
fn unassigned_because_only_profiles_of_another_os_applied() {
    let mut w = World::new();
    let mac = w.profile("mac", AdeOs::MacOs);
    let tv = w.profile("tv", AdeOs::TvOs);
    let g = group("g", 1, Some(tv));
    let r = w.resolve(&iphone("S1"), Some(mac), &[&g]);
    let expected = UnassignedReason::ProfileForAnotherOs {
        profile: tv,
        profile_os: AdeOs::TvOs,
        device_os: AdeOs::Ios,
    };
    assert_eq!(reason(&r), expected, "the last skipped profile is named");
    assert_eq!(
        r.steps.len(),
        3,
        "explicit, group and default steps are all recorded"
    );
}

#[test]
fn unassigned_without_a_default_for_the_os() {
    let mut w = World::new();
    let mac = w.profile("mac", AdeOs::MacOs);
    w.defaults.insert(AdeOs::MacOs, mac);
    let r = w.resolve(&iphone("S1"), None, &[]);
    assert_eq!(reason(&r), UnassignedReason::NoDefaultForOs(AdeOs::Ios));
    assert_eq!(results(&r), vec![StepResult::NotSet; 3]);
}

#[test]
fn unassigned_when_the_device_was_removed_from_abm() {
    let mut w = World::new();
    let p = w.profile("p", AdeOs::Ios);
    let mut d = iphone("S1");
    d.removed_at = Some(OffsetDateTime::UNIX_EPOCH);
    let r = w.resolve(&d, Some(p), &[]);
    assert_eq!(reason(&r), UnassignedReason::DeviceRemoved);
}

#[test]
fn unassigned_when_the_os_is_missing_or_unknown() {
    let mut w = World::new();
    let p = w.profile("p", AdeOs::Ios);
    let r = w.resolve(&device("S1", None, None), Some(p), &[]);
    assert_eq!(reason(&r), UnassignedReason::UnknownOs { reported: None });
    let r = w.resolve(&device("S2", Some("watchOS"), Some("Watch")), Some(p), &[]);
    let expected = UnassignedReason::UnknownOs {
        reported: Some("watchOS".to_owned()),
    };
    assert_eq!(reason(&r), expected);
}

#[test]
fn a_missing_profile_is_recorded_and_skipped() {
    let mut w = World::new();
    let d = w.profile("default", AdeOs::Ios);
    w.defaults.insert(AdeOs::Ios, d);
    let gone = Uuid::new_v4();
    let r = w.resolve(&iphone("S1"), Some(gone), &[]);
    assert_eq!(assigned(&r).0, d);
    assert_eq!(r.steps[0].result, StepResult::ProfileNotFound);
}

#[test]
fn old_ipads_and_osx_macs_resolve_by_their_normalised_os() {
    let mut w = World::new();
    let ipad = w.profile("ipad", AdeOs::IpadOs);
    let mac = w.profile("mac", AdeOs::MacOs);
    w.defaults.insert(AdeOs::IpadOs, ipad);
    w.defaults.insert(AdeOs::MacOs, mac);
    let r = w.resolve(&device("S1", Some("iOS"), Some("iPad")), None, &[]);
    assert_eq!((assigned(&r).0, r.device_os), (ipad, Some(AdeOs::IpadOs)));
    let r = w.resolve(&device("S2", Some("OSX"), Some("Mac")), None, &[]);
    assert_eq!((assigned(&r).0, r.device_os), (mac, Some(AdeOs::MacOs)));
}

fn stored_profile(os: &str) -> AdeProfile {
    AdeProfile {
        id: Uuid::new_v4(),
        name: format!("{os}-profile"),
        os: os.to_owned(),
        description: String::new(),
        body: "{}".to_owned(),
        revision: 1,
        created_at: OffsetDateTime::UNIX_EPOCH,
        updated_at: OffsetDateTime::UNIX_EPOCH,
    }
}

fn stored_group(
    name: &str,
    kind: GroupKind,
    os: Option<&str>,
    priority: i64,
    profile: Uuid,
) -> DeviceGroup {
    DeviceGroup {
        id: Uuid::new_v4(),
        name: name.to_owned(),
        kind,
        os: os.map(str::to_owned),
        priority,
        profile_id: Some(profile),
        created_at: OffsetDateTime::UNIX_EPOCH,
        updated_at: OffsetDateTime::UNIX_EPOCH,
    }
}

/// Profiles iOS, iPadOS, macOS and "lab" (iOS); an iPadOS OS group, a static lab group of
/// priority 5; defaults for iOS and macOS (none for tvOS).
fn fleet() -> (Resolver, [Uuid; 4], Uuid) {
    let at = OffsetDateTime::UNIX_EPOCH;
    let profiles = [
        stored_profile("iOS"),
        stored_profile("iPadOS"),
        stored_profile("macOS"),
        stored_profile("iOS"),
    ];
    let [ios, ipad, mac, lab] = [0, 1, 2, 3].map(|i| profiles[i].id);
    let ipads = stored_group("ipads", GroupKind::Os, Some("iPadOS"), 1, ipad);
    let labs = stored_group("lab", GroupKind::Static, None, 5, lab);
    let lab_group = labs.id;
    let defaults = [
        AdeOsDefault {
            os: "iOS".into(),
            profile_id: ios,
            updated_at: at,
        },
        AdeOsDefault {
            os: "macOS".into(),
            profile_id: mac,
            updated_at: at,
        },
    ];
    let resolver = Resolver::new(&profiles, &[ipads, labs], &defaults);
    (resolver, [ios, ipad, mac, lab], lab_group)
}

#[test]
fn the_resolver_adds_os_groups_and_resolves_100k_devices_in_one_pass() {
    let (resolver, [ios, ipad, mac, lab], lab_group) = fleet();
    let kinds = [
        ("iOS", "iPhone"),
        ("iOS", "iPad"),
        ("OSX", "Mac"),
        ("tvOS", "AppleTV"),
    ];
    let mut counts: HashMap<Option<Uuid>, usize> = HashMap::new();
    for n in 0..100_000u32 {
        let (os, family) = kinds[n as usize % kinds.len()];
        let d = device(&format!("S{n:06}"), Some(os), Some(family));
        // Every 10th iPhone is in the static lab group.
        let statics = if n % 40 == 0 {
            vec![lab_group]
        } else {
            Vec::new()
        };
        *counts
            .entry(resolver.resolve(&d, None, &statics).profile())
            .or_default() += 1;
    }
    assert_eq!(counts.get(&Some(lab)), Some(&2_500), "static group members");
    assert_eq!(
        counts.get(&Some(ios)),
        Some(&22_500),
        "other iPhones: iOS default"
    );
    assert_eq!(
        counts.get(&Some(ipad)),
        Some(&25_000),
        "iPads: the iPadOS OS group"
    );
    assert_eq!(
        counts.get(&Some(mac)),
        Some(&25_000),
        "Macs: the macOS default"
    );
    assert_eq!(
        counts.get(&None),
        Some(&25_000),
        "Apple TVs: no tvOS default"
    );
}
