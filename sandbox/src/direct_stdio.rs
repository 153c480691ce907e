//! `fd_read` on stdin and `fd_write` on stdout and stderr, served straight
//! from the invocation's buffers.
//!
//! wasmtime-wasi's synchronous `fd_read`/`fd_write` each run an async
//! operation under a Tokio `block_on` (PERF-NOTES.md: thousands of
//! instructions per call), although stdio here is memory. These two calls
//! are most of what a function does (read the event, write the response
//! and its log), so for a module whose descriptors can only ever be the
//! three stdio ones they are answered here instead: a module that imports
//! none of the calls that open, close or renumber a descriptor (see
//! [`can_serve`]). Any other module keeps wasmtime-wasi's calls.
//!
//! Behaviour follows wasmtime-wasi's: only the first non-empty buffer of an
//! iovec array is read or written, a descriptor used the wrong way or not
//! open is `EBADF`, and a pointer outside the guest's memory or misaligned
//! traps (WASI's rule for pointers). Response and log limits are the same
//! [`CappedOutput`]s.

use crate::invoke::InvocationState;
use crate::output::{CappedOutput, Overflow, ResponseTooLarge};
use crate::wasi_errno as errno;
use wasmtime::{Caller, Extern, Linker, Memory, Module};

const STDIN: i32 = 0;
const STDOUT: i32 = 1;
const STDERR: i32 = 2;
/// An `iovec`/`ciovec`: a 32-bit pointer and a 32-bit length.
const IOVEC_SIZE: usize = 8;
const IOVEC_ALIGN: usize = 4;

/// The calls that can open, close or renumber a descriptor: a module that
/// imports none of them only ever has stdin, stdout and stderr.
fn changes_descriptors(name: &str) -> bool {
    matches!(name, "fd_close" | "fd_renumber" | "sock_accept") || name.starts_with("path_")
}

/// Whether `module`'s stdio can be served here: it has no mounts
/// (`uses_filesystem` false) and imports no call that changes descriptors.
pub(crate) fn can_serve(module: &Module, uses_filesystem: bool) -> bool {
    !uses_filesystem && !module.imports().any(|import| changes_descriptors(import.name()))
}

/// One invocation's stdio, as these calls see it.
pub(crate) struct DirectStdio {
    stdin: Vec<u8>,
    /// How much of `stdin` the guest has read.
    read: usize,
    stdout: CappedOutput,
    stderr: CappedOutput,
    /// The guest's memory, once a call has looked it up.
    memory: Option<Memory>,
}

impl DirectStdio {
    pub(crate) fn new(stdin: Vec<u8>, stdout: CappedOutput, stderr: CappedOutput) -> Self {
        Self { stdin, read: 0, stdout, stderr, memory: None }
    }
}

/// Shadows wasmtime-wasi's `fd_read` and `fd_write` in `linker` (a linker
/// used only for modules [`can_serve`] accepts).
pub(crate) fn add_to_linker(linker: &mut Linker<InvocationState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    linker.func_wrap("wasi_snapshot_preview1", "fd_read", fd_read)?;
    linker.func_wrap("wasi_snapshot_preview1", "fd_write", fd_write)?;
    linker.allow_shadowing(false);
    Ok(())
}

/// A guest pointer that fell outside its memory or was misaligned.
#[derive(Debug)]
struct BadPointer {
    call: &'static str,
    what: &'static str,
    at: usize,
}

impl std::fmt::Display for BadPointer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} pointer {:#x} is out of bounds or misaligned", self.call, self.what, self.at)
    }
}

impl std::error::Error for BadPointer {}

fn fd_read(
    mut caller: Caller<'_, InvocationState>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    nread: i32,
) -> wasmtime::Result<i32> {
    let (data, stdio, (at, len)) = enter(&mut caller, "fd_read", iovs, iovs_len)?;
    if fd != STDIN {
        return Ok(errno::BADF);
    }
    let result = slice_at(data, "fd_read", nread, 4, 4)?;
    let available = &stdio.stdin[stdio.read..];
    let n = available.len().min(len);
    data[at..at + n].copy_from_slice(&available[..n]);
    stdio.read += n;
    data[result..result + 4].copy_from_slice(&(n as u32).to_le_bytes());
    Ok(errno::SUCCESS)
}

fn fd_write(
    mut caller: Caller<'_, InvocationState>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    nwritten: i32,
) -> wasmtime::Result<i32> {
    let (data, stdio, (at, len)) = enter(&mut caller, "fd_write", iovs, iovs_len)?;
    let output = match fd {
        STDOUT => &stdio.stdout,
        STDERR => &stdio.stderr,
        _ => return Ok(errno::BADF),
    };
    let result = slice_at(data, "fd_write", nwritten, 4, 4)?;
    if output.append(&data[at..at + len]) > 0 && output.overflow() == Overflow::Trap {
        return Err(wasmtime::Error::new(ResponseTooLarge));
    }
    data[result..result + 4].copy_from_slice(&(len as u32).to_le_bytes());
    Ok(errno::SUCCESS)
}

/// What both calls start with: the guest's memory, the invocation's stdio
/// and the first non-empty buffer of the iovec array (start, length).
fn enter<'a>(
    caller: &'a mut Caller<'_, InvocationState>,
    call: &'static str,
    iovs: i32,
    iovs_len: i32,
) -> wasmtime::Result<(&'a mut [u8], &'a mut DirectStdio, (usize, usize))> {
    let memory = guest_memory(caller, call)?;
    let (data, state) = memory.data_and_store_mut(caller);
    let stdio = state.direct_stdio.as_mut().ok_or_else(not_direct)?;
    let buffer = first_non_empty(data, call, iovs, iovs_len)?;
    Ok((data, stdio, buffer))
}

/// A module linked for direct stdio invoked without it: a bug of ours.
fn not_direct() -> wasmtime::Error {
    wasmtime::Error::msg("stdio: the invocation has no direct stdio")
}

/// The guest's exported memory (looked up by name once per invocation).
fn guest_memory(caller: &mut Caller<'_, InvocationState>, call: &'static str) -> wasmtime::Result<Memory> {
    if let Some(memory) = caller.data().direct_stdio.as_ref().and_then(|stdio| stdio.memory) {
        return Ok(memory);
    }
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        return Err(wasmtime::Error::msg(format!("{call}: the module exports no memory")));
    };
    if let Some(stdio) = caller.data_mut().direct_stdio.as_mut() {
        stdio.memory = Some(memory);
    }
    Ok(memory)
}

/// The start of `size` bytes at guest address `at`, checked against the
/// memory's bounds and `align`.
fn slice_at(data: &[u8], call: &'static str, at: i32, size: usize, align: usize) -> wasmtime::Result<usize> {
    let start = at as u32 as usize;
    if !start.is_multiple_of(align) || start.checked_add(size).is_none_or(|end| end > data.len()) {
        return Err(wasmtime::Error::new(BadPointer { call, what: "argument", at: start }));
    }
    Ok(start)
}

/// The first buffer of the iovec array with a non-zero length, as (start,
/// length) in guest memory; (0, 0) when all are empty.
fn first_non_empty(data: &[u8], call: &'static str, iovs: i32, count: i32) -> wasmtime::Result<(usize, usize)> {
    let count = count as u32 as usize;
    let array = iovs as u32 as usize;
    let Some(array_size) = count.checked_mul(IOVEC_SIZE) else {
        return Err(wasmtime::Error::new(BadPointer { call, what: "iovec array", at: array }));
    };
    if !array.is_multiple_of(IOVEC_ALIGN) || array.checked_add(array_size).is_none_or(|end| end > data.len()) {
        return Err(wasmtime::Error::new(BadPointer { call, what: "iovec array", at: array }));
    }
    for n in 0..count {
        let entry = &data[array + n * IOVEC_SIZE..array + (n + 1) * IOVEC_SIZE];
        let buf = u32::from_le_bytes(entry[0..4].try_into().expect("4 bytes")) as usize;
        let len = u32::from_le_bytes(entry[4..8].try_into().expect("4 bytes")) as usize;
        if len == 0 {
            continue;
        }
        if buf.checked_add(len).is_none_or(|end| end > data.len()) {
            return Err(wasmtime::Error::new(BadPointer { call, what: "buffer", at: buf }));
        }
        return Ok((buf, len));
    }
    Ok((0, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_descriptor_changing_calls_disqualify() {
        for name in ["fd_close", "fd_renumber", "sock_accept", "path_open", "path_unlink_file"] {
            assert!(changes_descriptors(name), "{name}");
        }
        for name in ["fd_read", "fd_write", "fd_fdstat_get", "environ_get", "proc_exit", "poll_oneoff", "fd_seek"] {
            assert!(!changes_descriptors(name), "{name}");
        }
    }

    #[test]
    fn the_first_non_empty_buffer_is_used() {
        let mut memory = vec![0u8; 64];
        // Two iovecs at 16: (buf 40, len 0) then (buf 48, len 5).
        memory[16..20].copy_from_slice(&40u32.to_le_bytes());
        memory[24..28].copy_from_slice(&48u32.to_le_bytes());
        memory[28..32].copy_from_slice(&5u32.to_le_bytes());
        assert_eq!(first_non_empty(&memory, "t", 16, 2).unwrap(), (48, 5));
        assert_eq!(first_non_empty(&memory, "t", 16, 1).unwrap(), (0, 0));
    }

    #[test]
    fn pointers_outside_memory_or_misaligned_are_refused() {
        let mut memory = vec![0u8; 64];
        memory[16..20].copy_from_slice(&60u32.to_le_bytes());
        memory[20..24].copy_from_slice(&8u32.to_le_bytes());
        assert!(first_non_empty(&memory, "t", 16, 1).unwrap_err().is::<BadPointer>());
        assert!(first_non_empty(&memory, "t", 18, 1).is_err());
        assert!(first_non_empty(&memory, "t", 60, 1).is_err());
        assert!(first_non_empty(&memory, "t", 16, i32::MAX).is_err());
        assert!(slice_at(&memory, "t", 62, 4, 4).is_err());
        assert!(slice_at(&memory, "t", 6, 4, 4).is_err());
        assert_eq!(slice_at(&memory, "t", 60, 4, 4).unwrap(), 60);
    }
}
