use super::{
    ade_profile::insert_profile, assert_conflict, assert_invalid, assert_not_found, found, must,
    unique,
};
use crate::{
    DeviceGroup, DeviceGroupUpdate, GroupKind, GroupMembership, MembersAdded, NewDeviceGroup, Store,
};

fn new_group(kind: GroupKind, os: Option<&str>) -> NewDeviceGroup {
    NewDeviceGroup {
        name: unique("group"),
        kind,
        os: os.map(str::to_owned),
        priority: 10,
        profile_id: None,
    }
}

async fn create(store: &dyn Store, new: &NewDeviceGroup) -> DeviceGroup {
    must(store.create_device_group(new).await, "create_device_group")
}

/// Groups round-trip and delete.
pub async fn device_group_round_trip(store: &dyn Store) {
    let profile = insert_profile(store, "iPadOS").await;
    let mut new = new_group(GroupKind::Os, Some("iPadOS"));
    new.profile_id = Some(profile.id);
    let g = create(store, &new).await;
    let got = (
        g.name.as_str(),
        g.kind,
        g.os.as_deref(),
        g.priority,
        g.profile_id,
    );
    let want = (
        new.name.as_str(),
        GroupKind::Os,
        Some("iPadOS"),
        10,
        Some(profile.id),
    );
    assert_eq!(got, want, "create_device_group must store the given fields");
    assert_eq!(found(store.device_group(g.id).await, "device_group"), g);
    let listed = must(store.list_device_groups().await, "list_device_groups");
    assert!(listed.contains(&g), "the listing includes the group");
    assert!(
        must(store.delete_device_group(g.id).await, "delete"),
        "delete: true"
    );
    assert!(
        !must(store.delete_device_group(g.id).await, "delete again"),
        "then false"
    );
    assert_eq!(must(store.device_group(g.id).await, "after delete"), None);
    let clear = DeviceGroupUpdate {
        profile_id: Some(None),
        ..Default::default()
    };
    assert_not_found(
        store.update_device_group(g.id, &clear).await,
        "update of a deleted group",
    );
}

/// Updates change what they name (name, priority, profile) and keep the rest.
pub async fn device_group_update(store: &dyn Store) {
    let profile = insert_profile(store, "iOS").await;
    let mut new = new_group(GroupKind::Static, None);
    new.profile_id = Some(profile.id);
    let g = create(store, &new).await;
    let rename = DeviceGroupUpdate {
        name: Some(unique("renamed")),
        priority: Some(-3),
        profile_id: None,
    };
    let renamed = must(store.update_device_group(g.id, &rename).await, "rename");
    let got = (
        Some(renamed.name.as_str()),
        renamed.priority,
        renamed.profile_id,
    );
    let want = (rename.name.as_deref(), -3, Some(profile.id));
    assert_eq!(
        got, want,
        "name and priority change; an absent profile_id keeps the profile"
    );
    assert!(
        renamed.updated_at >= g.updated_at,
        "updated_at moves forward"
    );
    let clear = DeviceGroupUpdate {
        profile_id: Some(None),
        ..Default::default()
    };
    let cleared = must(
        store.update_device_group(g.id, &clear).await,
        "clear profile",
    );
    assert_eq!(
        (cleared.profile_id, cleared.priority),
        (None, -3),
        "Some(None) clears"
    );
    let set = DeviceGroupUpdate {
        profile_id: Some(Some(profile.id)),
        ..Default::default()
    };
    let set = must(store.update_device_group(g.id, &set).await, "set profile");
    assert_eq!(
        (set.profile_id, set.name),
        (Some(profile.id), renamed.name),
        "profile set"
    );
}

/// Names are unique; OS groups need an OS, static groups have none; profiles must exist.
pub async fn device_group_rules(store: &dyn Store) {
    let g = create(store, &new_group(GroupKind::Static, None)).await;
    let mut same = new_group(GroupKind::Static, None);
    same.name = g.name.clone();
    assert_conflict(
        store.create_device_group(&same).await,
        "duplicate group name",
    );
    let other = create(store, &new_group(GroupKind::Static, None)).await;
    let taken = DeviceGroupUpdate {
        name: Some(g.name.clone()),
        ..Default::default()
    };
    assert_conflict(
        store.update_device_group(other.id, &taken).await,
        "rename to a taken name",
    );
    let blank = DeviceGroupUpdate {
        name: Some(String::new()),
        ..Default::default()
    };
    assert_invalid(
        store.update_device_group(other.id, &blank).await,
        "name",
        "empty rename",
    );
    let no_os = new_group(GroupKind::Os, None);
    assert_invalid(
        store.create_device_group(&no_os).await,
        "os",
        "OS group without OS",
    );
    let static_os = new_group(GroupKind::Static, Some("iOS"));
    assert_invalid(
        store.create_device_group(&static_os).await,
        "os",
        "static with OS",
    );
    let bad_os = new_group(GroupKind::Os, Some("Windows"));
    assert_invalid(store.create_device_group(&bad_os).await, "os", "unknown OS");
    let mut no_profile = new_group(GroupKind::Static, None);
    no_profile.profile_id = Some(uuid::Uuid::new_v4());
    assert_not_found(
        store.create_device_group(&no_profile).await,
        "unknown profile",
    );
}

/// Bulk adds report new and existing members (repeats count once); members page by serial.
pub async fn device_group_members(store: &dyn Store) {
    let g = create(store, &new_group(GroupKind::Static, None)).await;
    let tag = unique("M").to_ascii_uppercase();
    let s = |n: u32| format!("{tag}-{n}");
    let first = vec![s(1), s(2), s(1), s(3)];
    let added = must(store.add_group_members(g.id, &first).await, "add");
    assert_eq!(
        added,
        MembersAdded {
            added: 3,
            already: 0
        },
        "repeats count once"
    );
    let again = vec![s(3), s(4), s(4)];
    let added = must(store.add_group_members(g.id, &again).await, "add again");
    assert_eq!(
        added,
        MembersAdded {
            added: 1,
            already: 1
        },
        "existing members: already"
    );
    let page1 = must(store.list_group_members(g.id, None, 2).await, "page 1");
    assert_eq!(page1, vec![s(1), s(2)], "first page, by serial");
    let page2 = must(
        store.list_group_members(g.id, Some(&s(2)), 10).await,
        "page 2",
    );
    assert_eq!(page2, vec![s(3), s(4)], "next page after the last serial");
    let counted = must(store.count_group_members(g.id).await, "count");
    assert_eq!(counted, 4, "every distinct serial counted once");
    let removed = must(
        store.remove_group_members(g.id, &[s(1), s(9)]).await,
        "remove",
    );
    assert_eq!(removed, 1, "only members are removed");
    let left = must(
        store.list_group_members(g.id, None, 10).await,
        "after remove",
    );
    assert_eq!(left, vec![s(2), s(3), s(4)]);
    let counted = must(store.count_group_members(g.id).await, "count after remove");
    assert_eq!(counted, 3, "removed serials are not counted");
    assert_invalid(
        store.add_group_members(g.id, &[String::new()]).await,
        "serial_number",
        "empty",
    );
    let os = create(store, &new_group(GroupKind::Os, Some("macOS"))).await;
    assert_invalid(
        store.add_group_members(os.id, &[s(5)]).await,
        "group_id",
        "OS group",
    );
    let counted = must(store.count_group_members(os.id).await, "count OS group");
    assert_eq!(counted, 0, "an OS group lists no serials");
    let unknown = uuid::Uuid::new_v4();
    let counted = must(store.count_group_members(unknown).await, "count unknown");
    assert_eq!(counted, 0, "an unknown group counts 0");
    assert_not_found(
        store.add_group_members(unknown, &[s(5)]).await,
        "unknown group",
    );
}

/// `groups_for_serials` answers for many serials at once; deleting a group drops its members.
pub async fn device_group_memberships(store: &dyn Store) {
    let g1 = create(store, &new_group(GroupKind::Static, None)).await;
    let g2 = create(store, &new_group(GroupKind::Static, None)).await;
    let tag = unique("G").to_ascii_uppercase();
    let s = |n: u32| format!("{tag}-{n}");
    must(
        store.add_group_members(g1.id, &[s(2), s(4)]).await,
        "add to g1",
    );
    must(store.add_group_members(g2.id, &[s(2)]).await, "add to g2");
    let m = |serial: String, group_id| GroupMembership {
        serial_number: serial,
        group_id,
    };
    let mut expected = vec![m(s(2), g1.id), m(s(2), g2.id), m(s(4), g1.id)];
    expected.sort_by(|a, b| (&a.serial_number, a.group_id).cmp(&(&b.serial_number, b.group_id)));
    let asked = vec![s(2), s(4), s(9)];
    let got = must(store.groups_for_serials(&asked).await, "groups_for_serials");
    assert_eq!(
        got, expected,
        "every static membership of the serials, ordered"
    );
    let none = must(store.groups_for_serials(&[]).await, "no serials");
    assert!(none.is_empty(), "no serials, no memberships");
    must(store.delete_device_group(g2.id).await, "delete g2");
    let left = must(store.groups_for_serials(&[s(2)]).await, "after delete");
    assert_eq!(
        left,
        vec![m(s(2), g1.id)],
        "deleting a group deletes its memberships"
    );
}
