use super::{assert_conflict, assert_invalid, assert_not_found, at, found, must, unique};
use crate::{ApiKey, NewApiKey, Role, Store};

fn new_key(name: &str, role: Role) -> NewApiKey {
    NewApiKey {
        name: name.to_owned(),
        role,
        key_hash: unique("hash"),
        key_prefix: "cvk_abcd".to_owned(),
    }
}

async fn insert(store: &dyn Store, new: &NewApiKey) -> ApiKey {
    must(store.insert_api_key(new).await, "insert_api_key")
}

/// Inserted keys read back identically by hash and appear in the listing.
pub async fn api_key_round_trip(store: &dyn Store) {
    let new = new_key(&unique("key"), Role::ReadOnly);
    let key = insert(store, &new).await;
    assert_eq!(
        (
            key.name.as_str(),
            key.role,
            key.key_hash.as_str(),
            key.key_prefix.as_str()
        ),
        (
            new.name.as_str(),
            new.role,
            new.key_hash.as_str(),
            new.key_prefix.as_str()
        ),
        "insert_api_key must store the given fields"
    );
    assert!(
        key.id != uuid::Uuid::nil(),
        "insert_api_key must assign an id"
    );
    assert_eq!(
        (key.last_used_at, key.revoked_at),
        (None, None),
        "new key is unused, active"
    );
    let by_hash = found(
        store.api_key_by_hash(&new.key_hash).await,
        "api_key_by_hash",
    );
    assert_eq!(
        by_hash, key,
        "api_key_by_hash must return the inserted record"
    );
    let listed = must(store.list_api_keys().await, "list_api_keys");
    assert!(
        listed.contains(&key),
        "list_api_keys must include the new key"
    );
    let missing = must(
        store.api_key_by_hash(&unique("nohash")).await,
        "api_key_by_hash",
    );
    assert_eq!(
        missing, None,
        "api_key_by_hash of an unknown hash must be None"
    );
}

/// Names and hashes are unique; empty fields are refused.
pub async fn api_key_rules(store: &dyn Store) {
    let first = insert(store, &new_key(&unique("key"), Role::Admin)).await;
    let same_name = new_key(&first.name, Role::Admin);
    assert_conflict(
        store.insert_api_key(&same_name).await,
        "duplicate api key name",
    );
    let mut same_hash = new_key(&unique("key"), Role::Admin);
    same_hash.key_hash = first.key_hash.clone();
    assert_conflict(
        store.insert_api_key(&same_hash).await,
        "duplicate api key hash",
    );
    assert_invalid(
        store.insert_api_key(&new_key("", Role::Admin)).await,
        "name",
        "empty api key name",
    );
    let mut no_hash = new_key(&unique("key"), Role::Admin);
    no_hash.key_hash.clear();
    assert_invalid(
        store.insert_api_key(&no_hash).await,
        "key_hash",
        "empty key hash",
    );
}

/// Touch records use; revoke is one-shot and keeps the first revocation time.
pub async fn api_key_touch_and_revoke(store: &dyn Store) {
    let new = new_key(&unique("key"), Role::Admin);
    let key = insert(store, &new).await;
    let used = at(1_700_000_000, 123_456);
    must(store.touch_api_key(key.id, used).await, "touch_api_key");
    let read = found(store.api_key_by_hash(&new.key_hash).await, "after touch");
    assert_eq!(
        read.last_used_at,
        Some(used),
        "touch_api_key must set last_used_at"
    );
    let nobody = uuid::Uuid::new_v4();
    assert_not_found(
        store.touch_api_key(nobody, used).await,
        "touch of a missing key",
    );

    let revoked = at(1_700_000_100, 7);
    assert!(
        must(store.revoke_api_key(key.id, revoked).await, "revoke"),
        "first revoke: true"
    );
    let again = must(
        store.revoke_api_key(key.id, at(1_700_000_200, 0)).await,
        "revoke again",
    );
    assert!(!again, "revoking a revoked key must return false");
    let missing = must(
        store.revoke_api_key(nobody, revoked).await,
        "revoke missing",
    );
    assert!(!missing, "revoking a missing key must return false");
    let read = found(store.api_key_by_hash(&new.key_hash).await, "after revoke");
    assert_eq!(
        read.revoked_at,
        Some(revoked),
        "the first revocation time must be kept"
    );
    assert_eq!(
        read.last_used_at,
        Some(used),
        "revoke must not touch last_used_at"
    );
}

/// The listing is ordered by name.
pub async fn api_key_list_order(store: &dyn Store) {
    let tag = unique("order");
    for name in ["c", "a", "b"] {
        insert(store, &new_key(&format!("{tag}-{name}"), Role::ReadOnly)).await;
    }
    let listed = must(store.list_api_keys().await, "list_api_keys");
    let ours: Vec<&str> = listed
        .iter()
        .filter(|k| k.name.starts_with(&tag))
        .map(|k| k.name.rsplit('-').next().unwrap_or_default())
        .collect();
    assert_eq!(
        ours,
        ["a", "b", "c"],
        "list_api_keys must be ordered by name"
    );
}
