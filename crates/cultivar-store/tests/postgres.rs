//! The conformance suite and PostgreSQL-specific behaviour, each test on its own fresh
//! database (see `cultivar_store::testing`). Skipped with a warning when PostgreSQL is
//! unreachable, unless `CI=true`.

mod common;

use cultivar_store::{open, Backend};
use sqlx::{Connection, PgConnection};

common::conformance_tests!(crate::common::postgres);

#[tokio::test]
async fn reports_postgres_and_reopens_without_remigrating() {
    let Some(h) = common::postgres().await else {
        return;
    };
    assert_eq!(h.store.backend(), Backend::Postgres);
    let again = open(&h.url)
        .await
        .expect("second open of a migrated database");
    again.ping().await.expect("ping");
    again.close().await;
    h.finish().await;
}

#[tokio::test]
async fn deleting_a_user_cascades_to_their_sessions() {
    let Some(h) = common::postgres().await else {
        return;
    };
    let (user, token) = common::user_with_session(&h).await;
    let mut conn = PgConnection::connect(&h.url).await.expect("raw connection");
    sqlx::query("DELETE FROM admin_users WHERE id = $1")
        .bind(user)
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
