//! The store's data for one invocation: what the host calls see, the limits
//! they enforce and the traps that end a guest for breaking one.

use crate::memory_limit::MemoryLimit;
use crate::scratch::used_bytes;
use crate::slicing::SliceClock;
use crate::ticker;
use crate::wasi::direct_stdio::DirectStdio;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime_wasi::p1::WasiP1Ctx;

/// The store's data for one invocation.
pub(crate) struct InvocationState {
    pub(crate) wasi: WasiP1Ctx,
    /// Stdio for `direct_stdio`'s calls, when the module is served there
    /// (wasmtime-wasi's context then has no stdin).
    pub(crate) direct_stdio: Option<DirectStdio>,
    pub(crate) memory: MemoryLimit,
    pub(crate) deadline: Deadline,
    pub(crate) tmp: Option<TmpBudget>,
    pub(crate) slices: Arc<SliceClock>,
    pub(crate) clock: Arc<ticker::Shared>,
    /// Most bytes one read or write call moves (a short count is valid WASI).
    pub(crate) max_io_bytes: usize,
}

/// When the invocation's time is up, as an instant and as a tick count of
/// the engine's clock (the cheap check host calls make).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    pub(crate) at: Instant,
    pub(crate) tick: u64,
}

impl InvocationState {
    /// Whether the deadline has passed (an atomic load, then the clock only
    /// when the coarse tick says it may have).
    pub(crate) fn past_deadline(&self) -> bool {
        self.clock.ticks() >= self.deadline.tick && Instant::now() >= self.deadline.at
    }

    /// `Err(TimedOut)` once the deadline has passed: the check every host
    /// call that can take time makes, since epoch checks run only in wasm.
    pub(crate) fn check_deadline(&self) -> wasmtime::Result<()> {
        if self.past_deadline() { Err(wasmtime::Error::new(TimedOut)) } else { Ok(()) }
    }
}

/// `/tmp`'s directory and how much more it may take.
pub(crate) struct TmpBudget {
    pub(crate) dir: PathBuf,
    pub(crate) max_bytes: u64,
    /// Bytes measured at the last walk plus those written since: an upper
    /// bound of what the directory holds, refreshed by walking it when a
    /// write would cross the limit.
    estimate: u64,
    /// When the directory was last walked by the periodic check.
    last_walk: Instant,
}

/// How often the epoch check walks `/tmp` while a guest runs.
const TMP_WALK_EVERY: Duration = Duration::from_millis(10);

impl TmpBudget {
    pub(crate) fn new(dir: PathBuf, max_bytes: u64) -> Self {
        Self { dir, max_bytes, estimate: 0, last_walk: Instant::now() }
    }

    /// Walks the directory now (at most once per [`TMP_WALK_EVERY`] unless
    /// `force`); `Err(TmpFull)` when it holds more than the limit.
    pub(crate) fn check(&mut self, force: bool) -> wasmtime::Result<()> {
        if !force && self.last_walk.elapsed() < TMP_WALK_EVERY {
            return Ok(());
        }
        self.last_walk = Instant::now();
        self.estimate = used_bytes(&self.dir, self.max_bytes);
        if self.estimate > self.max_bytes { Err(wasmtime::Error::new(TmpFull)) } else { Ok(()) }
    }

    /// How many of `wanted` bytes a write may add: all of them while the
    /// estimate leaves room, else what a fresh walk leaves; `Err(TmpFull)`
    /// when nothing is left.
    pub(crate) fn admit_write(&mut self, wanted: usize) -> wasmtime::Result<usize> {
        if self.estimate.saturating_add(wanted as u64) > self.max_bytes {
            self.check(true)?;
        }
        let room = self.max_bytes.saturating_sub(self.estimate);
        if room == 0 && wanted > 0 {
            return Err(wasmtime::Error::new(TmpFull));
        }
        Ok(usize::try_from(room).unwrap_or(usize::MAX).min(wanted))
    }

    /// Counts `written` bytes into the estimate.
    pub(crate) fn wrote(&mut self, written: usize) {
        self.estimate = self.estimate.saturating_add(written as u64);
    }
}

/// Raised (as a trap) when the deadline passes.
#[derive(Debug)]
pub(crate) struct TimedOut;

impl std::fmt::Display for TimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("deadline reached")
    }
}

impl std::error::Error for TimedOut {}

/// Raised (as a trap) when `/tmp` outgrows its limit.
#[derive(Debug)]
pub(crate) struct TmpFull;

impl std::fmt::Display for TmpFull {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("/tmp is full")
    }
}

impl std::error::Error for TmpFull {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_admitted_up_to_the_limit_then_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut tmp = TmpBudget::new(dir.path().to_path_buf(), 100_000);
        assert_eq!(tmp.admit_write(60_000).unwrap(), 60_000);
        std::fs::write(dir.path().join("a"), vec![1u8; 60_000]).unwrap();
        tmp.wrote(60_000);
        let admitted = tmp.admit_write(60_000).unwrap();
        assert!(admitted < 60_000 && admitted > 0, "a fresh walk leaves room for part of it: {admitted}");
        std::fs::write(dir.path().join("b"), vec![1u8; admitted]).unwrap();
        tmp.wrote(admitted);
        std::fs::write(dir.path().join("c"), vec![1u8; 8192]).unwrap();
        assert!(tmp.admit_write(1).unwrap_err().is::<TmpFull>());
    }
}
