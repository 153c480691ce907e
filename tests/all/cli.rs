//! Running the binary and reading what it printed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// What one run of `nimbus` printed and returned.
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `nimbus ARGS` with `stdin` as its input and a data dir of its own.
pub fn nimbus(data_dir: &Path, args: &[&str], stdin: &[u8]) -> Ran {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nimbus"))
        .args(args)
        .env("NIMBUS_DATA_DIR", data_dir)
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nimbus");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    let Output { status, stdout, stderr } = child.wait_with_output().expect("wait for nimbus");
    Ran {
        code: status.code().expect("exited, not killed"),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// A guest's WAT source in `sandbox/tests/guests/`.
pub fn guest(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sandbox/tests/guests").join(format!("{name}.wat"))
}

/// The path as a `&str` argument.
pub fn arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// Asserts an error is one line, without a panic or backtrace.
pub fn assert_one_line_error(ran: &Ran) {
    assert_eq!(ran.code, 2, "stderr: {}", ran.stderr);
    assert_eq!(ran.stderr.lines().count(), 1, "stderr: {}", ran.stderr);
    assert!(ran.stderr.starts_with("nimbus: error: "), "stderr: {}", ran.stderr);
    assert!(!ran.stderr.contains("panicked"), "stderr: {}", ran.stderr);
}
