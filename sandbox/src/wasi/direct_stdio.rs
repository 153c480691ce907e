//! `fd_read` on stdin and `fd_write` on stdout and stderr, served straight
//! from the invocation's buffers.
//!
//! wasmtime-wasi's `fd_read`/`fd_write` go through its descriptor table,
//! stream traits and a boxed future per call (see
//! `docs/performance-notes.md`), although stdio here is memory. These two calls
//! are most of what a function does (read the event, write the response
//! and its log), so for a module whose descriptors can only ever be the
//! three stdio ones they are answered here instead: a module that imports
//! none of the calls that open, close or renumber a descriptor (see
//! [`can_serve`]). Any other module keeps wasmtime-wasi's calls.
//!
//! Behaviour follows wasmtime-wasi's (as `bounded_io` wraps it): only the
//! first non-empty buffer of an iovec array is read or written, more than
//! [`MAX_IOVECS`] buffers is `EINVAL`, a descriptor used the wrong way or not
//! open is `EBADF`, and a pointer outside the guest's memory or misaligned
//! traps (WASI's rule for pointers). Response and log limits are the same
//! [`CappedOutput`]s.

use super::errno;
use super::{MAX_IOVECS, MODULE, first_non_empty, slice_at, write_u32};
use crate::host_state::InvocationState;
use crate::output::{CappedOutput, Overflow, ResponseTooLarge};
use wasmtime::{Caller, Extern, Linker, Memory, Module};

const STDIN: i32 = 0;
const STDOUT: i32 = 1;
const STDERR: i32 = 2;

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

/// Shadows `fd_read` and `fd_write` in `linker` (a linker used only for
/// modules [`can_serve`] accepts; shadowing is allowed by the caller).
pub(crate) fn add_to_linker(linker: &mut Linker<InvocationState>) -> wasmtime::Result<()> {
    linker.func_wrap(MODULE, "fd_read", fd_read)?;
    linker.func_wrap(MODULE, "fd_write", fd_write)?;
    Ok(())
}

fn fd_read(
    mut caller: Caller<'_, InvocationState>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    nread: i32,
) -> wasmtime::Result<i32> {
    if iovs_len as u32 as usize > MAX_IOVECS {
        return Ok(errno::INVAL);
    }
    let (data, stdio, (at, len)) = enter(&mut caller, "fd_read", iovs, iovs_len)?;
    if fd != STDIN {
        return Ok(errno::BADF);
    }
    let result = slice_at(data, "fd_read", nread, 4, 4)?;
    let available = &stdio.stdin[stdio.read..];
    let n = available.len().min(len);
    data[at..at + n].copy_from_slice(&available[..n]);
    stdio.read += n;
    write_u32(data, result, n as u32);
    Ok(errno::SUCCESS)
}

fn fd_write(
    mut caller: Caller<'_, InvocationState>,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    nwritten: i32,
) -> wasmtime::Result<i32> {
    if iovs_len as u32 as usize > MAX_IOVECS {
        return Ok(errno::INVAL);
    }
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
    write_u32(data, result, len as u32);
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
    let buffer = first_non_empty(data, call, iovs, iovs_len)?.map_or((0, 0), |first| (first.start, first.len));
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
}
