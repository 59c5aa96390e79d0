use super::{
    abm_device::{commit, deleted, fetched, full_device, target},
    ade_profile::insert_profile,
    assert_invalid, assert_not_found, at, found, must, unique,
};
use crate::{AdeOsDefault, Store};

/// Explicit device profiles: set, replace, read, page, clear.
pub async fn ade_device_profile_round_trip(store: &dyn Store) {
    let (p1, p2) = (
        insert_profile(store, "iOS").await,
        insert_profile(store, "iOS").await,
    );
    let tag = unique("A").to_ascii_uppercase();
    let s = |n: u32| format!("{tag}-{n}");
    let a1 = must(store.set_device_profile(&s(1), p1.id).await, "set");
    assert_eq!(
        (a1.serial_number.as_str(), a1.profile_id),
        (s(1).as_str(), p1.id)
    );
    let a1 = must(store.set_device_profile(&s(1), p2.id).await, "replace");
    assert_eq!(a1.profile_id, p2.id, "a second set replaces the profile");
    let a2 = must(store.set_device_profile(&s(2), p1.id).await, "set s2");
    assert_eq!(
        found(store.device_profile(&s(1)).await, "device_profile"),
        a1
    );
    let page = must(store.list_device_profiles(Some(&tag), 2).await, "list");
    assert_eq!(page, vec![a1, a2.clone()], "assignments page by serial");
    let next = must(
        store.list_device_profiles(Some(&s(1)), 1).await,
        "next page",
    );
    assert_eq!(next, vec![a2], "keyset: after the last serial");
    assert!(
        must(store.clear_device_profile(&s(1)).await, "clear"),
        "clear: true"
    );
    assert!(
        !must(store.clear_device_profile(&s(1)).await, "clear again"),
        "then false"
    );
    assert_eq!(must(store.device_profile(&s(1)).await, "after clear"), None);
    let unknown = uuid::Uuid::new_v4();
    assert_not_found(
        store.set_device_profile(&s(3), unknown).await,
        "unknown profile",
    );
    assert_invalid(
        store.set_device_profile("", p1.id).await,
        "serial_number",
        "empty serial",
    );
}

/// One default per OS, of a profile for that OS.
pub async fn ade_os_defaults_round_trip(store: &dyn Store) {
    let mac = insert_profile(store, "macOS").await;
    let ios = insert_profile(store, "iOS").await;
    let d = must(
        store.set_os_default("macOS", mac.id).await,
        "set_os_default",
    );
    assert_eq!((d.os.as_str(), d.profile_id), ("macOS", mac.id));
    assert_eq!(found(store.os_default("macOS").await, "os_default"), d);
    let listed: Vec<AdeOsDefault> = must(store.list_os_defaults().await, "list");
    assert!(listed.contains(&d), "the listing includes the default");
    assert!(
        listed.windows(2).all(|w| w[0].os < w[1].os),
        "one per OS, by OS"
    );
    assert_invalid(
        store.set_os_default("macOS", ios.id).await,
        "profile_id",
        "wrong OS",
    );
    assert_invalid(
        store.set_os_default("Linux", ios.id).await,
        "os",
        "unknown OS",
    );
    let unknown = uuid::Uuid::new_v4();
    assert_not_found(
        store.set_os_default("iOS", unknown).await,
        "unknown profile",
    );
    let mac2 = insert_profile(store, "macOS").await;
    let d2 = must(store.set_os_default("macOS", mac2.id).await, "replace");
    assert_eq!(d2.profile_id, mac2.id, "a second set replaces the default");
    assert!(
        must(store.clear_os_default("macOS").await, "clear"),
        "clear: true"
    );
    assert!(
        !must(store.clear_os_default("macOS").await, "clear again"),
        "then false"
    );
    assert_eq!(must(store.os_default("macOS").await, "after clear"), None);
}

/// The bulk read pages active devices with their explicit profile and skips removed ones.
pub async fn ade_devices_with_assignments(store: &dyn Store) {
    let t = target(store).await;
    let tag = unique("D").to_ascii_uppercase();
    let s = |n: u32| format!("{tag}-{n}");
    let changes: Vec<_> = (1..=4)
        .map(|n| fetched(full_device(&s(n), i64::from(n))))
        .collect();
    commit(store, t, &changes, "c1", at(1_700_000_000, 0)).await;
    let removal = [deleted(&s(3), Some(at(1_700_000_100, 0)))];
    commit(store, t, &removal, "c2", at(1_700_000_100, 0)).await;
    let p = insert_profile(store, "iOS").await;
    must(store.set_device_profile(&s(2), p.id).await, "set");

    let page = must(store.list_ade_devices(Some(&tag), 2).await, "page 1");
    let got: Vec<_> = page
        .iter()
        .map(|r| (r.device.data.serial_number.clone(), r.explicit_profile_id))
        .collect();
    assert_eq!(
        got,
        vec![(s(1), None), (s(2), Some(p.id))],
        "devices with assignments"
    );
    assert_eq!(
        page[0].device.data,
        full_device(&s(1), 1),
        "the full device record"
    );
    let page = must(store.list_ade_devices(Some(&s(2)), 2).await, "page 2");
    let serials: Vec<_> = page
        .iter()
        .map(|r| r.device.data.serial_number.clone())
        .collect();
    assert_eq!(serials[0], s(4), "removed devices are skipped");
}
