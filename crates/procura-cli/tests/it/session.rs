//! The command line signs in as an account and then has exactly that account's rights; the
//! local operator cannot borrow an account's name.

use crate::Env;

#[test]
fn a_signed_in_account_has_its_own_rights_on_the_command_line() {
    let env = Env::new();
    env.procura(&["departments", "add", "刑事检察部", "--areas", "criminal"])
        .ok();
    env.procura(&[
        "users",
        "add",
        "li.jiancha",
        "--name",
        "李检察官",
        "--roles",
        "procurator",
        "--department",
        "刑事检察部",
        "--password",
        "a-long-password-2026",
    ])
    .ok();

    // Borrowing the name without signing in is refused (exit 1, with the reason).
    let run = env
        .procura(&["--user", "li.jiancha", "users", "list"])
        .fails(1);
    assert!(
        run.stderr.contains("procura login li.jiancha"),
        "{}",
        run.stderr
    );

    // A wrong password signs nobody in.
    env.procura_with_input(
        &["login", "li.jiancha", "--password-stdin"],
        "wrong-password-1\n",
    )
    .fails(1);
    env.procura_with_input(
        &["login", "li.jiancha", "--password-stdin"],
        "a-long-password-2026\n",
    )
    .ok();
    let who = env.procura(&["whoami"]).ok().stdout;
    assert!(
        who.contains("li.jiancha") && who.contains("检察官"),
        "{who}"
    );
    // A procurator manages no accounts and reads no audit trail …
    env.procura(&["users", "list"]).fails(1);
    env.procura(&["audit", "list"]).fails(1);
    // … but reads the catalog, as in the web.
    env.procura(&["datasets", "list"]).ok();
    let denied = {
        env.procura(&["logout"]).ok();
        env.procura(&["audit", "list", "--account", "li.jiancha"])
            .ok()
            .stdout
    };
    assert!(denied.contains("access.denied"), "{denied}");
    assert!(denied.contains("login"), "{denied}");
    // Signed out: the local operator again.
    let who = env.procura(&["whoami"]).ok().stdout;
    assert!(who.contains("local"), "{who}");
}

#[test]
fn a_one_time_password_expires() {
    let env = Env::new();
    let created = env
        .procura(&["users", "add", "zhou.jiancha", "--roles", "procurator"])
        .ok()
        .stdout;
    let password = created
        .split_whitespace()
        .last()
        .unwrap()
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_owned();
    assert_eq!(password.len(), 16, "{created}");
    // Four days pass.
    crate::audit::on_store(&env, async |connection| {
        sqlx::query(
            "UPDATE app_user SET password_set_at = '2020-01-01T00:00:00.000Z' WHERE username = 'zhou.jiancha'",
        )
        .execute(&mut *connection)
        .await
        .unwrap();
    });
    env.procura_with_input(&["login", "zhou.jiancha", "--password-stdin"], &password)
        .fails(1);
    let failed = env
        .procura(&["audit", "list", "--action", "login.failed"])
        .ok()
        .stdout;
    assert!(failed.contains("one_time_password_expired"), "{failed}");
    // A reset gives a fresh one that works.
    let reset = env
        .procura(&["users", "reset-password", "zhou.jiancha"])
        .ok()
        .stdout;
    let fresh = reset
        .split_whitespace()
        .last()
        .unwrap()
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_owned();
    env.procura_with_input(&["login", "zhou.jiancha", "--password-stdin"], &fresh)
        .ok();
}
