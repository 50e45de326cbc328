//! The command line, run as a user would.
use std::io::Write;
use std::process::{Command, Stdio};

fn hearth(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hearth"));
    cmd.current_dir(dir)
        .env_remove("HEARTH_PROFILE")
        .env_remove("HEARTH_DEMO_PASSWORD")
        .env_remove("HEARTH_ADMIN_PASSWORD")
        .env(
            "HEARTH_DATABASE__URL",
            format!("sqlite://{}?mode=rwc", dir.join("cli.db").display()),
        );
    cmd
}

#[test]
fn export_schema_prints_exactly_the_committed_schema() {
    let dir = tempfile::tempdir().expect("dir");
    let out = hearth(dir.path())
        .arg("export-schema")
        .output()
        .expect("run");
    assert!(out.status.success());
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema");
    assert!(
        String::from_utf8(out.stdout).expect("utf8") == committed,
        "export-schema differs from schema.graphql"
    );
}

#[test]
fn production_refuses_demo_and_weak_secrets_with_a_fix() {
    let dir = tempfile::tempdir().expect("dir");
    let out = hearth(dir.path())
        .env("HEARTH_PROFILE", "production")
        .args(["serve", "--demo"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("HEARTH_AUTH__JWT_SECRET"),
        "missing secret is refused first: {err}"
    );
    let out = hearth(dir.path())
        .env("HEARTH_PROFILE", "production")
        .env(
            "HEARTH_AUTH__JWT_SECRET",
            "a-production-secret-that-is-long-enough-1234",
        )
        .args(["serve", "--demo"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--demo is refused"));
    let out = hearth(dir.path())
        .env("HEARTH_SERVER__NOSUCHKEY", "1")
        .arg("migrate")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .to_lowercase()
            .contains("nosuchkey"),
        "unknown keys are named"
    );
}

#[test]
fn create_admin_reads_the_password_from_stdin_and_checks_it() {
    let dir = tempfile::tempdir().expect("dir");
    let run = |password: &str| {
        let mut child = hearth(dir.path())
            .args(["create-admin", "--username", "root.admin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(password.as_bytes())
            .expect("write");
        child.wait_with_output().expect("wait")
    };
    let short = run("short\n");
    assert!(!short.status.success());
    assert!(
        String::from_utf8_lossy(&short.stderr).contains("12"),
        "says the rule"
    );
    let ok = run("a-long-admin-password\n");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let verify = hearth(dir.path())
        .arg("verify-audit")
        .output()
        .expect("run");
    assert!(verify.status.success());
    assert!(String::from_utf8_lossy(&verify.stdout).contains("intact"));
}
