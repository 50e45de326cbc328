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
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("HEARTH_STATISTICS__CELL_KEY_SECRET"),
        "the statistics secret is required too: {err}"
    );
    let out = hearth(dir.path())
        .env("HEARTH_PROFILE", "production")
        .env(
            "HEARTH_AUTH__JWT_SECRET",
            "a-production-secret-that-is-long-enough-1234",
        )
        .env(
            "HEARTH_STATISTICS__CELL_KEY_SECRET",
            "a-production-cell-key-secret-long-enough-5678",
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

/// SIGTERM (how an orchestrator stops a service) used to kill the process at
/// once; now `serve` stops accepting, finishes what is in flight, and exits
/// normally.
#[cfg(unix)]
#[test]
fn serve_exits_cleanly_on_sigterm() {
    use std::io::Read;
    let dir = tempfile::tempdir().expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    let mut child = hearth(dir.path())
        .args(["serve"])
        .env("HEARTH_SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("HEARTH_SERVER__SHUTDOWN_GRACE_SECS", "5")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let healthy = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
            return false;
        };
        let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out.starts_with("HTTP/1.1 200")
    });
    assert!(healthy, "the server came up");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "the server did not stop"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(
        status.success(),
        "exited normally, not by the signal: {status:?}"
    );
}
