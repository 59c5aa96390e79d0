//! The push certificate (one row: the certificate in force and a pending CSR key) and
//! channels' permanent push failures.

use super::mdm::enrolled;
use super::{assert_conflict, assert_invalid, at, found, must, unique};
use crate::{MdmPushActive, MdmPushPending, Store};

fn pending(tag: &str) -> MdmPushPending {
    MdmPushPending {
        key_sealed: tag.as_bytes().to_vec(),
        csr_pem: format!("-----BEGIN CERTIFICATE REQUEST-----\n{tag}\n"),
        created_at: at(1_700_000_000, 11),
    }
}

fn active(tag: &str) -> MdmPushActive {
    MdmPushActive {
        topic: format!("com.apple.mgmt.External.{tag}"),
        certificate_pem: format!("-----BEGIN CERTIFICATE-----\n{tag}\n"),
        private_key_sealed: format!("key-{tag}").into_bytes(),
        not_before: at(1_700_000_000, 0),
        not_after: at(1_731_536_000, 0),
        uploaded_at: at(1_700_000_100, 5),
    }
}

/// A CSR key waits beside the certificate in force; installing consumes exactly that key
/// (a stale one is a conflict that changes nothing); a plain install keeps the pending key.
pub async fn mdm_push_cert_pending_and_install(store: &dyn Store) {
    let before = must(store.mdm_push_cert().await, "push cert before");
    let p1 = pending(&unique("p1"));
    must(store.set_mdm_push_pending(&p1).await, "pending p1");
    let got = must(store.mdm_push_cert().await, "after pending");
    assert_eq!(got.pending.as_ref(), Some(&p1), "the pending key is stored");
    assert_eq!(
        got.active, before.active,
        "a CSR keeps the certificate in force"
    );
    let a1 = active(&unique("a1"));
    assert_conflict(
        store.install_mdm_push_cert(&a1, Some(b"stale-key")).await,
        "install against a stale pending key",
    );
    assert_eq!(must(store.mdm_push_cert().await, "after conflict"), got);
    must(
        store.install_mdm_push_cert(&a1, Some(&p1.key_sealed)).await,
        "install a1",
    );
    let got = must(store.mdm_push_cert().await, "after install");
    assert_eq!(
        got.active.as_ref(),
        Some(&a1),
        "the certificate is in force"
    );
    assert_eq!(got.pending, None, "the pending key was consumed");
    let p2 = pending(&unique("p2"));
    must(store.set_mdm_push_pending(&p2).await, "pending p2");
    let a2 = active(&unique("a2"));
    must(store.install_mdm_push_cert(&a2, None).await, "install a2");
    let got = must(store.mdm_push_cert().await, "after plain install");
    assert_eq!(got.active.as_ref(), Some(&a2));
    assert_eq!(
        got.pending.as_ref(),
        Some(&p2),
        "a plain install keeps the CSR"
    );
    let mut bad = active("x");
    bad.topic.clear();
    assert_invalid(
        store.install_mdm_push_cert(&bad, None).await,
        "topic",
        "empty topic",
    );
    let mut bad = pending("x");
    bad.key_sealed.clear();
    assert_invalid(
        store.set_mdm_push_pending(&bad).await,
        "key_sealed",
        "empty key",
    );
    assert_eq!(must(store.mdm_push_cert().await, "after refusals"), got);
}

/// A permanent push failure is kept on its channel until cleared.
pub async fn mdm_push_errors(store: &dyn Store) {
    let id = enrolled(store).await;
    assert_eq!(must(store.mdm_push_error(&id).await, "none yet"), None);
    let when = at(1_700_000_200, 3);
    assert!(must(
        store
            .set_mdm_push_error(&id, Some("Unregistered"), when)
            .await,
        "record"
    ));
    let got = found(store.mdm_push_error(&id).await, "read");
    assert_eq!(
        (got.enrollment_id.as_str(), got.reason.as_str()),
        (id.as_str(), "Unregistered")
    );
    assert_eq!(got.at, when);
    assert!(must(
        store.set_mdm_push_error(&id, None, when).await,
        "clear"
    ));
    assert_eq!(must(store.mdm_push_error(&id).await, "cleared"), None);
    let nobody = unique("nobody");
    assert!(!must(
        store
            .set_mdm_push_error(&nobody, Some("BadDeviceToken"), when)
            .await,
        "unknown channel"
    ));
}
