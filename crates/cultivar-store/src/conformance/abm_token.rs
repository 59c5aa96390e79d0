use uuid::Uuid;

use super::{abm_server::insert_server, assert_invalid, assert_not_found, at, failed, found, must};
use crate::{AbmServer, Store, StoreError, TokenInstall};

const OTHER_KEY: &[u8] = &[1, 2, 3];

fn install(keypair: Option<(&[u8], &str)>, token: &[u8], clear_staging: bool) -> TokenInstall {
    TokenInstall {
        private_key_enc: keypair.map(|(k, _)| k.to_vec()),
        certificate_pem: keypair.map(|(_, c)| c.to_owned()),
        token_enc: token.to_vec(),
        consumer_key: format!("CK_{}", token.len()),
        token_expires_at: at(1_731_000_000, 1),
        uploaded_at: at(1_700_000_000, 2),
        clear_staging,
    }
}

async fn read(store: &dyn Store, id: Uuid) -> AbmServer {
    found(store.abm_server(id).await, "abm_server")
}

/// A renewal promotes the staging keypair, sets the token and clears staging at once.
pub async fn abm_token_install_promotes_staging(store: &dyn Store) {
    let server = insert_server(store).await;
    let (key, cert) = (vec![42u8; 64], "staging cert".to_owned());
    must(
        store.set_abm_staging_keypair(server.id, &key, &cert).await,
        "set staging",
    );
    let inst = install(Some((&key, &cert)), b"encrypted token", true);
    must(
        store.install_abm_token(server.id, &inst).await,
        "install_abm_token",
    );
    let after = read(store, server.id).await;
    assert_eq!(
        after.private_key_enc, key,
        "the staging key must become the current key"
    );
    assert_eq!(
        after.certificate_pem, cert,
        "the staging cert must become the current cert"
    );
    assert_eq!(after.staging_private_key_enc, None, "staging key cleared");
    assert_eq!(after.staging_certificate_pem, None, "staging cert cleared");
    assert_eq!(after.token_enc, Some(inst.token_enc), "token stored");
    assert_eq!(
        after.consumer_key,
        Some(inst.consumer_key),
        "consumer key stored"
    );
    assert_eq!(
        after.token_expires_at,
        Some(inst.token_expires_at),
        "expiry stored"
    );
    assert_eq!(
        after.token_uploaded_at,
        Some(inst.uploaded_at),
        "upload time stored"
    );
    assert_eq!(after.name, server.name, "name untouched");
}

/// A first install without a keypair keeps the current keypair and, unless asked, staging.
pub async fn abm_token_install_keeps_keypair(store: &dyn Store) {
    let server = insert_server(store).await;
    must(
        store.set_abm_staging_keypair(server.id, &[5, 5], "s").await,
        "set staging",
    );
    let inst = install(None, b"first token", false);
    must(
        store.install_abm_token(server.id, &inst).await,
        "install_abm_token",
    );
    let after = read(store, server.id).await;
    assert_eq!(
        after.private_key_enc, server.private_key_enc,
        "current key kept"
    );
    assert_eq!(
        after.certificate_pem, server.certificate_pem,
        "current cert kept"
    );
    assert_eq!(
        after.staging_private_key_enc,
        Some(vec![5, 5]),
        "staging kept"
    );
    assert_eq!(after.token_enc, Some(inst.token_enc), "token stored");
}

/// Failed installs (missing entry, half a keypair, empty token) change nothing, and the
/// previously installed token stays intact.
pub async fn abm_token_install_failures_leave_row_intact(store: &dyn Store) {
    let server = insert_server(store).await;
    let first = install(None, b"token one", false);
    must(
        store.install_abm_token(server.id, &first).await,
        "first install",
    );
    must(
        store
            .set_abm_staging_keypair(server.id, &[7; 8], "next")
            .await,
        "set staging",
    );
    let before = read(store, server.id).await;

    let r = store
        .install_abm_token(Uuid::new_v4(), &install(None, b"x", true))
        .await;
    assert_not_found(r, "install for a missing entry");

    let mut half = install(Some((OTHER_KEY, "cert")), b"token two", true);
    half.certificate_pem = None;
    let e = failed(
        store.install_abm_token(server.id, &half).await,
        "half keypair",
    );
    assert!(
        matches!(e, StoreError::Invalid { .. }),
        "half keypair: Invalid, got {e:?}"
    );
    assert_eq!(
        read(store, server.id).await,
        before,
        "half keypair must change nothing"
    );

    let empty = install(Some((OTHER_KEY, "cert")), b"", true);
    let r = store.install_abm_token(server.id, &empty).await;
    assert_invalid(r, "token_enc", "empty token");
    let mut no_ck = install(Some((OTHER_KEY, "cert")), b"token two", true);
    no_ck.consumer_key.clear();
    assert_invalid(
        store.install_abm_token(server.id, &no_ck).await,
        "consumer_key",
        "no CK",
    );

    let after = read(store, server.id).await;
    assert_eq!(
        after, before,
        "failed installs must leave the row exactly as it was"
    );
    assert_eq!(
        after.token_enc,
        Some(first.token_enc),
        "the previous token must be intact"
    );
}
