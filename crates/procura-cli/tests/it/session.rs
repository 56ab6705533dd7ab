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
