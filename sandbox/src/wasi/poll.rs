//! `poll_oneoff`: a sleep that holds no thread and ends at the deadline.
//!
//! wasmtime-wasi's `poll_oneoff` waits on the host for as long as a clock
//! subscription asks, and epoch interruption cannot stop host code. Here a
//! clock subscription is a timer on the engine's clock thread: the guest's
//! future returns `Pending` and its thread runs other work until the timer
//! wakes it. It sleeps at most until the deadline, then stops the guest as
//! timed out. Every descriptor an invocation has (memory pipes for stdio,
//! regular files and directories) is always ready, so fd subscriptions fire
//! at once. The time asleep is the guest's (as Lambda bills a sleeping
//! function); waiting for the thread after the timer fired is not.

use super::{MODULE, errno};
use crate::host_state::{InvocationState, TimedOut};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use wasmtime::{Caller, Extern, Linker};

const SUBSCRIPTION_SIZE: usize = 48;
const EVENT_SIZE: usize = 32;
const TAG_CLOCK: u8 = 0;
const CLOCK_REALTIME: u32 = 0;
const SUBSCRIPTION_CLOCK_ABSTIME: u16 = 1;

/// One subscription as the guest wrote it.
struct Subscription {
    userdata: u64,
    tag: u8,
    /// For a clock: how long from now it fires.
    wait: Duration,
}

/// Shadows wasmtime-wasi's `poll_oneoff` in `linker` (shadowing is allowed
/// by the caller).
pub(crate) fn add_to_linker(linker: &mut Linker<InvocationState>) -> wasmtime::Result<()> {
    linker.func_wrap_async(
        MODULE,
        "poll_oneoff",
        |caller: Caller<'_, InvocationState>, (subscriptions, events, count, events_written): (i32, i32, i32, i32)| {
            Box::new(poll_oneoff(caller, subscriptions, events, count, events_written))
        },
    )?;
    Ok(())
}

async fn poll_oneoff(
    mut caller: Caller<'_, InvocationState>,
    subscriptions: i32,
    events: i32,
    count: i32,
    events_written: i32,
) -> wasmtime::Result<i32> {
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        return Ok(errno::FAULT);
    };
    let count = count as u32 as usize;
    if count == 0 {
        return Ok(errno::INVAL);
    }
    let (subscriptions, events, events_written) =
        (subscriptions as u32 as usize, events as u32 as usize, events_written as u32 as usize);
    let len = memory.data_size(&caller);
    // `count` is a u32, so these products fit a 64-bit usize.
    let fits = |start: usize, size: usize| start.checked_add(size).is_some_and(|end| end <= len);
    if !fits(subscriptions, count * SUBSCRIPTION_SIZE) || !fits(events, count * EVENT_SIZE) || !fits(events_written, 4)
    {
        return Ok(errno::FAULT);
    }
    let parsed = {
        let data = memory.data(&caller);
        let mut parsed = Vec::with_capacity(count);
        for n in 0..count {
            let at = subscriptions + n * SUBSCRIPTION_SIZE;
            match parse(&data[at..at + SUBSCRIPTION_SIZE]) {
                Ok(subscription) => parsed.push(subscription),
                Err(code) => return Ok(code),
            }
        }
        parsed
    };
    let any_fd = parsed.iter().any(|s| s.tag != TAG_CLOCK);
    let wait = if any_fd { Duration::ZERO } else { parsed.iter().map(|s| s.wait).min().unwrap_or_default() };
    if !wait.is_zero() {
        let state = caller.data();
        let wake_at = Instant::now() + wait;
        let timed_out = wake_at >= state.deadline.at;
        let until = if timed_out { state.deadline.at } else { wake_at };
        let (clock, slices) = (state.clock.clone(), state.slices.clone());
        clock.sleep_until(until).await;
        // Asleep until `until`; anything after that was waiting for the thread.
        slices.resumed(until, Instant::now());
        if timed_out {
            return Err(wasmtime::Error::new(TimedOut));
        }
    }
    let fired: Vec<&Subscription> = parsed
        .iter()
        .filter(|s| if any_fd { s.tag != TAG_CLOCK || s.wait.is_zero() } else { s.wait <= wait })
        .collect();
    let data = memory.data_mut(&mut caller);
    for (n, subscription) in fired.iter().enumerate() {
        let event = &mut data[events + n * EVENT_SIZE..events + (n + 1) * EVENT_SIZE];
        event.fill(0);
        event[0..8].copy_from_slice(&subscription.userdata.to_le_bytes());
        event[10] = subscription.tag;
    }
    data[events_written..events_written + 4].copy_from_slice(&(fired.len() as u32).to_le_bytes());
    Ok(errno::SUCCESS)
}

/// Reads one `subscription` (WASI preview 1 layout, 48 bytes).
fn parse(bytes: &[u8]) -> Result<Subscription, i32> {
    let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    let userdata = u64_at(0);
    let tag = bytes[8];
    match tag {
        TAG_CLOCK => {
            let clock = u32_at(16);
            let timeout = u64_at(24);
            let flags = u16::from_le_bytes([bytes[40], bytes[41]]);
            let wait = if flags & SUBSCRIPTION_CLOCK_ABSTIME == 0 {
                Duration::from_nanos(timeout)
            } else if clock == CLOCK_REALTIME {
                let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
                Duration::from_nanos(timeout).saturating_sub(now)
            } else {
                // An absolute time on another clock would need that clock's
                // origin, which wasmtime-wasi keeps to itself.
                return Err(errno::NOTSUP);
            };
            Ok(Subscription { userdata, tag, wait })
        }
        1 | 2 => Ok(Subscription { userdata, tag, wait: Duration::ZERO }),
        _ => Err(errno::INVAL),
    }
}
