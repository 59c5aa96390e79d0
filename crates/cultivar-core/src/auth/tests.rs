#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use cultivar_store::{Role, Store};
use time::{Duration, OffsetDateTime};

use super::*;

async fn store() -> Arc<dyn Store> {
    cultivar_store::open("sqlite::memory:").await.unwrap()
}

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
}

#[test]
fn api_keys_have_the_documented_shape() {
    let key = generate_api_key();
    assert!(key.starts_with("cvk_"), "{key}");
    assert_eq!(key.len(), 47);
    assert!(looks_like_api_key(&key));
    assert_ne!(key, generate_api_key());
    assert!(!looks_like_api_key("cvk_short"));
    assert!(!looks_like_api_key(&key.replacen("cvk_", "xyz_", 1)));
    assert!(!looks_like_api_key(&format!("{}!", &key[..46])));
    assert_eq!(hash_token("abc").len(), 64);
}

#[tokio::test]
async fn created_key_authenticates_and_is_stored_hashed() {
    let store = store().await;
    let (plain, key) = create_api_key(&*store, "  ci  ", Role::ReadOnly)
        .await
        .unwrap();
    assert_eq!(key.name, "ci");
    assert_eq!(key.role, Role::ReadOnly);
    assert_eq!(key.key_hash, hash_token(&plain));
    assert_eq!(key.key_prefix, &plain[..12]);
    assert!(!key.key_hash.contains(&plain[4..]));

    let found = authenticate_api_key(&*store, &plain, t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, key.id);
    assert_eq!(found.last_used_at, Some(t0()));
    assert!(authenticate_api_key(&*store, &generate_api_key(), t0())
        .await
        .unwrap()
        .is_none());
    assert!(authenticate_api_key(&*store, "Bearer nonsense", t0())
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn last_used_is_touched_at_most_once_a_minute() {
    let store = store().await;
    let (plain, _) = create_api_key(&*store, "ci", Role::Admin).await.unwrap();
    authenticate_api_key(&*store, &plain, t0())
        .await
        .unwrap()
        .unwrap();
    let soon = authenticate_api_key(&*store, &plain, t0() + Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        soon.last_used_at,
        Some(t0()),
        "not rewritten within a minute"
    );
    let later = t0() + Duration::seconds(61);
    authenticate_api_key(&*store, &plain, later)
        .await
        .unwrap()
        .unwrap();
    let listed = store.list_api_keys().await.unwrap();
    assert_eq!(listed[0].last_used_at, Some(later));
}

#[tokio::test]
async fn revoked_keys_do_not_authenticate() {
    let store = store().await;
    let (plain, key) = create_api_key(&*store, "old", Role::Admin).await.unwrap();
    assert!(store.revoke_api_key(key.id, t0()).await.unwrap());
    assert!(authenticate_api_key(&*store, &plain, t0())
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn key_names_are_validated() {
    let store = store().await;
    for bad in ["", "   ", &"x".repeat(101), "a\nb"] {
        let err = create_api_key(&*store, bad, Role::Admin).await.unwrap_err();
        assert!(err.to_string().starts_with("name: "), "{err}");
    }
}

#[test]
fn emails_are_validated_and_normalised() {
    assert_eq!(
        validate_email("  Admin@Example.COM ").unwrap(),
        "admin@example.com"
    );
    for bad in [
        "",
        "admin",
        "@example.com",
        "admin@",
        "admin@localhost",
        "a b@example.com",
        "a@b@example.com",
        "a@example..com",
    ] {
        let err = validate_email(bad).unwrap_err().to_string();
        assert_eq!(err, "email: must look like name@example.com", "{bad:?}");
    }
}

#[test]
fn passwords_need_twelve_characters() {
    let err = validate_password("short").unwrap_err().to_string();
    assert_eq!(err, "password: must be at least 12 characters");
    validate_password("correct horse").unwrap();
    assert!(validate_password(&"x".repeat(2000)).is_err());
}

#[test]
fn argon2id_hashes_verify() {
    let hash = hash_password("correct horse battery").unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(verify_password(&hash, "correct horse battery"));
    assert!(!verify_password(&hash, "correct horse battery!"));
    assert!(!verify_password("not-a-hash", "correct horse battery"));
    assert_ne!(
        hash,
        hash_password("correct horse battery").unwrap(),
        "salted"
    );
}

#[tokio::test]
async fn login_opens_a_session_and_logout_ends_it() {
    let store = store().await;
    let user = create_admin_user(&*store, "Admin@Example.com", "correct horse battery")
        .await
        .unwrap();
    assert_eq!(user.email, "admin@example.com");
    let ttl = Duration::hours(12);

    assert!(
        login(&*store, "admin@example.com", "wrong password!!", t0(), ttl)
            .await
            .unwrap()
            .is_none()
    );
    assert!(login(
        &*store,
        "nobody@example.com",
        "correct horse battery",
        t0(),
        ttl
    )
    .await
    .unwrap()
    .is_none());
    assert!(
        login(&*store, "not an email", "correct horse battery", t0(), ttl)
            .await
            .unwrap()
            .is_none()
    );

    let (who, grant) = login(
        &*store,
        "ADMIN@example.com",
        "correct horse battery",
        t0(),
        ttl,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(who.id, user.id);
    assert_eq!(grant.session.expires_at, t0() + ttl);
    assert_eq!(grant.session.token_hash, hash_token(&grant.token));
    assert_ne!(grant.session.csrf_token, grant.token);

    let live = session_for_token(&*store, &grant.token, t0() + Duration::hours(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.user_id, user.id);
    end_session(&*store, &grant.token).await.unwrap();
    assert!(session_for_token(&*store, &grant.token, t0())
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn expired_sessions_are_refused_and_removed() {
    let store = store().await;
    let user = create_admin_user(&*store, "a@example.com", "correct horse battery")
        .await
        .unwrap();
    let grant = create_session(&*store, user.id, t0(), Duration::hours(1))
        .await
        .unwrap();
    assert!(
        session_for_token(&*store, &grant.token, t0() + Duration::hours(1))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store
        .console_session(&grant.session.token_hash)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn admin_creation_rejects_bad_input_and_duplicates() {
    let store = store().await;
    let err = create_admin_user(&*store, "a@example.com", "short")
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("password: "), "{err}");
    let err = create_admin_user(&*store, "nope", "correct horse battery")
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("email: "), "{err}");
    create_admin_user(&*store, "a@example.com", "correct horse battery")
        .await
        .unwrap();
    let err = create_admin_user(&*store, "A@example.com", "correct horse battery")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AuthError::Store(cultivar_store::StoreError::Conflict { .. })
        ),
        "{err}"
    );
}
