//! The command line: bootstrap admin, user administration, migrations.

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

use crate::helpers::{TestDb, test_settings};

fn run(db: &TestDb, args: &[&str], stdin: Option<&str>, bootstrap: bool) -> Output {
    let settings = test_settings(db);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_invest-registry"));
    cmd.args(args)
        .env_clear()
        .env("DATABASE_URL", &settings.database_url)
        .env("DATA_DIR", &settings.data_dir)
        .env("LOG_LEVEL", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if bootstrap {
        cmd.env("BOOTSTRAP_ADMIN_PASSWORD", crate::helpers::ADMIN_PASSWORD);
    }
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn a_fresh_installation_prints_a_generated_admin_password_once() {
    let db = TestDb::create().await;
    let first = run(&db, &["migrate", "status"], None, false);
    assert!(first.status.success());
    // `migrate` does not bootstrap; the first command that opens the service does.
    let first = run(&db, &["users", "list"], None, false);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let stderr = String::from_utf8_lossy(&first.stderr);
    let password = stderr
        .split("password: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("the generated password is printed: {stderr}"));
    assert_eq!(password.len(), 24);
    assert!(String::from_utf8_lossy(&first.stdout).starts_with("admin\tadmin\tactive"));
    let second = run(&db, &["users", "list"], None, false);
    assert!(
        !String::from_utf8_lossy(&second.stderr).contains("password"),
        "printed only once"
    );
}

#[tokio::test]
async fn users_are_created_listed_disabled_and_reset_from_the_command_line() {
    let db = TestDb::create().await;
    let out = run(
        &db,
        &[
            "users",
            "create",
            "--username",
            "lan",
            "--display-name",
            "Nguyễn Thị Lan",
            "--roles",
            "officer,approver",
        ],
        Some("a-long-cli-password\n"),
        true,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("created lan"));

    let list =
        String::from_utf8_lossy(&run(&db, &["users", "list"], None, true).stdout).into_owned();
    assert!(
        list.contains("lan\tapprover,officer\tactive\tNguyễn Thị Lan"),
        "{list}"
    );

    let short = run(
        &db,
        &["users", "reset-password", "lan"],
        Some("short\n"),
        true,
    );
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password"));
    let reset = run(
        &db,
        &["users", "reset-password", "lan"],
        Some("another-long-password\n"),
        true,
    );
    assert!(reset.status.success());

    let disable = run(&db, &["users", "disable", "lan"], None, true);
    assert!(disable.status.success());
    let list =
        String::from_utf8_lossy(&run(&db, &["users", "list"], None, true).stdout).into_owned();
    assert!(list.contains("lan\tapprover,officer\tdisabled"), "{list}");

    let bad_role = run(
        &db,
        &[
            "users",
            "create",
            "--username",
            "x1x",
            "--display-name",
            "X",
            "--roles",
            "king",
        ],
        Some("a-long-cli-password\n"),
        true,
    );
    assert!(!bad_role.status.success());
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("--roles"));
    let ghost = run(&db, &["users", "disable", "ghost"], None, true);
    assert!(!ghost.status.success());
    assert!(String::from_utf8_lossy(&ghost.stderr).contains("no user named ghost"));
}

#[tokio::test]
async fn bad_configuration_stops_with_one_line_naming_the_setting() {
    let out = Command::new(env!("CARGO_BIN_EXE_invest-registry"))
        .arg("serve")
        .env_clear()
        .env("BIND_ADDR", "nowhere")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("BIND_ADDR"));
    assert!(!stderr.contains("panicked"));
}

#[tokio::test]
async fn signing_keys_are_generated_listed_rotated_imported_and_retired_from_the_command_line() {
    let db = TestDb::create().await;
    let out = |o: &Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    // First use: a development CA and key appear under DATA_DIR/keys, owner-only.
    let first = run(&db, &["keys", "generate"], None, true);
    assert!(first.status.success(), "{}", out(&first));
    let keys_dir = test_settings(&db).data_dir.join("keys");
    for f in [
        "dev-ca.pem",
        "dev-ca-key.pem",
        "signing-key.pem",
        "signing-chain.pem",
    ] {
        let meta = std::fs::metadata(keys_dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                meta.permissions().mode() & 0o077,
                0,
                "{f} is readable by its owner only"
            );
        }
        let _ = meta;
    }
    let listed = run(&db, &["keys", "list"], None, true);
    let text = out(&listed);
    assert!(listed.status.success(), "{text}");
    // `generate` on a fresh folder made the first key, then rotated to a second one.
    assert_eq!(
        text.lines().filter(|l| l.contains("development")).count(),
        2,
        "{text}"
    );
    assert_eq!(text.matches(" active ").count(), 1, "{text}");
    assert_eq!(text.matches(" retired ").count(), 1, "{text}");
    let active = text
        .lines()
        .find(|l| l.contains(" active "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned();

    // Import: a key and chain made elsewhere (here: the development files) are checked first.
    let bad = run(
        &db,
        &[
            "keys",
            "import",
            "--key",
            "/nonexistent.pem",
            "--chain",
            "/nonexistent.pem",
        ],
        None,
        true,
    );
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .contains("invest-registry: cannot read /nonexistent.pem"),
        "the file at fault is named: {}",
        out(&bad)
    );
    let key = keys_dir.join("signing-key.pem");
    let ca = keys_dir.join("dev-ca.pem");
    let mismatched = run(
        &db,
        &[
            "keys",
            "import",
            "--key",
            key.to_str().unwrap(),
            "--chain",
            ca.to_str().unwrap(),
        ],
        None,
        true,
    );
    assert!(
        !mismatched.status.success(),
        "a key that does not match the chain is refused"
    );

    let retired = run(
        &db,
        &[
            "keys",
            "retire",
            &active,
            "--compromised",
            "--reason",
            "lộ khóa",
        ],
        None,
        true,
    );
    assert!(retired.status.success(), "{}", out(&retired));
    assert!(out(&retired).contains("compromised"));
    let again = run(&db, &["keys", "retire", &active], None, true);
    assert!(
        !again.status.success(),
        "a compromised key stays compromised"
    );
    let unknown = run(&db, &["keys", "retire", "0000000000000000"], None, true);
    assert!(!unknown.status.success());
}
