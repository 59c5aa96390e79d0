use uuid::Uuid;

use super::{assert_conflict, assert_invalid, assert_not_found, at, found, must, unique};
use crate::{AbmAccount, AbmServer, NewAbmServer, Store};

pub(super) fn new_server(name: &str) -> NewAbmServer {
    NewAbmServer {
        name: name.to_owned(),
        base_url: "https://mdmenrollment.apple.com".to_owned(),
        private_key_enc: vec![0, 1, 2, 254, 255],
        certificate_pem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into(),
        status: "awaiting_token".to_owned(),
    }
}

pub(super) async fn insert_server(store: &dyn Store) -> AbmServer {
    let new = new_server(&unique("abm"));
    must(store.insert_abm_server(&new).await, "insert_abm_server")
}

fn account() -> AbmAccount {
    AbmAccount {
        server_uuid: "9A7B1E3C-0000-4000-8000-000000000001".to_owned(),
        server_name: "cultivar test".to_owned(),
        org_name: "Example Org".to_owned(),
        org_email: Some("it@example.com".to_owned()),
        org_id: Some("1234567".to_owned()),
        admin_id: Some("admin@example.com".to_owned()),
        facilitator_id: None,
    }
}

/// Entries read back identically by id and in the name-ordered listing; unknown ids are None.
pub async fn abm_server_round_trip(store: &dyn Store) {
    let new = new_server(&unique("abm"));
    let server = must(store.insert_abm_server(&new).await, "insert_abm_server");
    assert_eq!(
        (
            &server.name,
            &server.base_url,
            &server.private_key_enc,
            &server.certificate_pem
        ),
        (
            &new.name,
            &new.base_url,
            &new.private_key_enc,
            &new.certificate_pem
        ),
        "insert_abm_server must store the given fields"
    );
    assert_eq!(
        server.status, new.status,
        "insert_abm_server must store the status"
    );
    assert_eq!(server.token_enc, None, "a new entry has no token");
    assert_eq!(server.account, None, "a new entry has no account");
    assert_eq!(
        server.created_at, server.updated_at,
        "new entry: updated_at = created_at"
    );
    let read = found(store.abm_server(server.id).await, "abm_server");
    assert_eq!(read, server, "abm_server must return the inserted record");
    let none = must(
        store.abm_server(Uuid::new_v4()).await,
        "abm_server of missing id",
    );
    assert_eq!(none, None, "abm_server of an unknown id must be None");

    let tag = unique("abm-order");
    for suffix in ["b", "a"] {
        let new = new_server(&format!("{tag}-{suffix}"));
        must(store.insert_abm_server(&new).await, "insert_abm_server");
    }
    let listed = must(store.list_abm_servers().await, "list_abm_servers");
    let ours: Vec<&str> = listed
        .iter()
        .filter(|s| s.name.starts_with(&tag))
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        ours,
        [format!("{tag}-a"), format!("{tag}-b")],
        "ordered by name"
    );
    assert!(
        listed.contains(&server),
        "list_abm_servers must include every entry"
    );
}

/// Names are unique; required fields are refused when empty.
pub async fn abm_server_rules(store: &dyn Store) {
    let server = insert_server(store).await;
    let dup = new_server(&server.name);
    assert_conflict(
        store.insert_abm_server(&dup).await,
        "duplicate abm server name",
    );
    let mut no_key = new_server(&unique("abm"));
    no_key.private_key_enc.clear();
    assert_invalid(
        store.insert_abm_server(&no_key).await,
        "private_key_enc",
        "empty key",
    );
    assert_invalid(
        store.insert_abm_server(&new_server("")).await,
        "name",
        "empty name",
    );
}

/// The staging keypair is stored and replaced; setting it on a missing entry is NotFound.
pub async fn abm_staging_keypair(store: &dyn Store) {
    let server = insert_server(store).await;
    for key in [vec![9u8, 8, 7], vec![6u8, 5]] {
        let cert = format!("staging cert {}", key.len());
        must(
            store.set_abm_staging_keypair(server.id, &key, &cert).await,
            "set staging",
        );
        let read = found(store.abm_server(server.id).await, "after set staging");
        assert_eq!(
            read.staging_private_key_enc,
            Some(key),
            "staging key stored"
        );
        assert_eq!(
            read.staging_certificate_pem,
            Some(cert),
            "staging cert stored"
        );
        assert_eq!(
            read.private_key_enc, server.private_key_enc,
            "current key untouched"
        );
        assert!(
            read.updated_at >= server.updated_at,
            "updated_at must not go back"
        );
    }
    let missing = store
        .set_abm_staging_keypair(Uuid::new_v4(), &[1], "c")
        .await;
    assert_not_found(missing, "set staging on a missing entry");
    let empty = store.set_abm_staging_keypair(server.id, &[], "c").await;
    assert_invalid(empty, "private_key_enc", "empty staging key");
}

/// Account checks set or clear the account; status updates leave it alone.
pub async fn abm_account_and_status(store: &dyn Store) {
    let server = insert_server(store).await;
    let checked = at(1_700_000_500, 42);
    let acct = account();
    let r = store
        .update_abm_account(server.id, Some(&acct), "ok", None, checked)
        .await;
    must(r, "update_abm_account");
    let read = found(store.abm_server(server.id).await, "after account");
    assert_eq!(read.account, Some(acct.clone()), "account stored");
    assert_eq!(
        (read.status.as_str(), read.status_detail),
        ("ok", None),
        "status stored"
    );
    assert_eq!(read.status_checked_at, Some(checked), "checked_at stored");

    let later = at(1_700_000_600, 0);
    let r = store
        .update_abm_status(server.id, "error", Some("HTTP 401"), later)
        .await;
    must(r, "update_abm_status");
    let read = found(store.abm_server(server.id).await, "after status");
    assert_eq!(
        read.account,
        Some(acct),
        "update_abm_status must keep the account"
    );
    assert_eq!(
        read.status_detail.as_deref(),
        Some("HTTP 401"),
        "detail stored"
    );
    assert_eq!(
        (read.status.as_str(), read.status_checked_at),
        ("error", Some(later))
    );

    let r = store
        .update_abm_account(server.id, None, "expired", Some("gone"), later)
        .await;
    must(r, "update_abm_account(None)");
    let read = found(store.abm_server(server.id).await, "after clearing account");
    assert_eq!(
        read.account, None,
        "update_abm_account(None) must clear the account"
    );

    let nobody = Uuid::new_v4();
    let r = store
        .update_abm_account(nobody, None, "ok", None, later)
        .await;
    assert_not_found(r, "update_abm_account on a missing entry");
    let r = store.update_abm_status(nobody, "ok", None, later).await;
    assert_not_found(r, "update_abm_status on a missing entry");
}

/// Delete reports whether the entry existed.
pub async fn abm_server_delete(store: &dyn Store) {
    let server = insert_server(store).await;
    assert!(
        must(store.delete_abm_server(server.id).await, "delete"),
        "first delete: true"
    );
    let none = must(store.abm_server(server.id).await, "after delete");
    assert_eq!(none, None, "a deleted entry must be gone");
    assert!(
        !must(store.delete_abm_server(server.id).await, "delete again"),
        "then false"
    );
}

/// The sync batch size defaults to 100 and accepts 1..=1000 only.
pub async fn abm_sync_batch_size(store: &dyn Store) {
    let server = insert_server(store).await;
    assert_eq!(server.sync_batch_size, 100, "default batch size");
    for n in [1, 1000, 250] {
        let r = store.set_abm_sync_batch_size(server.id, n).await;
        must(r, "set_abm_sync_batch_size");
        let read = found(store.abm_server(server.id).await, "after set");
        assert_eq!(read.sync_batch_size, n, "batch size stored");
    }
    for n in [0, 1001] {
        let r = store.set_abm_sync_batch_size(server.id, n).await;
        assert_invalid(r, "sync_batch_size", "out of range");
    }
    let read = found(store.abm_server(server.id).await, "after refusals");
    assert_eq!(read.sync_batch_size, 250, "refused sizes change nothing");
    let r = store.set_abm_sync_batch_size(Uuid::new_v4(), 10).await;
    assert_not_found(r, "set_abm_sync_batch_size on a missing entry");
}
