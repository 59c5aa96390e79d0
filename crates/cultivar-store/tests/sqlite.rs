//! The conformance suite and SQLite-specific behaviour on temp-file SQLite databases.

mod common;

use cultivar_store::{open, Backend, NewAdminUser, StoreError};
use sqlx::{Connection, SqliteConnection};

common::conformance_tests!(crate::common::sqlite);

/// A raw connection to the harness's file, bypassing the store.
async fn raw(url: &str) -> SqliteConnection {
    SqliteConnection::connect(url)
        .await
        .expect("raw sqlite connection")
}

#[tokio::test]
async fn open_creates_the_file_in_wal_mode_and_reports_sqlite() {
    let h = common::sqlite().await.expect("harness");
    assert_eq!(h.store.backend(), Backend::Sqlite);
    // journal_mode=WAL persists in the file; a plain connection (which sets no journal mode)
    // therefore sees it only if open() set it.
    let mut conn = raw(&h.url).await;
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .expect("pragma");
    assert_eq!(mode, "wal");
    conn.close().await.expect("close");
    h.finish().await;
}

#[tokio::test]
async fn reopening_keeps_data_and_reapplies_no_migration() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("db.sqlite3").display());
    let store = open(&url).await.expect("first open");
    let new = NewAdminUser {
        email: "Ops@Example.com".into(),
        password_hash: "h".into(),
    };
    let user = store.insert_admin_user(&new).await.expect("insert");
    store.close().await;

    let store = open(&url).await.expect("second open");
    let again = store.admin_user_by_id(user.id).await.expect("lookup");
    assert_eq!(again, Some(user));
    store.close().await;
}

#[tokio::test]
async fn deleting_a_user_cascades_to_their_sessions() {
    let h = common::sqlite().await.expect("harness");
    let (user, token) = common::user_with_session(&h).await;
    let mut conn = raw(&h.url).await;
    sqlx::query("DELETE FROM admin_users WHERE id = $1")
        .bind(user.hyphenated().to_string())
        .execute(&mut conn)
        .await
        .expect("delete user");
    conn.close().await.expect("close");
    let session = h.store.console_session(&token).await.expect("lookup");
    assert_eq!(
        session, None,
        "the user's session must be deleted with the user"
    );
    h.finish().await;
}

#[tokio::test]
async fn missing_directory_is_a_config_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = cultivar_store::sqlite_url_for_data_dir(&dir.path().join("does/not/exist"));
    let Err(err) = open(&url).await else {
        panic!("opening a file in a missing directory must fail");
    };
    assert!(matches!(err, StoreError::Config(_)), "{err:?}");
    assert!(err.to_string().contains("does/not/exist"), "{err}");
}

#[tokio::test]
async fn in_memory_database_keeps_its_data_across_calls() {
    let store = open("sqlite::memory:").await.expect("open in-memory");
    cultivar_store::conformance::run_all(store.as_ref()).await;
    store.close().await;
}
