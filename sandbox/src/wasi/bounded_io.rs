//! `fd_read`, `fd_pread`, `fd_write` and `fd_pwrite`, bounded.
//!
//! wasmtime-wasi moves a call's whole first buffer in one system call: a
//! guest with gigabytes of memory could spend seconds in one write, past
//! its deadline, and fill the disk before `/tmp`'s size is next measured.
//! These wrappers cap the buffer at the invocation's per-call limit and,
//! for writes to files, at what `/tmp` still has room for, then let
//! wasmtime-wasi do the call: the guest sees a short count, which WASI
//! allows and every libc loops on. The cap is applied by lowering the
//! length in the guest's own iovec for the duration of the call (the guest
//! cannot run meanwhile) and restoring it after. Before each call the
//! guest yields its thread if it has used its slice and others wait, so a
//! body of back-to-back calls shares the CPU like a loop does. An iovec
//! array longer than [`MAX_IOVECS`] is refused with `EINVAL`, as POSIX's
//! `writev` refuses more than `IOV_MAX` buffers.

use super::{FirstBuffer, MAX_IOVECS, MODULE, errno, first_non_empty, read_u32, write_u32};
use crate::host_state::InvocationState;
use wasmtime::{AsContextMut, Caller, Linker};
use wasmtime_wasi::p1::wasi_snapshot_preview1 as preview1;
use wasmtime_wasi::p1::wasi_snapshot_preview1::WasiSnapshotPreview1 as _;
use wiggle::GuestMemory;

/// The four calls, with what tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Read,
    Pread(i64),
    Write,
    Pwrite(i64),
}

impl Call {
    fn name(self) -> &'static str {
        match self {
            Call::Read => "fd_read",
            Call::Pread(_) => "fd_pread",
            Call::Write => "fd_write",
            Call::Pwrite(_) => "fd_pwrite",
        }
    }

    fn writes(self) -> bool {
        matches!(self, Call::Write | Call::Pwrite(_))
    }
}

/// The standard descriptors: their writes go to the capped response and
/// log buffers, not to `/tmp`.
const FIRST_FILE_FD: i32 = 3;

/// Shadows wasmtime-wasi's four calls (shadowing is allowed by the caller).
pub(crate) fn add_to_linker(linker: &mut Linker<InvocationState>) -> wasmtime::Result<()> {
    type Args = (i32, i32, i32, i32);
    type OffsetArgs = (i32, i32, i32, i64, i32);
    linker.func_wrap_async(MODULE, "fd_read", |caller: Caller<'_, InvocationState>, (fd, iovs, len, out): Args| {
        Box::new(bounded(caller, Call::Read, fd, iovs, len, out))
    })?;
    linker.func_wrap_async(MODULE, "fd_write", |caller: Caller<'_, InvocationState>, (fd, iovs, len, out): Args| {
        Box::new(bounded(caller, Call::Write, fd, iovs, len, out))
    })?;
    linker.func_wrap_async(
        MODULE,
        "fd_pread",
        |caller: Caller<'_, InvocationState>, (fd, iovs, len, offset, out): OffsetArgs| {
            Box::new(bounded(caller, Call::Pread(offset), fd, iovs, len, out))
        },
    )?;
    linker.func_wrap_async(
        MODULE,
        "fd_pwrite",
        |caller: Caller<'_, InvocationState>, (fd, iovs, len, offset, out): OffsetArgs| {
            Box::new(bounded(caller, Call::Pwrite(offset), fd, iovs, len, out))
        },
    )?;
    Ok(())
}

async fn bounded(
    mut caller: Caller<'_, InvocationState>,
    call: Call,
    fd: i32,
    iovs: i32,
    iovs_len: i32,
    out: i32,
) -> wasmtime::Result<i32> {
    if iovs_len as u32 as usize > MAX_IOVECS {
        return Ok(errno::INVAL);
    }
    let slices = &caller.data().slices;
    if slices.should_yield() {
        let slices = slices.clone();
        slices.yield_now().await;
    }
    let fuel = caller.as_context_mut().hostcall_fuel();
    let memory = super::guest_memory(&mut caller, call.name())?;
    let (data, state) = memory.data_and_store_mut(&mut caller);
    // An invalid array is left to wasmtime-wasi, which answers it as WASI says.
    let first = first_non_empty(data, call.name(), iovs, iovs_len).ok().flatten();
    let mut cap = state.max_io_bytes;
    let to_tmp = call.writes() && fd >= FIRST_FILE_FD && state.tmp.is_some();
    if to_tmp && let (Some(tmp), Some(first)) = (state.tmp.as_mut(), first) {
        cap = cap.min(tmp.admit_write(first.len.min(cap))?);
    }
    let lowered = first.filter(|first| first.len > cap);
    if let Some(FirstBuffer { entry, .. }) = lowered {
        write_u32(data, entry + 4, cap as u32);
    }
    state.wasi.set_hostcall_fuel(fuel);
    let mut guest = GuestMemory::Unshared(data);
    let wasi = &mut state.wasi;
    let result = match call {
        Call::Read => preview1::fd_read(wasi, &mut guest, fd, iovs, iovs_len, out).await,
        Call::Pread(offset) => preview1::fd_pread(wasi, &mut guest, fd, iovs, iovs_len, offset, out).await,
        Call::Write => preview1::fd_write(wasi, &mut guest, fd, iovs, iovs_len, out).await,
        Call::Pwrite(offset) => preview1::fd_pwrite(wasi, &mut guest, fd, iovs, iovs_len, offset, out).await,
    };
    let GuestMemory::Unshared(data) = guest else { unreachable!("built as unshared above") };
    if let Some(FirstBuffer { entry, len, .. }) = lowered {
        write_u32(data, entry + 4, len as u32);
    }
    if to_tmp
        && result.as_ref().is_ok_and(|code| *code == errno::SUCCESS)
        && let Some(tmp) = state.tmp.as_mut()
        && let Ok(at) = super::slice_at(data, call.name(), out, 4, 4)
    {
        tmp.wrote(read_u32(data, at) as usize);
    }
    result
}
