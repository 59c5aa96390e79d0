//! Both migration sets must produce the same tables with the same column names, so the two
//! backends cannot drift apart.

mod common;

use std::collections::BTreeMap;

use sqlx::{Connection, PgConnection, SqliteConnection};

type Schema = BTreeMap<String, Vec<String>>;

async fn sqlite_schema(url: &str) -> Schema {
    let mut conn = SqliteConnection::connect(url)
        .await
        .expect("sqlite connection");
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, c.name FROM sqlite_master AS m, pragma_table_info(m.name) AS c \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("sqlite schema");
    conn.close().await.expect("close");
    collect(rows)
}

async fn postgres_schema(url: &str) -> Schema {
    let mut conn = PgConnection::connect(url)
        .await
        .expect("postgres connection");
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("postgres schema");
    conn.close().await.expect("close");
    collect(rows)
}

fn collect(rows: Vec<(String, String)>) -> Schema {
    let mut schema = Schema::new();
    for (table, column) in rows {
        schema.entry(table).or_default().push(column);
    }
    for columns in schema.values_mut() {
        columns.sort();
    }
    schema
}

#[tokio::test]
async fn sqlite_and_postgres_have_the_same_tables_and_columns() {
    let sqlite = common::sqlite().await.expect("sqlite harness");
    let Some(pg) = common::postgres().await else {
        sqlite.finish().await;
        return;
    };
    let lite = sqlite_schema(&sqlite.url).await;
    let post = postgres_schema(&pg.url).await;
    assert!(
        lite.contains_key("abm_servers"),
        "sqlite schema looks empty: {lite:?}"
    );
    assert_eq!(
        lite, post,
        "sqlite (left) and postgres (right) schemas differ"
    );
    sqlite.finish().await;
    pg.finish().await;
}
