//! The WASI preview-1 host: wasmtime-wasi's asynchronous implementation,
//! with the calls whose time or size a guest controls answered (or wrapped)
//! here so that each is bounded:
//!
//! - `poll_oneoff` ([`poll`]): a sleep is a timer, not a blocked thread, and
//!   ends at the invocation's deadline;
//! - `random_get` ([`random`]): filled in chunks, checking the deadline and
//!   yielding between them;
//! - `fd_read`, `fd_pread`, `fd_write`, `fd_pwrite` ([`bounded_io`]): at most
//!   a set number of bytes per call (a short count, which WASI allows and
//!   guests loop on) and no more than `/tmp` has room for;
//! - stdin, stdout and stderr of modules whose descriptors never change
//!   ([`direct_stdio`]): answered from the invocation's buffers.
//!
//! Every host call also checks the deadline on the way in and out (a store
//! call hook, see `invoke.rs`): epoch checks run only in wasm code, and a
//! guest could otherwise spend its whole life in back-to-back host calls.

pub(crate) mod bounded_io;
pub(crate) mod direct_stdio;
pub(crate) mod errno;
pub(crate) mod poll;
pub(crate) mod random;

use crate::host_state::InvocationState;
use wasmtime::{Caller, Engine, Extern, Linker, Memory};

/// The module name of WASI preview 1's imports.
pub(crate) const MODULE: &str = "wasi_snapshot_preview1";

/// A linker with every WASI call, its stdio served by [`direct_stdio`] when
/// `direct_stdio` is set (for modules [`direct_stdio::can_serve`] accepts).
pub(crate) fn linker(engine: &Engine, direct_stdio: bool) -> wasmtime::Result<Linker<InvocationState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |state: &mut InvocationState| &mut state.wasi)?;
    linker.allow_shadowing(true);
    poll::add_to_linker(&mut linker)?;
    random::add_to_linker(&mut linker)?;
    bounded_io::add_to_linker(&mut linker)?;
    if direct_stdio {
        direct_stdio::add_to_linker(&mut linker)?;
    }
    linker.allow_shadowing(false);
    Ok(linker)
}

/// The guest's exported memory.
pub(crate) fn guest_memory(caller: &mut Caller<'_, InvocationState>, call: &'static str) -> wasmtime::Result<Memory> {
    match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => Ok(memory),
        _ => Err(wasmtime::Error::msg(format!("{call}: the module exports no memory"))),
    }
}

/// A guest pointer that fell outside its memory or was misaligned.
#[derive(Debug)]
pub(crate) struct BadPointer {
    pub(crate) call: &'static str,
    pub(crate) what: &'static str,
    pub(crate) at: usize,
}

impl std::fmt::Display for BadPointer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} pointer {:#x} is out of bounds or misaligned", self.call, self.what, self.at)
    }
}

impl std::error::Error for BadPointer {}

/// Most buffers one read or write call takes (POSIX's usual `IOV_MAX`):
/// beyond it `EINVAL`, so that no call spends long walking its array.
pub(crate) const MAX_IOVECS: usize = 1024;

/// An `iovec`/`ciovec`: a 32-bit pointer and a 32-bit length.
const IOVEC_SIZE: usize = 8;
const IOVEC_ALIGN: usize = 4;

/// Where the first buffer with a non-zero length of an iovec array is
/// described, as WASI's implementations pick it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FirstBuffer {
    /// The guest address of the iovec entry (its length is at `entry + 4`).
    pub(crate) entry: usize,
    /// The buffer's start.
    pub(crate) start: usize,
    /// The buffer's length.
    pub(crate) len: usize,
}

/// The first non-empty buffer of the iovec array at `iovs` (`count`
/// entries), checked against the memory's bounds; `None` when all are empty.
pub(crate) fn first_non_empty(
    data: &[u8],
    call: &'static str,
    iovs: i32,
    count: i32,
) -> wasmtime::Result<Option<FirstBuffer>> {
    let count = count as u32 as usize;
    let array = iovs as u32 as usize;
    let Some(array_size) = count.checked_mul(IOVEC_SIZE) else {
        return Err(wasmtime::Error::new(BadPointer { call, what: "iovec array", at: array }));
    };
    if !array.is_multiple_of(IOVEC_ALIGN) || array.checked_add(array_size).is_none_or(|end| end > data.len()) {
        return Err(wasmtime::Error::new(BadPointer { call, what: "iovec array", at: array }));
    }
    for n in 0..count {
        let entry = array + n * IOVEC_SIZE;
        let start = read_u32(data, entry) as usize;
        let len = read_u32(data, entry + 4) as usize;
        if len == 0 {
            continue;
        }
        if start.checked_add(len).is_none_or(|end| end > data.len()) {
            return Err(wasmtime::Error::new(BadPointer { call, what: "buffer", at: start }));
        }
        return Ok(Some(FirstBuffer { entry, start, len }));
    }
    Ok(None)
}

/// The little-endian `u32` at `at` (the caller has checked the bounds).
pub(crate) fn read_u32(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(data[at..at + 4].try_into().expect("4 bytes"))
}

/// Writes a little-endian `u32` at `at` (the caller has checked the bounds).
pub(crate) fn write_u32(data: &mut [u8], at: usize, value: u32) {
    data[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// The start of `size` bytes at guest address `at`, checked against the
/// memory's bounds and `align`.
pub(crate) fn slice_at(data: &[u8], call: &'static str, at: i32, size: usize, align: usize) -> wasmtime::Result<usize> {
    let start = at as u32 as usize;
    if !start.is_multiple_of(align) || start.checked_add(size).is_none_or(|end| end > data.len()) {
        return Err(wasmtime::Error::new(BadPointer { call, what: "argument", at: start }));
    }
    Ok(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_non_empty_buffer_is_used() {
        let mut memory = vec![0u8; 64];
        // Two iovecs at 16: (buf 40, len 0) then (buf 48, len 5).
        write_u32(&mut memory, 16, 40);
        write_u32(&mut memory, 24, 48);
        write_u32(&mut memory, 28, 5);
        assert_eq!(first_non_empty(&memory, "t", 16, 2).unwrap(), Some(FirstBuffer { entry: 24, start: 48, len: 5 }));
        assert_eq!(first_non_empty(&memory, "t", 16, 1).unwrap(), None);
    }

    #[test]
    fn pointers_outside_memory_or_misaligned_are_refused() {
        let mut memory = vec![0u8; 64];
        write_u32(&mut memory, 16, 60);
        write_u32(&mut memory, 20, 8);
        assert!(first_non_empty(&memory, "t", 16, 1).unwrap_err().is::<BadPointer>());
        assert!(first_non_empty(&memory, "t", 18, 1).is_err());
        assert!(first_non_empty(&memory, "t", 60, 1).is_err());
        assert!(first_non_empty(&memory, "t", 16, i32::MAX).is_err());
        assert!(slice_at(&memory, "t", 62, 4, 4).is_err());
        assert!(slice_at(&memory, "t", 6, 4, 4).is_err());
        assert_eq!(slice_at(&memory, "t", 60, 4, 4).unwrap(), 60);
    }
}
