//! Catalog stories, run on every backend.

use procura_store::catalog::{self, NewVersion};

use crate::each_backend;

fn new_version<'a>(dataset: &'a str, path: &'a str, now: &'a str) -> NewVersion<'a> {
    NewVersion {
        dataset,
        path,
        digest: "abc",
        bytes: 10,
        n_rows: 3,
        n_rejected: 1,
        source: "input.csv",
        columns_json: "[]",
        mapping_toml: "",
        quality_json: "{}",
        actor: "tester",
        now,
    }
}

#[tokio::test]
async fn versions_number_up_and_list_shows_the_newest() {
    each_backend(|store| async move {
        let mut tx = store.begin().await.unwrap();
        let first = catalog::create_version(
            &mut tx,
            &new_version("penalties", "p/1.parquet", "2026-01-01T00:00:00Z"),
        )
        .await
        .unwrap();
        let second = catalog::create_version(
            &mut tx,
            &new_version("penalties", "p/2.parquet", "2026-01-02T00:00:00Z"),
        )
        .await
        .unwrap();
        catalog::create_version(
            &mut tx,
            &new_version("deaths", "d/1.parquet", "2026-01-02T00:00:00Z"),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!((first.version, second.version), (1, 2));
        assert_eq!(first.dataset_id, second.dataset_id);

        let mut connection = store.pool().acquire().await.unwrap();
        let list = catalog::list(&mut connection).await.unwrap();
        let names: Vec<_> = list
            .iter()
            .map(|d| (d.name.as_str(), d.latest.version, d.n_versions))
            .collect();
        assert_eq!(names, [("deaths", 1, 1), ("penalties", 2, 2)]);
        let latest = catalog::version(&mut connection, "penalties", None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(latest.path, "p/2.parquet");
        let v1 = catalog::version(&mut connection, "penalties", Some(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(v1.path, "p/1.parquet");
        assert!(
            catalog::version(&mut connection, "penalties", Some(9))
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            catalog::versions(&mut connection, "penalties")
                .await
                .unwrap()
                .len(),
            2
        );
    })
    .await;
}

#[tokio::test]
async fn rolled_back_version_leaves_no_trace() {
    each_backend(|store| async move {
        let mut tx = store.begin().await.unwrap();
        catalog::create_version(
            &mut tx,
            &new_version("x", "x/1.parquet", "2026-01-01T00:00:00Z"),
        )
        .await
        .unwrap();
        tx.rollback().await.unwrap();
        let mut connection = store.pool().acquire().await.unwrap();
        assert!(catalog::list(&mut connection).await.unwrap().is_empty());
        assert!(
            catalog::all_paths(&mut connection)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn dropped_dataset_frees_its_name_but_keeps_its_versions() {
    each_backend(|store| async move {
        let mut tx = store.begin().await.unwrap();
        let old = catalog::create_version(
            &mut tx,
            &new_version("x", "x/1.parquet", "2026-01-01T00:00:00Z"),
        )
        .await
        .unwrap();
        let dropped = catalog::drop_dataset(&mut tx, "x", "tester", "2026-01-02T00:00:00Z")
            .await
            .unwrap();
        assert_eq!(dropped.len(), 1);
        let again = catalog::create_version(
            &mut tx,
            &new_version("x", "x/2.parquet", "2026-01-03T00:00:00Z"),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(again.version, 1, "a re-created dataset starts at version 1");
        assert_ne!(again.dataset_id, old.dataset_id);
        let mut connection = store.pool().acquire().await.unwrap();
        let cited = catalog::version_by_id(&mut connection, old.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            cited.path, "x/1.parquet",
            "evidence can still resolve a dropped version"
        );
        let error =
            catalog::drop_dataset(&mut connection, "nope", "tester", "2026-01-04T00:00:00Z")
                .await
                .unwrap_err();
        assert!(error.to_string().contains("not found"), "{error}");
    })
    .await;
}

#[tokio::test]
async fn duplicate_path_is_a_conflict() {
    each_backend(|store| async move {
        let mut tx = store.begin().await.unwrap();
        catalog::create_version(
            &mut tx,
            &new_version("x", "same.parquet", "2026-01-01T00:00:00Z"),
        )
        .await
        .unwrap();
        let error = catalog::create_version(
            &mut tx,
            &new_version("y", "same.parquet", "2026-01-01T00:00:00Z"),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(error, procura_store::Error::Conflict(_)),
            "{error}"
        );
    })
    .await;
}
