//! The store's one integration-test binary. Every test runs on SQLite, and on PostgreSQL when
//! `PROCURA_TEST_POSTGRES_URL` points at a server where the user may create databases (CI
//! sets it; `PROCURA_REQUIRE_POSTGRES=1` turns its absence into a failure).

mod catalog;

use std::future::Future;

use procura_store::Store;
use sqlx::Connection;

/// Runs `story` against a fresh SQLite database and, when configured, a fresh PostgreSQL one.
pub async fn each_backend<F, Fut>(story: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::open_sqlite(&dir.path().join("catalog.db"))
        .await
        .unwrap();
    story(sqlite.clone()).await;
    sqlite.close().await;

    let Ok(admin_url) = std::env::var("PROCURA_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("PROCURA_REQUIRE_POSTGRES").is_err(),
            "PROCURA_REQUIRE_POSTGRES is set but PROCURA_TEST_POSTGRES_URL is not"
        );
        return;
    };
    let database = format!(
        "procura_test_{}",
        std::process::id() as u64 * 1000 + counter()
    );
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(&admin_url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let url = replace_database(&admin_url, &database);
    let postgres = Store::open(&url).await.unwrap();
    story(postgres.clone()).await;
    postgres.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {database}")))
        .execute(&mut admin)
        .await
        .unwrap();
}

fn counter() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// `postgres://u@h:5432/postgres?x` → `postgres://u@h:5432/NAME?x`.
pub fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host = path_start.map_or(base, |i| &base[..i]);
    match query {
        Some(query) => format!("{host}/{database}?{query}"),
        None => format!("{host}/{database}"),
    }
}
