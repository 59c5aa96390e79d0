use super::{assert_conflict, assert_invalid, assert_not_found, found, must, unique};
use crate::{AdminUser, NewAdminUser, Store};

fn new_user(email: &str) -> NewAdminUser {
    NewAdminUser {
        email: email.to_owned(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
    }
}

pub(super) async fn insert_user(store: &dyn Store) -> AdminUser {
    let email = format!("{}@example.com", unique("admin"));
    must(
        store.insert_admin_user(&new_user(&email)).await,
        "insert_admin_user",
    )
}

/// Users read back by id and by email in any case; the email is stored lower-case.
pub async fn admin_user_round_trip(store: &dyn Store) {
    let before = must(store.count_admin_users().await, "count_admin_users");
    let local = unique("Mixed.Case");
    let user = must(
        store
            .insert_admin_user(&new_user(&format!("{local}@Example.COM")))
            .await,
        "insert_admin_user",
    );
    let lower = format!("{}@example.com", local.to_lowercase());
    assert_eq!(
        user.email, lower,
        "insert_admin_user must lower-case the email"
    );
    let after = must(store.count_admin_users().await, "count_admin_users");
    assert_eq!(
        after,
        before + 1,
        "count_admin_users must count the new user"
    );

    let by_email = store.admin_user_by_email(&lower.to_uppercase()).await;
    assert_eq!(
        found(by_email, "admin_user_by_email"),
        user,
        "lookup by email ignores case"
    );
    let by_id = found(store.admin_user_by_id(user.id).await, "admin_user_by_id");
    assert_eq!(
        by_id, user,
        "admin_user_by_id must return the inserted record"
    );
    let none = must(
        store.admin_user_by_id(uuid::Uuid::new_v4()).await,
        "by missing id",
    );
    assert_eq!(none, None, "admin_user_by_id of an unknown id must be None");
    let none = must(
        store.admin_user_by_email("nobody@nowhere.invalid").await,
        "by email",
    );
    assert_eq!(
        none, None,
        "admin_user_by_email of an unknown email must be None"
    );
}

/// Emails are unique regardless of case; empty fields are refused.
pub async fn admin_user_rules(store: &dyn Store) {
    let user = insert_user(store).await;
    let shouting = new_user(&user.email.to_uppercase());
    assert_conflict(
        store.insert_admin_user(&shouting).await,
        "email differing only in case",
    );
    assert_invalid(
        store.insert_admin_user(&new_user("  ")).await,
        "email",
        "blank email",
    );
    let mut no_hash = new_user(&format!("{}@example.com", unique("x")));
    no_hash.password_hash.clear();
    assert_invalid(
        store.insert_admin_user(&no_hash).await,
        "password_hash",
        "empty hash",
    );
}

/// Password changes persist; changing a missing user's password is NotFound.
pub async fn admin_user_password(store: &dyn Store) {
    let user = insert_user(store).await;
    must(
        store.set_admin_password(user.id, "new-hash").await,
        "set_admin_password",
    );
    let read = found(
        store.admin_user_by_id(user.id).await,
        "after set_admin_password",
    );
    assert_eq!(
        read.password_hash, "new-hash",
        "set_admin_password must persist"
    );
    assert_eq!(
        read.email, user.email,
        "set_admin_password must not change the email"
    );
    let missing = store.set_admin_password(uuid::Uuid::new_v4(), "x").await;
    assert_not_found(missing, "set_admin_password of a missing user");
    assert_invalid(
        store.set_admin_password(user.id, "").await,
        "password_hash",
        "empty",
    );
}
