//! The usage ledger: one record per invocation, committed to SQLite before
//! the response is sent, so a `kill -9` never loses the record of an
//! invocation whose response went out.
//!
//! A group commit without a thread hop: the sandbox thread that ran an
//! invocation adds its record to the pending batch and, once it has no more
//! work queued (or the batch is full), commits every pending record in one
//! transaction and answers their requests itself. A burst costs one commit,
//! and no record waits for another thread to wake up. A watchdog thread
//! commits whatever has been pending for [`MAX_PENDING`] — the case where
//! every sandbox thread went on to a long invocation — so that a fast
//! invocation's answer never waits on a slow neighbour.

mod writer;

use crate::error::Result;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, TryLockError, Weak};
use std::thread::Thread;
use std::time::{Duration, Instant};
use writer::Writer;

/// How long a record may wait for a sandbox thread to commit it before
/// the watchdog does.
pub(crate) const MAX_PENDING: Duration = Duration::from_millis(2);
/// A sandbox thread with more work queued still commits once this many
/// records are pending.
pub(crate) const FULL_BATCH: usize = 32;
/// Empty looks after which the watchdog sleeps until the next record
/// (about 200 ms without invocations).
const IDLE_LOOKS: u32 = 100;

/// What one invocation used and how it ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UsageRecord {
    pub request_id: String,
    pub function: String,
    pub version: String,
    pub started_at_ms: i64,
    pub duration_us: u64,
    pub billed_ms: u64,
    pub memory_mb: u32,
    pub max_memory_used_mb: u64,
    pub gb_seconds: f64,
    pub instructions: Option<u64>,
    /// `Success`, or the error type.
    pub outcome: String,
    /// The function's log (see `log_frame::body`); START, END and REPORT
    /// are rebuilt from this row when it is read.
    pub log: String,
}

/// What to do once a record's transaction has committed (or failed); runs
/// on whichever thread committed it.
pub(crate) type OnCommit = Box<dyn FnOnce(Result<()>) + Send>;

/// The pending batch and the connection that commits it.
pub(crate) struct Ledger {
    writer: Mutex<Writer>,
    pending: Mutex<Vec<(UsageRecord, OnCommit)>>,
    /// When the oldest pending record arrived, in µs since `epoch` plus one;
    /// 0 while nothing is pending. Read without the lock as a fast path.
    pending_since: AtomicU64,
    epoch: Instant,
    /// The watchdog thread, and whether it sleeps until woken.
    watchdog: OnceLock<Thread>,
    watchdog_parked: AtomicBool,
}

impl Ledger {
    /// Opens the ledger's connections and starts its watchdog thread (and
    /// the writer's checkpoint thread); both end when the ledger is dropped.
    pub(crate) fn open(path: &std::path::Path) -> Result<Arc<Self>> {
        let ledger = Arc::new(Self {
            writer: Mutex::new(Writer::open(path)?),
            pending: Mutex::new(Vec::new()),
            pending_since: AtomicU64::new(0),
            epoch: Instant::now(),
            watchdog: OnceLock::new(),
            watchdog_parked: AtomicBool::new(false),
        });
        let weak = Arc::downgrade(&ledger);
        let thread = std::thread::Builder::new()
            .name("nimbus-ledger".into())
            .spawn(move || watch_forever(weak))
            .map_err(|e| crate::error::Error::service("starting the ledger", e))?;
        let _ = ledger.watchdog.set(thread.thread().clone());
        Ok(ledger)
    }

    /// Adds a record to the pending batch; `on_commit` runs once it is
    /// durable (or failed to be). Called by the sandbox thread that ran the
    /// invocation, which commits it later (see the module docs).
    pub(crate) fn submit(&self, record: UsageRecord, on_commit: OnCommit) {
        {
            let mut pending = lock(&self.pending);
            if pending.is_empty() {
                self.pending_since.store(self.now_us() + 1, Ordering::SeqCst);
            }
            pending.push((record, on_commit));
        }
        if self.watchdog_parked.load(Ordering::SeqCst) {
            self.watchdog_parked.store(false, Ordering::SeqCst);
            if let Some(thread) = self.watchdog.get() {
                thread.unpark();
            }
        }
    }

    /// How many records wait for a commit.
    pub(crate) fn pending_len(&self) -> usize {
        if self.pending_since.load(Ordering::Acquire) == 0 { 0 } else { lock(&self.pending).len() }
    }

    /// Commits every pending record in one transaction and runs their
    /// `on_commit`s. With `wait` false it returns at once when another
    /// thread is committing (the records stay pending for the next commit).
    pub(crate) fn commit(&self, wait: bool) {
        if self.pending_since.load(Ordering::Acquire) == 0 {
            return;
        }
        let mut writer = if wait {
            lock(&self.writer)
        } else {
            match self.writer.try_lock() {
                Ok(writer) => writer,
                Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => return,
            }
        };
        let batch = {
            let mut pending = lock(&self.pending);
            self.pending_since.store(0, Ordering::SeqCst);
            std::mem::take(&mut *pending)
        };
        if batch.is_empty() {
            return;
        }
        let outcome = writer.write(batch.iter().map(|(record, _)| record));
        drop(writer);
        if let Err(e) = &outcome {
            tracing::error!(error = %e, records = batch.len(), "usage ledger commit failed");
        }
        for (_, on_commit) in batch {
            on_commit(outcome.clone());
        }
    }

    /// Commits whatever is pending, waiting for a running commit first.
    pub(crate) fn flush(&self) {
        self.commit(true);
    }

    fn now_us(&self) -> u64 {
        self.epoch.elapsed().as_micros() as u64
    }

    /// One look of the watchdog: commits records pending for too long and
    /// says how long to sleep (`None`: until the next record arrives).
    fn watch(&self, empty_looks: &mut u32) -> Option<Duration> {
        let since = self.pending_since.load(Ordering::SeqCst);
        if since == 0 {
            *empty_looks += 1;
            if *empty_looks < IDLE_LOOKS {
                return Some(MAX_PENDING);
            }
            // Sleep until `submit` wakes us; look once more after saying so,
            // in case a record arrived in between.
            self.watchdog_parked.store(true, Ordering::SeqCst);
            if self.pending_since.load(Ordering::SeqCst) == 0 {
                return None;
            }
            self.watchdog_parked.store(false, Ordering::SeqCst);
            return Some(Duration::ZERO);
        }
        *empty_looks = 0;
        let age = Duration::from_micros(self.now_us().saturating_sub(since - 1));
        if age >= MAX_PENDING {
            self.commit(true);
            Some(MAX_PENDING)
        } else {
            Some(MAX_PENDING - age)
        }
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        if let Some(thread) = self.watchdog.get() {
            thread.unpark();
        }
    }
}

/// The watchdog: holds the ledger only while looking, so that dropping the
/// ledger ends it.
fn watch_forever(ledger: Weak<Ledger>) {
    let mut empty_looks = 0;
    loop {
        let Some(strong) = ledger.upgrade() else { return };
        let sleep = strong.watch(&mut empty_looks);
        drop(strong);
        match sleep {
            Some(duration) => std::thread::park_timeout(duration),
            None => {
                std::thread::park();
                empty_looks = 0;
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A usage record for tests: the `n`th invocation of `function`.
#[cfg(test)]
fn record(n: i64, function: &str) -> UsageRecord {
    UsageRecord {
        request_id: format!("r{n}"),
        function: function.into(),
        version: "$LATEST".into(),
        started_at_ms: n,
        duration_us: 10,
        billed_ms: 1,
        memory_mb: 128,
        max_memory_used_mb: 1,
        gb_seconds: 0.000125,
        instructions: None,
        outcome: "Success".into(),
        log: format!("log {n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;

    fn count(path: &std::path::Path) -> i64 {
        let connection = crate::registry::store::connect(path).unwrap();
        connection.query_row("SELECT COUNT(*) FROM usage", [], |row| row.get(0)).unwrap()
    }

    #[test]
    fn a_commit_writes_every_pending_record_and_answers_each() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let ledger = Ledger::open(&path).unwrap();
        let (done, answers) = channel();
        for n in 0..10 {
            let done = done.clone();
            ledger.submit(record(n, "f"), Box::new(move |outcome| done.send((n, outcome.is_ok())).unwrap()));
        }
        assert_eq!(ledger.pending_len(), 10);
        ledger.commit(true);
        assert_eq!(ledger.pending_len(), 0);
        let mut answered: Vec<_> = answers.try_iter().collect();
        answered.sort();
        assert_eq!(answered, (0..10).map(|n| (n, true)).collect::<Vec<_>>());
        assert_eq!(count(&path), 10);
    }

    #[test]
    fn the_watchdog_commits_what_no_sandbox_thread_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let ledger = Ledger::open(&path).unwrap();
        // Once idle, the watchdog sleeps until a record wakes it: wait for
        // that, so the record below is committed by a woken watchdog.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !ledger.watchdog_parked.load(Ordering::SeqCst) {
            assert!(Instant::now() < deadline, "the idle watchdog never went to sleep");
            std::thread::sleep(MAX_PENDING);
        }
        let (done, answered) = channel();
        ledger.submit(record(1, "f"), Box::new(move |outcome| done.send(outcome.is_ok()).unwrap()));
        let committed = answered.recv_timeout(Duration::from_secs(10)).expect("the watchdog committed the record");
        assert!(committed);
        assert_eq!(count(&path), 1);
    }

    #[test]
    fn dropping_the_ledger_ends_its_watchdog() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&dir.path().join("db")).unwrap();
        let weak = Arc::downgrade(&ledger);
        drop(ledger);
        // The watchdog holds it only while looking (microseconds).
        let deadline = Instant::now() + Duration::from_secs(10);
        while weak.upgrade().is_some() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(weak.upgrade().is_none());
    }
}
