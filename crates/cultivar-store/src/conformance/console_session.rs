use time::OffsetDateTime;
use uuid::Uuid;

use super::{admin_user::insert_user, assert_conflict, assert_invalid, at, found, must, unique};
use crate::{ConsoleSession, Store};

fn session(user_id: Uuid, expires_at: OffsetDateTime) -> ConsoleSession {
    ConsoleSession {
        token_hash: unique("session"),
        user_id,
        csrf_token: unique("csrf"),
        created_at: at(1_700_000_000, 250),
        expires_at,
    }
}

/// Far enough ahead that [`console_session_expiry`] never deletes it.
fn far_future() -> OffsetDateTime {
    at(4_102_444_800, 999_999) // 2100-01-01
}

/// Sessions read back identically and go away on delete; deleting twice is fine.
pub async fn console_session_round_trip(store: &dyn Store) {
    let user = insert_user(store).await;
    let s = session(user.id, far_future());
    must(
        store.insert_console_session(&s).await,
        "insert_console_session",
    );
    let read = found(
        store.console_session(&s.token_hash).await,
        "console_session",
    );
    assert_eq!(read, s, "console_session must return the inserted record");
    must(
        store.delete_console_session(&s.token_hash).await,
        "delete_console_session",
    );
    let gone = must(store.console_session(&s.token_hash).await, "after delete");
    assert_eq!(gone, None, "a deleted session must be gone");
    let again = store.delete_console_session(&s.token_hash).await;
    must(again, "deleting a missing session must not be an error");
}

/// Token hashes are unique, and a session must belong to an existing user.
pub async fn console_session_rules(store: &dyn Store) {
    let user = insert_user(store).await;
    let s = session(user.id, far_future());
    must(
        store.insert_console_session(&s).await,
        "insert_console_session",
    );
    let mut dup = session(user.id, far_future());
    dup.token_hash = s.token_hash.clone();
    assert_conflict(
        store.insert_console_session(&dup).await,
        "duplicate token hash",
    );
    let orphan = session(Uuid::new_v4(), far_future());
    assert_invalid(
        store.insert_console_session(&orphan).await,
        "user_id",
        "unknown user",
    );
    let none = must(
        store.console_session(&orphan.token_hash).await,
        "orphan lookup",
    );
    assert_eq!(none, None, "a refused session must not be stored");
}

/// Sessions expiring at or before `now` are deleted and counted; later ones stay.
pub async fn console_session_expiry(store: &dyn Store) {
    let user = insert_user(store).await;
    // Instants long past, so the count is not disturbed by sessions of other cases.
    let now = at(1_000_000_000, 500);
    let before = session(user.id, at(1_000_000_000, 499));
    let exactly = session(user.id, now);
    let after = session(user.id, at(1_000_000_000, 501));
    for s in [&before, &exactly, &after] {
        must(
            store.insert_console_session(s).await,
            "insert_console_session",
        );
    }
    let removed = must(
        store.delete_expired_console_sessions(now).await,
        "delete_expired",
    );
    assert_eq!(
        removed, 2,
        "sessions with expires_at <= now must be deleted"
    );
    for gone in [&before, &exactly] {
        let read = must(
            store.console_session(&gone.token_hash).await,
            "expired lookup",
        );
        assert_eq!(read, None, "an expired session must be gone");
    }
    let kept = found(
        store.console_session(&after.token_hash).await,
        "live session",
    );
    assert_eq!(kept, after, "a session expiring after now must stay");
    let later = at(1_000_000_001, 0);
    let removed = must(
        store.delete_expired_console_sessions(later).await,
        "delete_expired",
    );
    assert_eq!(
        removed, 1,
        "the remaining session expires by the later instant"
    );
}
