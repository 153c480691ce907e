//! The real AWS clients against `nimbus serve`: `tests/e2e/lambda_boto3.py`
//! (boto3) and `tests/e2e/lambda_cli.py` (the `aws` CLI). They are required,
//! not optional: a machine without them fails these tests with how to install.
//! `python3` and `aws` are whichever come first on `PATH` (`.ci/run` puts
//! the virtualenv `.venv/bin` there).

use super::harness::{Server, bundles};
use std::path::Path;
use std::process::Command;

const INSTALL: &str = "install the e2e clients: python3 -m venv .venv && \
    .venv/bin/pip install -r tests/e2e/requirements.txt, then run the tests with PATH=\"$PWD/.venv/bin:$PATH\"";

/// Fails (never skips) when `python3 -c CODE` does not succeed.
fn require_python(code: &str) {
    let ran = Command::new("python3").args(["-c", code]).output();
    match ran {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!("{INSTALL}\n(python3 -c {code:?}: {})", String::from_utf8_lossy(&out.stderr).trim()),
        Err(e) => panic!("{INSTALL}\n(python3 not found: {e})"),
    }
}

/// Runs one of the `tests/e2e` scripts against a fresh server and asserts it
/// passed, printing its output (and the server's stderr) when it did not.
fn run_suite(script: &str) {
    let bundles = bundles();
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e").join(script);
    let out = Command::new("python3")
        .arg(&script)
        .arg("--endpoint")
        .arg(&server.url)
        .arg("--bundles")
        .arg(bundles.path())
        .env("PYTHONUNBUFFERED", "1")
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let summary = stdout.lines().last().unwrap_or_default().to_string();
    assert!(
        out.status.success(),
        "{} failed ({}): {summary}\n--- its output:\n{stdout}\n--- its stderr:\n{stderr}\n--- server stderr (end):\n{}",
        script.display(),
        out.status,
        server.stderr()
    );
    assert!(summary.ends_with(" 0 failed"), "no summary line: {stdout}");
    println!("{stdout}");
    server.stop();
}

#[test]
fn boto3_suite() {
    require_python("import boto3, botocore");
    run_suite("lambda_boto3.py");
}

#[test]
fn aws_cli_suite() {
    require_python("import boto3, botocore");
    match Command::new("aws").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!("{INSTALL}\n(aws --version: {})", String::from_utf8_lossy(&out.stderr).trim()),
        Err(e) => panic!("{INSTALL}\n(`aws` not found: {e})"),
    }
    run_suite("lambda_cli.py");
}
