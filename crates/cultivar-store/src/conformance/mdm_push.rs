//! The push certificate (one row: the certificate in force and a pending CSR key) and
//! channels' permanent push failures.

use super::mdm::{enrolled, token_update};
use super::{assert_conflict, assert_invalid, at, found, must, unique};
use crate::{MdmPushActive, MdmPushFailure, MdmPushPending, Store};

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

/// Each push attempt is kept on its channel: a failure with its reason and kind, replaced by
/// the next failure and cleared by a delivery, which is remembered.
pub async fn mdm_push_errors(store: &dyn Store) {
    let id = enrolled(store).await;
    let fresh = found(store.mdm_push_state(&id).await, "fresh");
    assert_eq!(
        (fresh.attempted_at, fresh.delivered_at, fresh.error),
        (None, None, None)
    );
    let t1 = at(1_700_000_200, 3);
    assert!(must(
        store
            .record_mdm_push(&id, Some(&failure("Unregistered", true)), t1)
            .await,
        "record"
    ));
    let got = found(store.mdm_push_state(&id).await, "read");
    assert_eq!((got.attempted_at, got.delivered_at), (Some(t1), None));
    let error = got.error.expect("the failure is kept");
    assert_eq!(
        (error.enrollment_id.as_str(), error.reason.as_str()),
        (id.as_str(), "Unregistered")
    );
    assert_eq!((error.at, error.permanent), (t1, true));
    let t2 = at(1_700_000_300, 0);
    must(
        store
            .record_mdm_push(&id, Some(&failure("HTTP 503", false)), t2)
            .await,
        "transient",
    );
    let error = found(store.mdm_push_state(&id).await, "transient").error;
    assert_eq!(
        error.map(|e| (e.reason, e.at, e.permanent)),
        Some(("HTTP 503".to_owned(), t2, false)),
        "the later failure replaces the earlier"
    );
    let t3 = at(1_700_000_400, 7);
    assert!(must(
        store.record_mdm_push(&id, None, t3).await,
        "delivered"
    ));
    let got = found(store.mdm_push_state(&id).await, "delivered");
    assert_eq!(
        (got.attempted_at, got.delivered_at, got.error),
        (Some(t3), Some(t3), None)
    );
    assert_invalid(
        store
            .record_mdm_push(&id, Some(&failure("", true)), t3)
            .await,
        "reason",
        "empty reason",
    );
    let nobody = unique("nobody");
    assert!(!must(
        store
            .record_mdm_push(&nobody, Some(&failure("BadDeviceToken", true)), t1)
            .await,
        "unknown channel"
    ));
    assert_eq!(must(store.mdm_push_state(&nobody).await, "nobody"), None);
}

/// A TokenUpdate ends a permanent failure (the device re-registered, pushes may resume) but
/// not a transient one, and keeps the attempt and delivery times.
pub async fn mdm_push_error_cleared_by_token_update(store: &dyn Store) {
    let id = enrolled(store).await;
    let t1 = at(1_700_000_500, 0);
    must(store.record_mdm_push(&id, None, t1).await, "delivered");
    let t2 = at(1_700_000_600, 0);
    must(
        store
            .record_mdm_push(&id, Some(&failure("BadDeviceToken", true)), t2)
            .await,
        "permanent",
    );
    must(
        store.store_token_update(&token_update(&id, &id, 900)).await,
        "token update",
    );
    let got = found(store.mdm_push_state(&id).await, "after TokenUpdate");
    assert_eq!(
        (got.attempted_at, got.delivered_at, got.error),
        (Some(t2), Some(t1), None)
    );
    let t3 = at(1_700_000_700, 0);
    must(
        store
            .record_mdm_push(&id, Some(&failure("connection reset", false)), t3)
            .await,
        "transient",
    );
    must(
        store.store_token_update(&token_update(&id, &id, 900)).await,
        "token update",
    );
    let kept = found(store.mdm_push_state(&id).await, "transient kept").error;
    assert_eq!(
        kept.map(|e| (e.reason, e.permanent)),
        Some(("connection reset".to_owned(), false))
    );
}

fn failure(reason: &str, permanent: bool) -> MdmPushFailure {
    MdmPushFailure {
        reason: reason.to_owned(),
        permanent,
    }
}
