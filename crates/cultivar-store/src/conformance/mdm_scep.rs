//! SCEP one-time secrets (consumed once, never after expiry) and issued certificates.

use time::Duration;

use super::{assert_conflict, assert_invalid, at, found, must, unique};
use crate::{ChallengePurpose, MdmChallenge, MdmIssuedCert, Store};

fn challenge(purpose: ChallengePurpose, expires_in: i64) -> MdmChallenge {
    let created = at(1_800_000_000, 5);
    MdmChallenge {
        challenge_hash: unique("hash"),
        purpose,
        enrollment_ref: Some("profile".to_owned()),
        created_at: created,
        expires_at: created + Duration::seconds(expires_in),
        used_at: None,
    }
}

/// A challenge is consumed once; a second use, a wrong purpose or an expired one gets `None`
/// and changes nothing.
pub async fn mdm_challenge_consumed_once(store: &dyn Store) {
    let c = challenge(ChallengePurpose::Scep, 3600);
    must(store.insert_mdm_challenge(&c).await, "insert");
    assert_conflict(store.insert_mdm_challenge(&c).await, "same hash twice");
    let when = c.created_at + Duration::seconds(10);
    let wrong = store
        .consume_mdm_challenge(&c.challenge_hash, ChallengePurpose::EnrollLink, when)
        .await;
    assert_eq!(
        must(wrong, "wrong purpose"),
        None,
        "another purpose must not consume it"
    );
    let (a, b) = tokio::join!(
        store.consume_mdm_challenge(&c.challenge_hash, ChallengePurpose::Scep, when),
        store.consume_mdm_challenge(&c.challenge_hash, ChallengePurpose::Scep, when)
    );
    let winners = [must(a, "first"), must(b, "second")];
    let won: Vec<_> = winners.iter().flatten().collect();
    assert_eq!(won.len(), 1, "exactly one concurrent consumer wins");
    assert_eq!(won[0].used_at, Some(when), "used_at is the consume time");
    let later = store
        .consume_mdm_challenge(&c.challenge_hash, ChallengePurpose::Scep, when)
        .await;
    assert_eq!(must(later, "third"), None, "a used challenge stays used");
    let stored = found(store.mdm_challenge(&c.challenge_hash).await, "read back");
    assert_eq!(stored.used_at, Some(when));
    assert_eq!(stored.enrollment_ref.as_deref(), Some("profile"));
    expired_and_invalid_challenges(store).await;
}

/// An expired secret is refused and left unchanged; bad rows are refused.
async fn expired_and_invalid_challenges(store: &dyn Store) {
    let e = challenge(ChallengePurpose::EnrollLink, 60);
    must(store.insert_mdm_challenge(&e).await, "insert expiring");
    let after = e.expires_at + Duration::seconds(1);
    let expired = store
        .consume_mdm_challenge(&e.challenge_hash, ChallengePurpose::EnrollLink, after)
        .await;
    assert_eq!(
        must(expired, "expired"),
        None,
        "an expired secret is refused"
    );
    let unchanged = found(store.mdm_challenge(&e.challenge_hash).await, "expired row");
    assert_eq!(unchanged.used_at, None, "a refused consume changes nothing");
    let missing = store
        .consume_mdm_challenge(&unique("nope"), ChallengePurpose::Scep, after)
        .await;
    assert_eq!(must(missing, "unknown"), None);

    let mut backwards = challenge(ChallengePurpose::Scep, 0);
    backwards.challenge_hash = unique("b");
    assert_invalid(
        store.insert_mdm_challenge(&backwards).await,
        "expires_at",
        "no lifetime",
    );
    let mut empty = challenge(ChallengePurpose::Scep, 10);
    empty.challenge_hash.clear();
    assert_invalid(
        store.insert_mdm_challenge(&empty).await,
        "challenge_hash",
        "empty hash",
    );
}

/// Issued certificates are recorded once per serial and listed by expiry.
pub async fn mdm_issued_certs_tracked(store: &dyn Store) {
    let base = at(1_900_000_000, 0);
    let cert = |days: i64| MdmIssuedCert {
        serial: unique("serial"),
        subject: "CN=device".to_owned(),
        sha256: "ab".repeat(32),
        not_after: base + Duration::days(days),
        issued_at: base,
        challenge_hash: None,
    };
    let (soon, late) = (cert(1), cert(400));
    must(store.record_mdm_issued_cert(&late).await, "late");
    must(store.record_mdm_issued_cert(&soon).await, "soon");
    assert_conflict(store.record_mdm_issued_cert(&soon).await, "same serial");
    assert_eq!(
        found(store.mdm_issued_cert(&soon.serial).await, "get"),
        soon
    );
    let window = must(
        store
            .mdm_issued_certs_expiring(base + Duration::days(2), 10_000)
            .await,
        "expiring",
    );
    assert!(window.contains(&soon), "expiring soon is listed");
    assert!(
        !window.contains(&late),
        "a certificate valid past the window is not"
    );
    let mut blank = cert(1);
    blank.serial.clear();
    assert_invalid(
        store.record_mdm_issued_cert(&blank).await,
        "serial",
        "empty serial",
    );
}
