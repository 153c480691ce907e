//! One invocation: a fresh WASI context and instance, the event on stdin,
//! the limits enforced, and the ending classified into an [`Outcome`].
//!
//! An invocation is a future ([`SandboxEngine::run`]): the guest runs on a
//! fiber, gives its thread away when it sleeps and, when its poller asks,
//! at the end of each time slice (see `slicing.rs`).

use crate::engine::SandboxEngine;
use crate::error::Error;
use crate::host_state::{Deadline, InvocationState, TimedOut, TmpBudget, TmpFull};
use crate::memory_limit::{MemoryLimit, OutOfMemory};
use crate::outcome::{InvocationMetrics, InvocationResult, Outcome};
use crate::output::{CappedOutput, Overflow, ResponseTooLarge};
use crate::prepared::PreparedFunction;
use crate::slicing::{SliceClock, YieldSignal};
use crate::wasi::direct_stdio::DirectStdio;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use wasmtime::{CallHook, PoolConcurrencyLimitError, Store, UpdateDeadline};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryInputPipe;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

/// One request to run a function.
#[derive(Clone, Default)]
pub struct Invocation {
    /// The request id (`NIMBUS_REQUEST_ID`), unique per invocation.
    pub request_id: String,
    /// The event, given to the guest on stdin.
    pub event: Vec<u8>,
    /// Who else wants the thread the guest runs on. With a signal, the
    /// guest yields at the end of each time slice while others wait;
    /// without one it keeps its thread except while it sleeps.
    pub yield_signal: Option<Arc<dyn YieldSignal>>,
}

impl Invocation {
    /// An invocation with `request_id` and `event` that yields to nobody.
    pub fn new(request_id: impl Into<String>, event: Vec<u8>) -> Self {
        Self { request_id: request_id.into(), event, yield_signal: None }
    }
}

impl std::fmt::Debug for Invocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invocation")
            .field("request_id", &self.request_id)
            .field("event_bytes", &self.event.len())
            .field("yields", &self.yield_signal.is_some())
            .finish()
    }
}

impl SandboxEngine {
    /// Runs one invocation of `function` in a fresh instance and waits for
    /// it on this thread (see [`SandboxEngine::run`]).
    pub fn invoke(&self, function: &PreparedFunction, invocation: Invocation) -> Result<InvocationResult, Error> {
        crate::block_on::block_on(self.run(function, invocation))
    }

    /// One invocation of `function` in a fresh instance, as a future. Its
    /// clock (duration, timeout, `NIMBUS_DEADLINE_MS`) starts when it is
    /// first polled; time it then spends ready but kept waiting for its
    /// thread after yielding is not counted in its duration. Whatever the
    /// guest does, the result is an [`InvocationResult`]; `Err` means the
    /// sandbox itself could not run it (no free instance slot, or the host
    /// failed to set up `/tmp`).
    ///
    /// Poll it on a thread that may block for short, bounded moments (host
    /// calls do file I/O in bounded steps), never on a Tokio worker.
    pub async fn run(&self, function: &PreparedFunction, invocation: Invocation) -> Result<InvocationResult, Error> {
        let prepared = &function.inner;
        let config = &prepared.config;
        let limits = &self.config.limits;
        let started_at = SystemTime::now();
        let start = Instant::now();
        let deadline = start + config.timeout;

        let stdout = CappedOutput::new(limits.max_response_bytes, Overflow::Trap);
        let stderr = CappedOutput::new(limits.max_log_bytes, Overflow::Truncate);
        // A module that imports no call able to reach a directory gets no
        // mounts: nothing to open, no scratch directory to recycle.
        let tmp_dir = if prepared.uses_filesystem { Some(self.scratch.acquire()?) } else { None };
        let (stdin, direct_stdio) = if prepared.direct_stdio {
            (None, Some(DirectStdio::new(invocation.event, stdout.clone(), stderr.clone())))
        } else {
            (Some(MemoryInputPipe::new(invocation.event)), None)
        };
        let wasi = (|| -> wasmtime::Result<WasiP1Ctx> {
            let deadline_ms = started_at.duration_since(UNIX_EPOCH).unwrap_or_default() + config.timeout;
            let mut wasi = WasiCtxBuilder::new();
            if let Some(stdin) = stdin {
                wasi.stdin(stdin);
            }
            wasi.stdout(stdout.clone())
                .stderr(stderr.clone())
                .arg(&config.name)
                .envs(&prepared.base_env)
                .env("NIMBUS_REQUEST_ID", &invocation.request_id)
                .env("NIMBUS_DEADLINE_MS", deadline_ms.as_millis().to_string())
                .allow_blocking_current_thread(true);
            if let Some(tmp_dir) = &tmp_dir {
                wasi.preopened_dir(&prepared.files_dir, "/var/task", FsPerms::ReadOnly)?.preopened_dir(
                    tmp_dir,
                    "/tmp",
                    FsPerms::ReadWrite,
                )?;
            }
            Ok(wasi.build_p1())
        })();
        let wasi = match wasi {
            Ok(wasi) => wasi,
            Err(e) => {
                if let Some(tmp_dir) = tmp_dir {
                    self.scratch.release(tmp_dir);
                }
                return Err(Error::Io(std::io::Error::other(format!("{e:#}"))));
            }
        };
        let clock = self.ticker.clock();
        let slices = SliceClock::new(invocation.yield_signal, self.config.time_slice, start);
        let state = InvocationState {
            wasi,
            direct_stdio,
            memory: MemoryLimit::new(config.memory_mb as usize * 1024 * 1024),
            deadline: Deadline { at: deadline, tick: clock.tick_after(deadline) },
            tmp: tmp_dir.map(|dir| TmpBudget::new(dir, limits.max_tmp_bytes)),
            slices: Arc::clone(&slices),
            clock,
            max_io_bytes: limits.max_io_bytes_per_call,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.memory);
        if self.config.fuel_metering {
            store.set_fuel(u64::MAX).expect("fuel metering is enabled on this engine");
        }
        // Every tick: the deadline, now and then /tmp's size, and the slice.
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|mut ctx| {
            let state = ctx.data_mut();
            if Instant::now() >= state.deadline.at {
                return Err(wasmtime::Error::new(TimedOut));
            }
            if let Some(tmp) = &mut state.tmp {
                tmp.check(false)?;
            }
            if state.slices.should_yield() {
                return Ok(UpdateDeadline::YieldCustom(1, Box::pin(state.slices.yield_now())));
            }
            Ok(UpdateDeadline::Continue(1))
        });
        // Epoch checks run only in wasm: host calls check the deadline too.
        store.call_hook(|ctx, hook| match hook {
            CallHook::CallingHost | CallHook::ReturningFromHost => ctx.data().check_deadline(),
            CallHook::CallingWasm | CallHook::ReturningFromWasm => Ok(()),
        });

        let cold_start = !prepared.instantiated.swap(true, Ordering::Relaxed);
        let ran = async {
            let instance = prepared.instance_pre.instantiate_async(&mut store).await?;
            let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
            start.call_async(&mut store, ()).await
        }
        .await;
        let duration = start.elapsed().saturating_sub(slices.descheduled());

        let instructions = self.config.fuel_metering.then(|| u64::MAX - store.get_fuel().unwrap_or(u64::MAX));
        let state = store.into_data();
        let memory_exceeded = state.memory.exceeded();
        let peak_memory_bytes = state.memory.peak_memory_bytes() as u64;
        drop(state.wasi);
        if let Some(tmp) = state.tmp {
            self.scratch.release(tmp.dir);
        }

        if let Err(e) = &ran
            && let Some(pool) = e.downcast_ref::<PoolConcurrencyLimitError>()
        {
            tracing::debug!(error = %pool, "instance pool exhausted");
            prepared.instantiated.store(!cold_start, Ordering::Relaxed);
            return Err(Error::InstanceLimitExceeded { pool_size: self.config.pool_size });
        }

        let outcome = classify(
            ran,
            ClassifyContext {
                response: stdout.take(),
                response_overflowed: stdout.dropped() > 0,
                memory_exceeded,
                memory_mb: config.memory_mb,
                timeout: config.timeout,
                max_response_bytes: limits.max_response_bytes,
                max_tmp_bytes: limits.max_tmp_bytes,
            },
        );
        Ok(InvocationResult {
            outcome,
            log: finish_log(&stderr, limits.max_log_bytes),
            metrics: InvocationMetrics {
                started_at,
                duration_us: u64::try_from(duration.as_micros()).unwrap_or(u64::MAX),
                peak_memory_bytes,
                cold_start,
                instructions,
            },
        })
    }
}

struct ClassifyContext {
    response: Vec<u8>,
    response_overflowed: bool,
    memory_exceeded: bool,
    memory_mb: u32,
    timeout: Duration,
    max_response_bytes: usize,
    max_tmp_bytes: u64,
}

/// Turns how `_start` ended into an outcome. Limits the sandbox enforced
/// come first: they explain whatever the guest did next.
fn classify(ran: wasmtime::Result<()>, cx: ClassifyContext) -> Outcome {
    if cx.response_overflowed {
        return Outcome::ResponseTooLarge { limit_bytes: cx.max_response_bytes };
    }
    let error = match ran {
        Ok(()) => return Outcome::Success { response: cx.response },
        Err(error) => error,
    };
    if let Some(exit) = error.downcast_ref::<I32Exit>() {
        return match exit.0 {
            0 => Outcome::Success { response: cx.response },
            status => function_error(status, &cx.response),
        };
    }
    if cx.memory_exceeded || error.is::<OutOfMemory>() {
        return Outcome::OutOfMemory { memory_mb: cx.memory_mb };
    }
    if error.is::<TimedOut>() {
        return Outcome::Timeout { timeout: cx.timeout };
    }
    if error.is::<TmpFull>() {
        return Outcome::EphemeralStorageExceeded { limit_bytes: cx.max_tmp_bytes };
    }
    if error.is::<ResponseTooLarge>() {
        return Outcome::ResponseTooLarge { limit_bytes: cx.max_response_bytes };
    }
    let message = match error.downcast_ref::<wasmtime::Trap>() {
        Some(trap) => trap.to_string(),
        None => format!("{error:#}"),
    };
    Outcome::Trap { message }
}

/// The guest's own `{"errorMessage","errorType"}` when stdout holds one,
/// else Lambda's generic exit error.
fn function_error(status: i32, stdout: &[u8]) -> Outcome {
    let reported = serde_json::from_slice::<serde_json::Value>(stdout).ok();
    let field = |name: &str| {
        reported.as_ref()?.get(name).map(|value| match value {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        })
    };
    match (field("errorType"), field("errorMessage")) {
        (None, None) => Outcome::FunctionError {
            error_type: "Runtime.ExitError".into(),
            error_message: format!("Runtime exited with error: exit status {status}"),
        },
        (error_type, error_message) => Outcome::FunctionError {
            error_type: error_type.unwrap_or_else(|| "Runtime.ExitError".into()),
            error_message: error_message.unwrap_or_default(),
        },
    }
}

/// The kept log, plus a marker line when some of it was dropped.
fn finish_log(stderr: &CappedOutput, max_log_bytes: usize) -> Vec<u8> {
    let mut log = stderr.take();
    let dropped = stderr.dropped();
    if dropped > 0 {
        if !log.ends_with(b"\n") {
            log.push(b'\n');
        }
        log.extend_from_slice(
            format!("[nimbus] log truncated: {dropped} more bytes dropped (limit {max_log_bytes} bytes)\n").as_bytes(),
        );
    }
    log
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_with_error_json_uses_the_guests_fields() {
        let outcome = function_error(3, br#"{"errorMessage":"bad input","errorType":"InputError"}"#);
        assert_eq!(
            outcome,
            Outcome::FunctionError { error_type: "InputError".into(), error_message: "bad input".into() }
        );
    }

    #[test]
    fn exit_without_json_is_a_runtime_exit_error() {
        let outcome = function_error(3, b"not json");
        assert_eq!(
            outcome,
            Outcome::FunctionError {
                error_type: "Runtime.ExitError".into(),
                error_message: "Runtime exited with error: exit status 3".into()
            }
        );
    }
}
