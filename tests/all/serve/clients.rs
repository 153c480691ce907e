//! The real AWS clients against `nimbus serve`: `tests/e2e/lambda_boto3.py`
//! and `tests/e2e/async_boto3.py` (boto3), `tests/e2e/lambda_cli.py` (the `aws` CLI) and
//! `tests/e2e/node/main.mjs` (the AWS SDK for JavaScript v3). They are
//! required, not optional: a machine without them fails these tests with
//! how to install. `python3` and `aws` are whichever come first on `PATH`
//! (`.ci/run` puts the virtualenv `.venv/bin` there).

use super::harness::{Server, bundles};
use std::path::{Path, PathBuf};
use std::process::Command;

const INSTALL: &str = "install the e2e clients: python3 -m venv .venv && \
    .venv/bin/pip install -r tests/e2e/requirements.txt, then run the tests with PATH=\"$PWD/.venv/bin:$PATH\"";
const NODE_INSTALL: &str = "install the Node e2e client: Node.js 20 or later, then npm ci --prefix tests/e2e/node";

/// Fails (never skips) when `python3 -c CODE` does not succeed.
fn require_python(code: &str) {
    let ran = Command::new("python3").args(["-c", code]).output();
    match ran {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!("{INSTALL}\n(python3 -c {code:?}: {})", String::from_utf8_lossy(&out.stderr).trim()),
        Err(e) => panic!("{INSTALL}\n(python3 not found: {e})"),
    }
}

/// `tests/e2e/PATH` in this checkout.
fn e2e(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e").join(path)
}

/// Runs one of the `tests/e2e` scripts (with `python3` or `node`) against a
/// fresh server and asserts it passed, printing its output (and the
/// server's stderr) when it did not.
fn run_suite(program: &str, script: &str) {
    run_suite_with(program, script, &[], &[]);
}

/// As [`run_suite`], the server started with `flags`, and `more` servers
/// (each `(option, flags)`) started beside it, their URLs given to the
/// script as `option URL`.
fn run_suite_with(program: &str, script: &str, flags: &[&str], more: &[(&str, &[&str])]) {
    let bundles = bundles();
    let data = tempfile::tempdir().unwrap();
    let server = Server::start_with_flags(data.path(), flags);
    let others: Vec<_> = more
        .iter()
        .map(|(option, flags)| {
            let data = tempfile::tempdir().unwrap();
            let server = Server::start_with_flags(data.path(), flags);
            (*option, server, data)
        })
        .collect();
    let script = e2e(script);
    let started = std::time::Instant::now();
    let mut command = Command::new(program);
    command.arg(&script).arg("--endpoint").arg(&server.url).arg("--bundles").arg(bundles.path());
    for (option, other, _) in &others {
        command.arg(option).arg(&other.url);
    }
    let out = command.env("PYTHONUNBUFFERED", "1").output().unwrap_or_else(|e| panic!("run {program}: {e}"));
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
    println!("{stdout}({} in {:.1} s)", script.display(), started.elapsed().as_secs_f64());
    server.stop();
    for (_, other, _) in others {
        other.stop();
    }
}

#[test]
fn boto3_suite() {
    require_python("import boto3, botocore");
    run_suite("python3", "lambda_boto3.py");
}

/// Asynchronous invocation through boto3: one server whose retries take
/// milliseconds, and one whose first retry would come after a 60 s
/// maximum event age.
#[test]
fn async_boto3_suite() {
    require_python("import boto3, botocore");
    run_suite_with(
        "python3",
        "async_boto3.py",
        &["--retry-delay-scale", "0.001"],
        &[("--aged-endpoint", &["--retry-delay-scale", "2"])],
    );
}

#[test]
fn aws_cli_suite() {
    require_python("import boto3, botocore");
    match Command::new("aws").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!("{INSTALL}\n(aws --version: {})", String::from_utf8_lossy(&out.stderr).trim()),
        Err(e) => panic!("{INSTALL}\n(`aws` not found: {e})"),
    }
    run_suite("python3", "lambda_cli.py");
}

/// Fails (never skips) without Node.js 20 or later, or without the
/// packages of `tests/e2e/node/package-lock.json` installed beside it.
fn require_node() {
    let version = match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        Ok(out) => panic!("{NODE_INSTALL}\n(node --version: {})", String::from_utf8_lossy(&out.stderr).trim()),
        Err(e) => panic!("{NODE_INSTALL}\n(`node` not found: {e})"),
    };
    let major: u32 = version.trim_start_matches('v').split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
    assert!(major >= 20, "{NODE_INSTALL}\n(node --version: {version})");
    let import = "await import('@aws-sdk/client-lambda')";
    let ran = Command::new("node").args(["--input-type=module", "-e", import]).current_dir(e2e("node")).output();
    match ran {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!("{NODE_INSTALL}\n(node: {})", String::from_utf8_lossy(&out.stderr).trim()),
        Err(e) => panic!("{NODE_INSTALL}\n(node: {e})"),
    }
}

#[test]
fn node_sdk_suite() {
    require_node();
    run_suite("node", "node/main.mjs");
}
