//! The audit trail end to end: commands leave records, `procura audit verify` trusts an
//! untouched trail and names the first bad record of a tampered one — a changed record, a
//! chain recomputed without the checkpoint key, a truncated tail, a forged checkpoint key —
//! and the database itself refuses UPDATE and DELETE on the trail. On SQLite and PostgreSQL.

use procura_audit::{Entry, GENESIS, HashAlg, Record};
use sqlx::{AnyConnection, Connection, Row};

use crate::Env;

fn backends() -> Vec<Env> {
    let mut list = vec![Env::new()];
    list.extend(Env::postgres());
    list
}

fn url(env: &Env) -> String {
    env.database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rw",
            env.root().join("catalog.db").display()
        )
    })
}

/// Runs `work` on a connection to the workspace's metadata store, as an attacker with database
/// access would.
pub(crate) fn on_store<T>(env: &Env, work: impl AsyncFnOnce(&mut AnyConnection) -> T) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        sqlx::any::install_default_drivers();
        let mut connection = AnyConnection::connect(&url(env)).await.unwrap();
        work(&mut connection).await
    })
}

fn tamper(env: &Env, statements: &[String]) -> Result<(), String> {
    on_store(env, async |connection| {
        for statement in statements {
            sqlx::query(sqlx::AssertSqlSafe(statement.clone()))
                .execute(&mut *connection)
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

fn records(env: &Env) -> Vec<Record> {
    on_store(env, async |connection| {
        sqlx::query(
            "SELECT seq, at, account, roles, client, action, object, outcome, purpose, detail, alg, prev_hash, hash FROM audit_log ORDER BY seq",
        )
        .fetch_all(&mut *connection)
        .await
        .unwrap()
        .iter()
        .map(|row| Record {
            seq: row.get(0),
            entry: Entry {
                at: row.get(1),
                account: row.get(2),
                roles: row.get(3),
                client: row.get(4),
                action: row.get(5),
                object: row.get(6),
                outcome: row.get(7),
                purpose: row.get(8),
                detail: row.get(9),
            },
            alg: row.get(10),
            prev_hash: row.get(11),
            hash: row.get(12),
        })
        .collect()
    })
}

fn drop_triggers(env: &Env) -> Vec<String> {
    if env.database_url.is_some() {
        vec![
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change".into(),
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_truncate".into(),
        ]
    } else {
        vec![
            "DROP TRIGGER audit_log_no_update".into(),
            "DROP TRIGGER audit_log_no_delete".into(),
        ]
    }
}

fn some_activity(env: &Env) {
    let csv = env.write(
        "penalties.csv",
        "姓名,身份证号,处罚日期\n张三,11010519491231002X,2024-03-01\n李四,110105194912310029,2024-03-02\n",
    );
    env.ingest(&csv, "penalties", &[]);
    env.procura(&["datasets", "show", "penalties"]).ok();
    env.procura(&["datasets", "list"]).ok();
}

#[test]
fn commands_are_recorded_and_an_untouched_trail_verifies() {
    for env in backends() {
        some_activity(&env);
        let list = env
            .procura(&["audit", "list", "--action", "dataset."])
            .ok()
            .stdout;
        assert!(list.contains("dataset.ingest"), "{list}");
        assert!(list.contains("dataset.read"), "{list}");
        assert!(list.contains("local:tester"), "{list}");
        let verified = env.procura(&["audit", "verify"]).ok().stdout;
        assert!(verified.contains("intact"), "{verified}");
        // The key file is private to the service account.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let key = env.root().join("keys/audit-ed25519.key");
            let mode = std::fs::metadata(&key).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{key:?} is readable by others: {mode:o}");
        }
    }
}

#[test]
fn the_database_refuses_to_change_the_trail() {
    for env in backends() {
        some_activity(&env);
        let update = tamper(
            &env,
            &["UPDATE audit_log SET outcome = 'ok' WHERE seq = 1".into()],
        );
        assert!(update.unwrap_err().contains("append-only"));
        let delete = tamper(&env, &["DELETE FROM audit_log WHERE seq = 1".into()]);
        assert!(delete.unwrap_err().contains("append-only"));
        env.procura(&["audit", "verify"]).ok();
    }
}

#[test]
fn tampering_is_detected_and_the_first_bad_record_named() {
    for env in backends() {
        some_activity(&env);
        env.procura(&["audit", "checkpoint"]).ok();
        let n = records(&env).len() as i64;
        assert!(n >= 3, "{n} records");

        // 1. A record changed in place.
        let mut steps = drop_triggers(&env);
        steps.push("UPDATE audit_log SET account = 'someone.else' WHERE seq = 2".into());
        tamper(&env, &steps).unwrap();
        let run = env.procura(&["audit", "verify"]).fails(1);
        assert!(run.stderr.contains("first bad record 2"), "{}", run.stderr);

        // 2. The whole chain recomputed after the change, without the checkpoint key.
        let mut all = records(&env);
        let mut prev = GENESIS.to_owned();
        let mut fixes = Vec::new();
        for record in &mut all {
            let again = Record::chain(record.seq - 1, &prev, record.entry.clone(), HashAlg::Sha256);
            fixes.push(format!(
                "UPDATE audit_log SET prev_hash = '{}', hash = '{}' WHERE seq = {}",
                again.prev_hash, again.hash, again.seq
            ));
            prev = again.hash;
        }
        tamper(&env, &fixes).unwrap();
        let run = env.procura(&["audit", "verify"]).fails(1);
        assert!(run.stderr.contains("first bad record 1"), "{}", run.stderr);
        assert!(run.stderr.contains("rewritten"), "{}", run.stderr);
    }
}

#[test]
fn a_truncated_tail_and_a_foreign_key_are_detected() {
    for env in backends() {
        some_activity(&env);
        env.procura(&["audit", "checkpoint"]).ok();
        let n = records(&env).len() as i64;
        // Keep a copy of the checkpoints elsewhere, as an auditor would.
        let kept = env.input("checkpoints-copy.log");
        std::fs::copy(env.root().join("audit/checkpoints.log"), &kept).unwrap();

        let mut steps = drop_triggers(&env);
        steps.push(format!("DELETE FROM audit_log WHERE seq > {}", n - 2));
        tamper(&env, &steps).unwrap();
        let run = env
            .procura(&["audit", "verify", "--checkpoints", kept.to_str().unwrap()])
            .fails(1);
        assert!(
            run.stderr.contains(&format!("first bad record {}", n - 1)),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("truncated"), "{}", run.stderr);

        // Checkpoints checked with a key the office does not trust are refused.
        let foreign = procura_audit::CheckpointKey::from_secret([9; 32]).public_hex();
        let run = env
            .procura(&[
                "audit",
                "verify",
                "--checkpoints",
                kept.to_str().unwrap(),
                "--public-key",
                &foreign,
            ])
            .fails(1);
        assert!(run.stderr.contains("signature"), "{}", run.stderr);
    }
}
