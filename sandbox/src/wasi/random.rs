//! `random_get`, filled in bounded chunks.
//!
//! WASI's `random_get` must fill the whole buffer (no short count), and a
//! guest may ask for its whole memory at once (up to 4 GiB), which
//! wasmtime-wasi would allocate on the host and fill in one go, past any
//! deadline. Here the bytes go straight into guest memory, a chunk at a
//! time, from a cryptographically secure generator (the thread's
//! ChaCha-based one, seeded by the OS); between chunks the deadline is
//! checked and the guest yields when others wait for its thread.

use super::{MODULE, errno};
use crate::host_state::InvocationState;
use rand::Rng as _;
use wasmtime::{Caller, Extern, Linker};

/// Bytes filled between two looks at the deadline and the time slice.
const CHUNK: usize = 64 << 10;

/// Shadows wasmtime-wasi's `random_get` (shadowing is allowed by the caller).
pub(crate) fn add_to_linker(linker: &mut Linker<InvocationState>) -> wasmtime::Result<()> {
    linker.func_wrap_async(MODULE, "random_get", |caller: Caller<'_, InvocationState>, (buf, len): (i32, i32)| {
        Box::new(random_get(caller, buf, len))
    })?;
    Ok(())
}

async fn random_get(mut caller: Caller<'_, InvocationState>, buf: i32, len: i32) -> wasmtime::Result<i32> {
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        return Ok(errno::FAULT);
    };
    let (start, len) = (buf as u32 as usize, len as u32 as usize);
    if start.checked_add(len).is_none_or(|end| end > memory.data_size(&caller)) {
        return Ok(errno::FAULT);
    }
    let mut done = 0;
    while done < len {
        let n = CHUNK.min(len - done);
        rand::rng().fill_bytes(&mut memory.data_mut(&mut caller)[start + done..start + done + n]);
        done += n;
        if done < len {
            let state = caller.data();
            state.check_deadline()?;
            if state.slices.should_yield() {
                let slices = state.slices.clone();
                slices.yield_now().await;
            }
        }
    }
    Ok(errno::SUCCESS)
}
