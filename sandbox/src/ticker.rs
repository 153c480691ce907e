//! The engine's clock thread. Every tick it advances wasmtime's epoch (what
//! bounds a running guest's time: its timeout and its time slice) and a
//! coarse tick count that host calls compare with their deadline for the
//! price of an atomic load; and it wakes sleeping guests when their timers
//! are due, so that a sleep holds no thread while it waits.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};
use wasmtime::Engine;

/// The clock thread's handle; the thread stops when this is dropped.
pub(crate) struct Ticker {
    shared: Arc<Shared>,
}

/// What the clock thread and the sleeping guests share.
pub(crate) struct Shared {
    tick: Duration,
    /// Ticks since the thread started.
    ticks: AtomicU64,
    timers: Mutex<BinaryHeap<Reverse<Timer>>>,
    /// When the thread next wakes up on its own (ns since `origin`), so
    /// that a timer due sooner wakes it.
    next_wake_ns: AtomicU64,
    origin: Instant,
    thread: OnceLock<Thread>,
    stop: AtomicBool,
}

/// A sleeping guest's wake-up call.
struct Timer {
    at: Instant,
    seq: u64,
    waker: Waker,
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Timer {}

impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timer {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

impl Ticker {
    /// Starts the thread: it ticks `engine`'s epoch every `tick`.
    pub(crate) fn start(engine: Engine, tick: Duration) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            tick,
            ticks: AtomicU64::new(0),
            timers: Mutex::new(BinaryHeap::new()),
            next_wake_ns: AtomicU64::new(0),
            origin: Instant::now(),
            thread: OnceLock::new(),
            stop: AtomicBool::new(false),
        });
        let running = Arc::clone(&shared);
        let thread = std::thread::Builder::new().name("nimbus-epoch".into()).spawn(move || running.run(&engine))?;
        let _ = shared.thread.set(thread.thread().clone());
        Ok(Self { shared })
    }

    /// The clock, for invocations to hold.
    pub(crate) fn clock(&self) -> Arc<Shared> {
        Arc::clone(&self.shared)
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(thread) = self.shared.thread.get() {
            thread.unpark();
        }
    }
}

impl Shared {
    /// Ticks since the clock started: a clock that costs an atomic load.
    pub(crate) fn ticks(&self) -> u64 {
        self.ticks.load(Ordering::Relaxed)
    }

    /// The tick count at which `at` has surely passed.
    pub(crate) fn tick_after(&self, at: Instant) -> u64 {
        let ahead = at.saturating_duration_since(Instant::now()).as_nanos().div_ceil(self.tick.as_nanos().max(1));
        self.ticks().saturating_add(u64::try_from(ahead).unwrap_or(u64::MAX))
    }

    /// A future that completes at `at` (at once if `at` has passed).
    pub(crate) fn sleep_until(self: &Arc<Self>, at: Instant) -> Sleep {
        Sleep { clock: Arc::clone(self), at }
    }

    fn timers(&self) -> MutexGuard<'_, BinaryHeap<Reverse<Timer>>> {
        self.timers.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn register(&self, at: Instant, waker: Waker) {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        self.timers().push(Reverse(Timer { at, seq, waker }));
        let at_ns = at.saturating_duration_since(self.origin).as_nanos() as u64;
        if at_ns < self.next_wake_ns.load(Ordering::Acquire)
            && let Some(thread) = self.thread.get()
        {
            thread.unpark();
        }
    }

    fn run(&self, engine: &Engine) {
        let mut next_tick = Instant::now() + self.tick;
        while !self.stop.load(Ordering::Acquire) {
            let now = Instant::now();
            if now >= next_tick {
                engine.increment_epoch();
                self.ticks.fetch_add(1, Ordering::Relaxed);
                next_tick += self.tick;
                if next_tick <= now {
                    // Late (the machine is loaded): count from now on.
                    next_tick = now + self.tick;
                }
            }
            let wake = self.fire_due(now).map_or(next_tick, |timer| timer.min(next_tick));
            self.next_wake_ns.store(wake.saturating_duration_since(self.origin).as_nanos() as u64, Ordering::Release);
            // A timer registered between `fire_due` and here unparks us, so
            // this sleep ends early rather than late.
            std::thread::park_timeout(wake.saturating_duration_since(Instant::now()));
        }
    }

    /// Wakes the guests whose timers are due; returns the next timer's time.
    fn fire_due(&self, now: Instant) -> Option<Instant> {
        let mut due = Vec::new();
        let next = {
            let mut timers = self.timers();
            while timers.peek().is_some_and(|Reverse(timer)| timer.at <= now) {
                if let Some(Reverse(timer)) = timers.pop() {
                    due.push(timer.waker);
                }
            }
            timers.peek().map(|Reverse(timer)| timer.at)
        };
        due.into_iter().for_each(Waker::wake);
        next
    }
}

/// A guest's sleep: completes at its time, woken by the clock thread.
pub(crate) struct Sleep {
    clock: Arc<Shared>,
    at: Instant,
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.at {
            return Poll::Ready(());
        }
        // Each poll registers again: a stale registration only wakes the
        // task once more, which then finds its sleep not yet over.
        self.clock.register(self.at, cx.waker().clone());
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::task::Wake;

    struct Notify(Mutex<mpsc::Sender<Instant>>);

    impl Wake for Notify {
        fn wake(self: Arc<Self>) {
            let _ = self.0.lock().unwrap().send(Instant::now());
        }
    }

    #[test]
    fn timers_fire_in_order_and_on_time() {
        let ticker = Ticker::start(Engine::default(), Duration::from_millis(1)).unwrap();
        let clock = ticker.clock();
        let (sender, woken) = mpsc::channel();
        let waker = Waker::from(Arc::new(Notify(Mutex::new(sender))));
        let start = Instant::now();
        for ms in [30, 10, 20] {
            let mut sleep = clock.sleep_until(start + Duration::from_millis(ms));
            let mut cx = Context::from_waker(&waker);
            assert!(Pin::new(&mut sleep).poll(&mut cx).is_pending());
        }
        let times: Vec<Duration> =
            (0..3).map(|_| woken.recv_timeout(Duration::from_secs(5)).unwrap() - start).collect();
        for (time, ms) in times.iter().zip([10, 20, 30]) {
            assert!(*time >= Duration::from_millis(ms), "{times:?}");
            assert!(*time < Duration::from_millis(ms + 500), "woken far too late: {times:?}");
        }
    }

    #[test]
    fn the_tick_count_advances_and_bounds_deadlines() {
        let ticker = Ticker::start(Engine::default(), Duration::from_millis(1)).unwrap();
        let clock = ticker.clock();
        let deadline = clock.tick_after(Instant::now() + Duration::from_millis(5));
        let deadline_passed = Instant::now() + Duration::from_secs(10);
        while clock.ticks() < deadline {
            assert!(Instant::now() < deadline_passed, "the clock does not tick");
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
