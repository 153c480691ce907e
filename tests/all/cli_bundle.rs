//! `nimbus bundle` and running what it made.

use crate::cli::{arg, assert_one_line_error, guest, nimbus};

#[test]
fn version_and_help_answer() {
    let data = tempfile::tempdir().unwrap();
    let version = nimbus(data.path(), &["--version"], b"");
    assert_eq!(version.code, 0);
    assert_eq!(version.stdout.trim(), format!("nimbus {}", env!("CARGO_PKG_VERSION")));
    let help = nimbus(data.path(), &["--help"], b"");
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("bundle") && help.stdout.contains("run"), "{}", help.stdout);
}

#[test]
fn a_bundle_with_manifest_and_files_runs_with_its_settings() {
    let data = tempfile::tempdir().unwrap();
    let include = data.path().join("assets");
    std::fs::create_dir(&include).unwrap();
    std::fs::write(include.join("data.txt"), b"from the bundle").unwrap();
    let manifest = data.path().join("nimbus.toml");
    std::fs::write(&manifest, "memory_mb = 512\ntimeout_s = 5\n[env]\nGREETING = \"hi\"\n").unwrap();
    let zip = data.path().join("out.zip");

    let made = nimbus(
        data.path(),
        &[
            "bundle",
            arg(&guest("read_task_file")),
            "--manifest",
            arg(&manifest),
            "--include",
            arg(&include),
            "-o",
            arg(&zip),
        ],
        b"",
    );
    assert_eq!(made.code, 0, "stderr: {}", made.stderr);
    assert!(made.stdout.contains("CodeSha256"), "{}", made.stdout);

    let ran = nimbus(data.path(), &["run", arg(&zip)], b"");
    assert_eq!(ran.code, 0, "stderr: {}", ran.stderr);
    assert_eq!(ran.stdout, "from the bundle");
    assert!(ran.stderr.contains("Memory Size: 512 MB"), "{}", ran.stderr);
}

#[test]
fn a_manifest_with_an_unknown_key_is_refused_by_name() {
    let data = tempfile::tempdir().unwrap();
    let manifest = data.path().join("nimbus.toml");
    std::fs::write(&manifest, "memory_mb = 256\nmemroy = 1\n").unwrap();
    let zip = data.path().join("out.zip");
    let ran = nimbus(data.path(), &["bundle", arg(&guest("echo")), "--manifest", arg(&manifest), "-o", arg(&zip)], b"");
    assert_one_line_error(&ran);
    assert!(ran.stderr.contains("memroy"), "{}", ran.stderr);
    assert!(!zip.exists());
}

/// What the server would refuse on upload, `nimbus bundle` refuses with
/// the server's message.
#[test]
fn a_manifest_value_the_api_refuses_is_refused_with_its_message() {
    let data = tempfile::tempdir().unwrap();
    let manifest = data.path().join("nimbus.toml");
    std::fs::write(&manifest, "[env]\nAWS_LAMBDA_X = \"1\"\n").unwrap();
    let zip = data.path().join("out.zip");
    let ran = nimbus(data.path(), &["bundle", arg(&guest("echo")), "--manifest", arg(&manifest), "-o", arg(&zip)], b"");
    assert_one_line_error(&ran);
    assert!(
        ran.stderr.contains("nimbus.toml: Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_LAMBDA_X"),
        "{}",
        ran.stderr
    );
    assert!(!zip.exists());
}

#[test]
fn cached_artifacts_are_reused_between_runs() {
    let data = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let ran = nimbus(data.path(), &["run", arg(&guest("echo"))], b"");
        assert_eq!(ran.code, 0, "stderr: {}", ran.stderr);
    }
    let artifacts: Vec<_> = std::fs::read_dir(data.path().join("artifacts")).unwrap().flatten().collect();
    assert_eq!(artifacts.len(), 1, "one artifact for one module: {artifacts:?}");
}
