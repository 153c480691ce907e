//! Shared set-up: a scheduler on a temporary directory and zips of WAT guests.

use base64::Engine as _;
use nimbus_scheduler::model::{CreateFunctionRequest, FunctionCode};
use nimbus_scheduler::{Scheduler, SchedulerConfig};

pub const ROLE: &str = "arn:aws:iam::000000000000:role/lambda-role";

/// A scheduler on its own data directory (kept alive with it).
pub fn scheduler() -> (Scheduler, tempfile::TempDir) {
    scheduler_with(|_| {})
}

/// A scheduler on its own data directory, its configuration changed by `tweak`.
pub fn scheduler_with(tweak: impl FnOnce(&mut SchedulerConfig)) -> (Scheduler, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = SchedulerConfig::new(dir.path());
    config.sandbox_threads = 2;
    config.account_concurrency = 100;
    tweak(&mut config);
    (Scheduler::open(config).unwrap(), dir)
}

/// A bundle zip of `sandbox/tests/guests/{name}.wat`.
pub fn zip(name: &str) -> Vec<u8> {
    let path = format!("{}/../sandbox/tests/guests/{name}.wat", env!("CARGO_MANIFEST_DIR"));
    nimbus_sandbox::build_bundle(&wat::parse_file(path).unwrap(), None, None).unwrap()
}

/// A CreateFunction request for a guest.
pub fn create(name: &str, guest: &str) -> CreateFunctionRequest {
    let path = format!("{}/../sandbox/tests/guests/{guest}.wat", env!("CARGO_MANIFEST_DIR"));
    create_from_wasm(name, &wat::parse_file(path).unwrap())
}

/// A CreateFunction request for a module.
pub fn create_from_wasm(name: &str, wasm: &[u8]) -> CreateFunctionRequest {
    let zip = nimbus_sandbox::build_bundle(wasm, None, None).unwrap();
    CreateFunctionRequest {
        function_name: name.into(),
        runtime: Some("provided.al2023".into()),
        role: Some(ROLE.into()),
        code: FunctionCode {
            zip_file: Some(base64::engine::general_purpose::STANDARD.encode(zip)),
            ..Default::default()
        },
        ..Default::default()
    }
}
