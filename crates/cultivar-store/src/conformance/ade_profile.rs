use super::{
    abm_server::insert_server, assert_conflict, assert_invalid, assert_not_found, at, found, must,
    unique,
};
use crate::{
    AdeProfile, AdeProfileDefinition, AdeProfileUsage, DeviceGroup, DeviceGroupUpdate, GroupKind,
    NewAdeProfile, NewDeviceGroup, Store,
};

pub(super) fn new_profile(name: &str, os: &str) -> NewAdeProfile {
    NewAdeProfile {
        name: name.to_owned(),
        os: os.to_owned(),
        description: "lab devices".to_owned(),
        // Key order and an unknown key must survive verbatim.
        body: format!(
            r#"{{"profile_name":"{name}","org_magic":"1","is_mdm_removable":true,"future_key":[1,{{"b":2,"a":1}}]}}"#
        ),
    }
}

pub(super) async fn insert_profile(store: &dyn Store, os: &str) -> AdeProfile {
    let new = new_profile(&unique("profile"), os);
    must(store.insert_ade_profile(&new).await, "insert_ade_profile")
}

/// Inserted profiles read back by id and name, verbatim, and appear in the listing.
pub async fn ade_profile_round_trip(store: &dyn Store) {
    let new = new_profile(&unique("profile"), "macOS");
    let p = must(store.insert_ade_profile(&new).await, "insert_ade_profile");
    assert_eq!(
        (
            p.name.as_str(),
            p.os.as_str(),
            p.description.as_str(),
            p.body.as_str()
        ),
        (new.name.as_str(), "macOS", "lab devices", new.body.as_str()),
        "insert_ade_profile must keep the fields, the body verbatim"
    );
    assert_eq!(p.revision, 1, "a new profile is at revision 1");
    assert_eq!(
        p.created_at, p.updated_at,
        "created_at = updated_at on insert"
    );
    assert_eq!(found(store.ade_profile(p.id).await, "ade_profile"), p);
    let by_name = found(
        store.ade_profile_by_name(&p.name).await,
        "ade_profile_by_name",
    );
    assert_eq!(by_name, p, "ade_profile_by_name must find the profile");
    let listed = must(store.list_ade_profiles().await, "list_ade_profiles");
    assert!(
        listed.contains(&p),
        "list_ade_profiles must include the new profile"
    );
    assert!(
        listed.windows(2).all(|w| w[0].name <= w[1].name),
        "list_ade_profiles must be ordered by name"
    );
    let missing = must(store.ade_profile(uuid::Uuid::new_v4()).await, "ade_profile");
    assert_eq!(missing, None, "an unknown id is None");
    let missing = must(store.ade_profile_by_name(&unique("none")).await, "by name");
    assert_eq!(missing, None, "an unknown name is None");
}

/// Names are unique; empty names, unknown OSes and non-object bodies are refused.
pub async fn ade_profile_rules(store: &dyn Store) {
    let p = insert_profile(store, "iOS").await;
    let same = new_profile(&p.name, "iOS");
    assert_conflict(
        store.insert_ade_profile(&same).await,
        "duplicate profile name",
    );
    let empty = new_profile(" ", "iOS");
    assert_invalid(store.insert_ade_profile(&empty).await, "name", "empty name");
    let bad_os = new_profile(&unique("profile"), "watchOS");
    assert_invalid(store.insert_ade_profile(&bad_os).await, "os", "unknown OS");
    let mut not_object = new_profile(&unique("profile"), "iOS");
    not_object.body = "[1, 2]".to_owned();
    assert_invalid(
        store.insert_ade_profile(&not_object).await,
        "body",
        "array body",
    );
    not_object.body = "{not json".to_owned();
    assert_invalid(
        store.insert_ade_profile(&not_object).await,
        "body",
        "broken body",
    );
    not_object.body = r#"{"profile_name":"x","url":"https://elsewhere/enroll"}"#.to_owned();
    assert_invalid(
        store.insert_ade_profile(&not_object).await,
        "body",
        "body with url",
    );
}

/// Updates bump the revision and are refused for a stale revision (optimistic locking).
pub async fn ade_profile_update_revisions(store: &dyn Store) {
    let p = insert_profile(store, "iOS").await;
    let mut change = new_profile(&unique("renamed"), "iPadOS");
    change.body = r#"{"profile_name":"x","org_magic":"2"}"#.to_owned();
    let updated = must(store.update_ade_profile(p.id, 1, &change).await, "update");
    assert_eq!(updated.revision, 2, "an update bumps the revision");
    assert_eq!(
        (
            updated.name.as_str(),
            updated.os.as_str(),
            updated.body.as_str()
        ),
        (change.name.as_str(), "iPadOS", change.body.as_str()),
        "an update replaces name, OS and body"
    );
    assert_eq!(updated.created_at, p.created_at, "created_at is kept");
    assert!(
        updated.updated_at >= p.updated_at,
        "updated_at moves forward"
    );
    assert_conflict(
        store.update_ade_profile(p.id, 1, &change).await,
        "update with a stale revision",
    );
    let read = found(store.ade_profile(p.id).await, "after stale update");
    assert_eq!(read, updated, "a refused update changes nothing");
    assert_not_found(
        store
            .update_ade_profile(uuid::Uuid::new_v4(), 1, &change)
            .await,
        "update of an unknown profile",
    );
    let other = insert_profile(store, "iOS").await;
    let taken = new_profile(&other.name, "iOS");
    assert_conflict(
        store.update_ade_profile(p.id, 2, &taken).await,
        "update to a taken name",
    );
    assert_invalid(
        store
            .update_ade_profile(p.id, 2, &new_profile(&p.name, "Android"))
            .await,
        "os",
        "update to an unknown OS",
    );
}

/// Points a device assignment, a group, the tvOS default and a definition at `p`; returns
/// the serial and the group.
async fn use_everywhere(store: &dyn Store, p: &AdeProfile) -> (String, DeviceGroup) {
    let serial = unique("SERIAL");
    must(
        store.set_device_profile(&serial, p.id).await,
        "set_device_profile",
    );
    let group = NewDeviceGroup {
        name: unique("group"),
        kind: GroupKind::Static,
        os: None,
        priority: 5,
        profile_id: Some(p.id),
    };
    let group = must(
        store.create_device_group(&group).await,
        "create_device_group",
    );
    must(store.set_os_default("tvOS", p.id).await, "set_os_default");
    let server = insert_server(store).await;
    let def = AdeProfileDefinition {
        profile_id: p.id,
        abm_server_id: server.id,
        apple_profile_uuid: unique("APPLE"),
        revision: 1,
        defined_at: at(1_700_000_000, 1),
    };
    must(
        store.put_ade_profile_definition(&def).await,
        "put definition",
    );
    (serial, group)
}

/// A profile in use is refused without force; usage counts each kind of reference.
pub async fn ade_profile_delete_in_use(store: &dyn Store) {
    let p = insert_profile(store, "tvOS").await;
    use_everywhere(store, &p).await;
    let usage = must(store.ade_profile_usage(p.id).await, "ade_profile_usage");
    let expected = AdeProfileUsage {
        devices: 1,
        groups: 1,
        defaults: 1,
    };
    assert_eq!(usage, expected, "usage must count each kind of reference");
    assert!(usage.in_use());
    assert_conflict(store.delete_ade_profile(p.id, false).await, "delete in use");
    assert!(
        must(store.ade_profile(p.id).await, "after refused delete").is_some(),
        "a refused delete must keep the profile"
    );
    let unused = insert_profile(store, "iOS").await;
    assert!(must(
        store.delete_ade_profile(unused.id, false).await,
        "delete unused"
    ));
    let usage = must(
        store.ade_profile_usage(unused.id).await,
        "usage of a deleted profile",
    );
    assert_eq!(
        usage,
        AdeProfileUsage::default(),
        "an unknown id has no usage"
    );
}

/// A forced delete clears every reference in the same transaction.
pub async fn ade_profile_force_delete(store: &dyn Store) {
    let p = insert_profile(store, "tvOS").await;
    let (serial, group) = use_everywhere(store, &p).await;
    assert!(must(
        store.delete_ade_profile(p.id, true).await,
        "force delete"
    ));
    assert_eq!(must(store.ade_profile(p.id).await, "after delete"), None);
    let assignment = must(store.device_profile(&serial).await, "device_profile");
    assert_eq!(assignment, None, "force delete clears device assignments");
    let read = found(store.device_group(group.id).await, "device_group");
    assert_eq!(read.profile_id, None, "force delete clears group profiles");
    assert_eq!(must(store.os_default("tvOS").await, "os_default"), None);
    let defs = must(
        store.list_ade_profile_definitions(p.id).await,
        "definitions",
    );
    assert!(defs.is_empty(), "definitions go with the profile");
    assert!(
        !must(store.delete_ade_profile(p.id, true).await, "delete again"),
        "deleting a missing profile returns false"
    );
    let update = DeviceGroupUpdate {
        profile_id: Some(Some(p.id)),
        ..Default::default()
    };
    assert_not_found(
        store.update_device_group(group.id, &update).await,
        "a deleted profile cannot be set",
    );
}

/// Definitions are per (profile, ABM server) and replaced when the profile is defined again.
pub async fn ade_profile_definitions(store: &dyn Store) {
    let p = insert_profile(store, "iOS").await;
    let (s1, s2) = (insert_server(store).await, insert_server(store).await);
    let missing = must(
        store.ade_profile_definition(p.id, s1.id).await,
        "definition",
    );
    assert_eq!(missing, None, "never defined: None");
    let mut d1 = AdeProfileDefinition {
        profile_id: p.id,
        abm_server_id: s1.id,
        apple_profile_uuid: unique("APPLE"),
        revision: 1,
        defined_at: at(1_700_000_000, 11),
    };
    let d2 = AdeProfileDefinition {
        abm_server_id: s2.id,
        apple_profile_uuid: unique("APPLE"),
        ..d1.clone()
    };
    must(store.put_ade_profile_definition(&d1).await, "put d1");
    must(store.put_ade_profile_definition(&d2).await, "put d2");
    d1.apple_profile_uuid = unique("APPLE");
    d1.revision = 2;
    d1.defined_at = at(1_700_000_500, 22);
    must(store.put_ade_profile_definition(&d1).await, "redefine d1");
    let read = found(store.ade_profile_definition(p.id, s1.id).await, "read d1");
    assert_eq!(read, d1, "a new definition replaces the old one");
    let mut expected = vec![d1.clone(), d2.clone()];
    expected.sort_by_key(|d| d.abm_server_id);
    let listed = must(store.list_ade_profile_definitions(p.id).await, "list");
    assert_eq!(
        listed, expected,
        "both servers' definitions, ordered by server"
    );
    let all = must(store.list_all_ade_profile_definitions().await, "list all");
    assert!(
        all.contains(&d1) && all.contains(&d2),
        "list_all includes both"
    );

    let unknown = AdeProfileDefinition {
        profile_id: uuid::Uuid::new_v4(),
        ..d1.clone()
    };
    assert_not_found(
        store.put_ade_profile_definition(&unknown).await,
        "unknown profile",
    );
    let no_uuid = AdeProfileDefinition {
        apple_profile_uuid: String::new(),
        ..d1
    };
    assert_invalid(
        store.put_ade_profile_definition(&no_uuid).await,
        "apple_profile_uuid",
        "empty Apple UUID",
    );
}
