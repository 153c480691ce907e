//! The test guests (`sandbox/tests/guests/*.wat`) and the engine they run on.

use nimbus_sandbox::bundle::DEFAULT_HANDLER;
use nimbus_sandbox::{
    Bundle, BundleLimits, EngineConfig, FunctionConfig, Invocation, InvocationResult, Outcome, PreparedFunction,
    SandboxEngine, build_bundle,
};
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The guest `name`, compiled from its WAT source.
pub fn wasm(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guests").join(format!("{name}.wat"));
    wat::parse_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The engine shared by every test of this process. Engines reserve a large
/// virtual-memory pool each, so tests build their own only when they test
/// the engine's configuration.
pub fn engine() -> &'static SandboxEngine {
    static ENGINE: OnceLock<SandboxEngine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let data_dir = Box::leak(Box::new(tempfile::tempdir().expect("temporary data directory")));
        SandboxEngine::new(EngineConfig { pool_size: 64, ..EngineConfig::new(data_dir.path()) })
            .expect("the shared engine")
    })
}

/// A bundle of the guest `name` with no manifest and no other files.
pub fn bundle(name: &str) -> Bundle {
    Bundle::from_module(&wasm(name)).expect("the guest's bundle")
}

/// A bundle of the guest `name` with `manifest` (`nimbus.toml`) and the
/// files of `include_dir`, built as a zip and parsed as an upload is.
pub fn bundle_with(name: &str, manifest: Option<&str>, include_dir: Option<&Path>) -> Bundle {
    let zip = build_bundle(&wasm(name), manifest, include_dir).expect("the guest's zip");
    Bundle::parse(&zip, DEFAULT_HANDLER, &BundleLimits::default()).expect("the guest's bundle")
}

/// The guest `name` prepared on the shared engine, with Lambda's defaults
/// changed by `tweak`.
pub fn prepare(name: &str, tweak: impl FnOnce(&mut FunctionConfig)) -> PreparedFunction {
    prepare_on(engine(), &bundle(name), name, tweak)
}

/// `bundle` prepared on `engine` as the function `name`.
pub fn prepare_on(
    engine: &SandboxEngine,
    bundle: &Bundle,
    name: &str,
    tweak: impl FnOnce(&mut FunctionConfig),
) -> PreparedFunction {
    let mut config = FunctionConfig::from_bundle(name, bundle);
    tweak(&mut config);
    engine.prepare(bundle, config).expect("the guest prepares")
}

/// A new request id, unique in this process.
pub fn request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("test-request-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Invokes `function` (prepared on the shared engine) with `event`.
pub fn invoke(function: &PreparedFunction, event: &[u8]) -> InvocationResult {
    invoke_on(engine(), function, event)
}

/// Invokes `function` (prepared on `engine`) with `event`; the sandbox must
/// run it.
pub fn invoke_on(engine: &SandboxEngine, function: &PreparedFunction, event: &[u8]) -> InvocationResult {
    engine.invoke(function, Invocation::new(request_id(), event.to_vec())).expect("the sandbox runs the invocation")
}

/// Panics unless an echo invocation on `engine` returns its event: whatever
/// the previous guest did, the engine must still serve the next one.
pub fn assert_healthy(engine: &SandboxEngine) {
    static ECHO: OnceLock<Bundle> = OnceLock::new();
    let echo = prepare_on(engine, ECHO.get_or_init(|| bundle("echo")), "echo", |_| {});
    let event = format!(r#"{{"healthy":"{}"}}"#, request_id());
    let result = invoke_on(engine, &echo, event.as_bytes());
    assert_eq!(result.outcome, Outcome::Success { response: event.into_bytes() }, "log: {}", log(&result));
}

/// The invocation's log, for assertion messages.
pub fn log(result: &InvocationResult) -> String {
    String::from_utf8_lossy(&result.log).into_owned()
}
