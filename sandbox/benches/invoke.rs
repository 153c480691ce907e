//! `cargo bench -p nimbus-sandbox`: a hello guest (C with wasi-libc, when
//! clang can build it, and a WAT echo, without and with the `/var/task` and
//! `/tmp` mounts a file-using guest gets) through `SandboxEngine::invoke`,
//! beside plain wasmtime measured in the same run — the baseline: default
//! allocator, and per call a `Linker` with WASI added, a fresh `Store` and
//! WASI context, `instantiate`, as embedding examples do it (the module is
//! compiled once); also shown with the linker built once — and the cold
//! start of a ~1 MB module loaded from the artifact cache.
//!
//! `-- --smoke` runs a few hundred iterations only (for CI), and fails when
//! hello.c cannot be built: CI installs its toolchain, so a missing guest
//! there is a broken setup, not a reason to measure less.

use nimbus_sandbox::{ArtifactSource, Bundle, EngineConfig, FunctionConfig, Invocation, Outcome, SandboxEngine};
use std::time::{Duration, Instant};
use wasmtime::{Engine, Linker, Module, Store};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};

/// ~100 bytes of JSON, as in PERF-NOTES.md.
const EVENT: &[u8] = br#"{"name":"world","request":"a hundred bytes of json or so","padding":"xxxxxxxxxxxxxxxxxxxx"}"#;

fn main() {
    let smoke = std::env::args().any(|a| a == "--smoke");
    let (warmup, iterations) = if smoke { (50, 300) } else { (2_000, 20_000) };
    let data = tempfile::tempdir().expect("temp dir");
    let engine = SandboxEngine::new(EngineConfig::new(data.path())).expect("engine");

    let mut guests = Vec::new();
    match hello_c(data.path()) {
        Ok(wasm) => guests.push(("hello.c (wasi-libc)", wasm, HELLO_RESPONSE)),
        Err(why) if smoke => {
            eprintln!("hello.c not built ({why}); {HELLO_C_NEEDS}");
            std::process::exit(1);
        }
        Err(why) => println!("hello.c not built, so not measured ({why}); {HELLO_C_NEEDS}"),
    }
    let echo_text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/guests/echo.wat")).expect("echo.wat");
    guests.push(("echo.wat", wat::parse_str(&echo_text).expect("echo.wat"), EVENT));
    // The same guest importing a call that can reach directories: it gets
    // /var/task and /tmp mounted, which a guest without such imports skips.
    let with_mounts = echo_text.replacen(
        "(module",
        "(module (import \"wasi_snapshot_preview1\" \"fd_prestat_get\" (func (param i32 i32) (result i32)))",
        1,
    );
    guests.push((
        "echo.wat, mounting /var/task and /tmp",
        wat::parse_str(&with_mounts).expect("echo with mounts"),
        EVENT,
    ));

    for (name, wasm, response) in guests {
        let bundle = Bundle::from_module(&wasm).expect("bundle");
        let function = engine.prepare(&bundle, FunctionConfig::new("hello")).expect("prepare");
        let nimbus = measure(warmup, iterations, || {
            let result = engine.invoke(&function, Invocation::new("bench", EVENT.to_vec())).expect("invoke");
            assert_eq!(result.outcome, Outcome::Success { response: response.to_vec() });
        });
        let baseline = Baseline::new(&wasm);
        let plain = measure(warmup / 4, iterations / 4, || baseline.invoke(response, Linking::PerCall));
        let reused = measure(warmup / 4, iterations / 4, || baseline.invoke(response, Linking::Reused));

        println!("\n{name}: {iterations} invocations (baseline {}), one thread", iterations / 4);
        println!("{:<40} {:>13} {:>10} {:>10}", "", "invocations/s", "p50 µs", "p99 µs");
        plain.print("plain wasmtime (baseline)");
        reused.print("plain wasmtime, linker reused");
        nimbus.print("nimbus SandboxEngine::invoke");
        println!(
            "ratio: p50 {:.1}x faster, p99 {:.1}x faster, throughput {:.1}x",
            plain.p50.as_secs_f64() / nimbus.p50.as_secs_f64(),
            plain.p99.as_secs_f64() / nimbus.p99.as_secs_f64(),
            nimbus.per_second / plain.per_second
        );
    }
    println!();
    cold_start_from_cache(&engine, if smoke { 3 } else { 20 });
}

/// How to get a toolchain that builds hello.c: the packages `.ci/run` installs.
const HELLO_C_NEEDS: &str = "install clang lld wasi-libc libclang-rt-dev-wasm32 (Debian: apt-get install)";

/// What hello.c answers.
const HELLO_RESPONSE: &[u8] = b"{\"message\":\"hello\"}\n";

/// Builds `benches/guests/hello.c` with clang for wasm32-wasi.
fn hello_c(dir: &std::path::Path) -> Result<Vec<u8>, String> {
    let output = dir.join("hello.wasm");
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/guests/hello.c");
    let status = std::process::Command::new("clang")
        .args(["--target=wasm32-wasi", "-O2", "-Wl,--strip-all", source, "-o"])
        .arg(&output)
        .status()
        .map_err(|e| format!("clang: {e}"))?;
    if !status.success() {
        return Err(format!("clang exited with {status}"));
    }
    std::fs::read(&output).map_err(|e| e.to_string())
}

struct Summary {
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

impl Summary {
    fn print(&self, label: &str) {
        println!(
            "{label:<40} {:>12.0} {:>10.1} {:>10.1}",
            self.per_second,
            self.p50.as_secs_f64() * 1e6,
            self.p99.as_secs_f64() * 1e6
        );
    }
}

fn measure(warmup: usize, iterations: usize, mut call: impl FnMut()) -> Summary {
    for _ in 0..warmup {
        call();
    }
    let mut samples = Vec::with_capacity(iterations);
    let all = Instant::now();
    for _ in 0..iterations {
        let start = Instant::now();
        call();
        samples.push(start.elapsed());
    }
    let total = all.elapsed();
    samples.sort();
    Summary {
        per_second: iterations as f64 / total.as_secs_f64(),
        p50: samples[samples.len() / 2],
        p99: samples[samples.len() * 99 / 100],
    }
}

/// Whether the baseline builds its `Linker` per call or once.
#[derive(Clone, Copy, PartialEq)]
enum Linking {
    PerCall,
    Reused,
}

struct Baseline {
    engine: Engine,
    linker: Linker<WasiP1Ctx>,
    module: Module,
}

impl Baseline {
    fn new(wasm: &[u8]) -> Self {
        let engine = Engine::default();
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |ctx| ctx).expect("wasi");
        let module = Module::new(&engine, wasm).expect("compile");
        Self { engine, linker, module }
    }

    fn invoke(&self, response: &[u8], linking: Linking) {
        let stdout = MemoryOutputPipe::new(6 << 20);
        let wasi = WasiCtxBuilder::new()
            .stdin(MemoryInputPipe::new(EVENT))
            .stdout(stdout.clone())
            .stderr(MemoryOutputPipe::new(1 << 20))
            .build_p1();
        let mut store = Store::new(&self.engine, wasi);
        let fresh;
        let linker = match linking {
            Linking::Reused => &self.linker,
            Linking::PerCall => {
                let mut linker = Linker::new(&self.engine);
                wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |ctx| ctx).expect("wasi");
                fresh = linker;
                &fresh
            }
        };
        let instance = linker.instantiate(&mut store, &self.module).expect("instantiate");
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start").expect("_start");
        start.call(&mut store, ()).expect("run");
        assert_eq!(stdout.contents().as_ref(), response);
    }
}

/// A module of about 1 MB shaped like compiled code: a couple of thousand
/// functions of a few hundred bytes that call each other, one export.
fn large_module() -> Vec<u8> {
    const FUNCTIONS: usize = 3_100;
    let mut text = String::from(
        "(module (import \"wasi_snapshot_preview1\" \"proc_exit\" (func $exit (param i32))) (memory (export \"memory\") 2)\n",
    );
    for i in 0..FUNCTIONS {
        text.push_str(&format!("(func $f{i} (param i32) (result i32) local.get 0"));
        for k in 0..40 {
            text.push_str(&format!(" i32.const {} i32.add i32.const {k} i32.xor", i * 40 + k));
        }
        if i + 1 < FUNCTIONS {
            text.push_str(&format!(" call $f{}", i + 1));
        }
        text.push_str(")\n");
    }
    text.push_str("(func (export \"_start\") i32.const 0 call $f0 drop))");
    wat::parse_str(&text).expect("large module")
}

fn cold_start_from_cache(engine: &SandboxEngine, runs: usize) {
    let module = large_module();
    let bundle = Bundle::from_module(&module).expect("bundle");
    let first = engine.prepare(&bundle, FunctionConfig::new("large")).expect("prepare");
    let compile = {
        let start = Instant::now();
        // Compile again outside the cache to show what the cache saves.
        Module::new(&Engine::default(), &module).expect("compile");
        start.elapsed()
    };
    assert_eq!(first.artifact_source(), ArtifactSource::Compiled);
    let mut loads = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let again = engine.prepare(&bundle, FunctionConfig::new("large")).expect("prepare");
        loads.push(start.elapsed());
        assert_eq!(again.artifact_source(), ArtifactSource::Cache);
    }
    loads.sort();
    let artifact_bytes = std::fs::read_dir(engine.config().data_dir.join("artifacts"))
        .expect("artifacts")
        .flatten()
        .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .max()
        .unwrap_or(0);
    println!(
        "cold start of a {} KB module (artifact {} KB): prepare from cache p50 {:.3} ms vs compile {:.1} ms ({:.0}x)",
        module.len() / 1024,
        artifact_bytes / 1024,
        loads[loads.len() / 2].as_secs_f64() * 1e3,
        compile.as_secs_f64() * 1e3,
        compile.as_secs_f64() / loads[loads.len() / 2].as_secs_f64()
    );
}
