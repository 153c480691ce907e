//! The journal: the one writer of the runtime tables, with a group commit.
//! It keeps the usage ledger (one record per invocation, committed before
//! the response is sent, so a `kill -9` never loses the record of an
//! invocation whose response went out) and the asynchronous event queue
//! (an event is committed before its 202, and each attempt's start and end
//! are committed as they happen).
//!
//! A group commit without a thread hop: the sandbox thread that ran an
//! invocation adds its entries to the pending batch and, once it has no more
//! work queued (or the batch is full), commits everything pending in one
//! transaction and answers their requests itself. A burst costs one commit,
//! and nothing waits for another thread to wake up. A watchdog thread
//! commits whatever has been pending for [`MAX_PENDING`] — the case where
//! every sandbox thread went on to a long invocation, or entries that no
//! sandbox thread made (events accepted over HTTP) — so that an answer
//! never waits long on a slow neighbour.

mod writer;

use crate::error::Result;
use crate::events::store::EventWrite;
use crate::metering::UsageRecord;
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

/// One change to the runtime tables.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    /// A usage record (and the invocation's log).
    Usage(UsageRecord),
    /// A change to the event queue or the dead-letter store.
    Event(EventWrite),
}

/// What a committed submission came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Committed {
    /// An enqueue whose idempotency key was already used: the request id
    /// of the event queued with it (and nothing was queued now).
    pub duplicate_of: Option<String>,
}

/// What to do once a submission's transaction has committed (or failed);
/// runs on whichever thread committed it.
pub(crate) type OnCommit = Box<dyn FnOnce(Result<Committed>) + Send>;

/// One submission: entries committed together, and who waits for them.
type Submission = (Vec<Entry>, OnCommit);

/// The pending batch and the connection that commits it.
pub(crate) struct Journal {
    writer: Mutex<Writer>,
    pending: Mutex<Vec<Submission>>,
    /// When the oldest pending record arrived, in µs since `epoch` plus one;
    /// 0 while nothing is pending. Read without the lock as a fast path.
    pending_since: AtomicU64,
    epoch: Instant,
    /// The watchdog thread, and whether it sleeps until woken.
    watchdog: OnceLock<Thread>,
    watchdog_parked: AtomicBool,
}

impl Journal {
    /// Opens the journal's connections and starts its watchdog thread (and
    /// the writer's checkpoint thread); both end when the journal is dropped.
    pub(crate) fn open(path: &std::path::Path) -> Result<Arc<Self>> {
        let journal = Arc::new(Self {
            writer: Mutex::new(Writer::open(path)?),
            pending: Mutex::new(Vec::new()),
            pending_since: AtomicU64::new(0),
            epoch: Instant::now(),
            watchdog: OnceLock::new(),
            watchdog_parked: AtomicBool::new(false),
        });
        let weak = Arc::downgrade(&journal);
        let thread = std::thread::Builder::new()
            .name("nimbus-journal".into())
            .spawn(move || watch_forever(weak))
            .map_err(|e| crate::error::Error::service("starting the journal", e))?;
        let _ = journal.watchdog.set(thread.thread().clone());
        Ok(journal)
    }

    /// Adds entries to the pending batch, to be committed in one
    /// transaction; `on_commit` runs once they are durable (or failed to
    /// be). Usually called by the sandbox thread that ran an invocation,
    /// which commits it later (see the module docs).
    pub(crate) fn submit(&self, entries: Vec<Entry>, on_commit: OnCommit) {
        {
            let mut pending = lock(&self.pending);
            if pending.is_empty() {
                self.pending_since.store(self.now_us() + 1, Ordering::SeqCst);
            }
            pending.push((entries, on_commit));
        }
        if self.watchdog_parked.load(Ordering::SeqCst) {
            self.watchdog_parked.store(false, Ordering::SeqCst);
            if let Some(thread) = self.watchdog.get() {
                thread.unpark();
            }
        }
    }

    /// How many submissions wait for a commit.
    pub(crate) fn pending_len(&self) -> usize {
        if self.pending_since.load(Ordering::Acquire) == 0 { 0 } else { lock(&self.pending).len() }
    }

    /// Commits everything pending in one transaction and runs the
    /// `on_commit`s. With `wait` false it returns at once when another
    /// thread is committing (the entries stay pending for the next commit).
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
        let outcome = writer.write(batch.iter().map(|(entries, _)| entries.as_slice()));
        drop(writer);
        match outcome {
            Ok(committed) => {
                for ((_, on_commit), committed) in batch.into_iter().zip(committed) {
                    on_commit(Ok(committed));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, submissions = batch.len(), "journal commit failed");
                for (_, on_commit) in batch {
                    on_commit(Err(e.clone()));
                }
            }
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

impl Drop for Journal {
    fn drop(&mut self) {
        if let Some(thread) = self.watchdog.get() {
            thread.unpark();
        }
    }
}

/// The watchdog: holds the journal only while looking, so that dropping the
/// journal ends it.
fn watch_forever(journal: Weak<Journal>) {
    let mut empty_looks = 0;
    loop {
        let Some(strong) = journal.upgrade() else { return };
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
        invocation_type: crate::invocation::types::InvocationType::RequestResponse,
        attempt: 1,
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
        let journal = Journal::open(&path).unwrap();
        let (done, answers) = channel();
        for n in 0..10 {
            let done = done.clone();
            journal.submit(
                vec![Entry::Usage(record(n, "f"))],
                Box::new(move |outcome| done.send((n, outcome.is_ok())).unwrap()),
            );
        }
        assert_eq!(journal.pending_len(), 10);
        journal.commit(true);
        assert_eq!(journal.pending_len(), 0);
        let mut answered: Vec<_> = answers.try_iter().collect();
        answered.sort();
        assert_eq!(answered, (0..10).map(|n| (n, true)).collect::<Vec<_>>());
        assert_eq!(count(&path), 10);
    }

    #[test]
    fn the_watchdog_commits_what_no_sandbox_thread_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let journal = Journal::open(&path).unwrap();
        // Once idle, the watchdog sleeps until a record wakes it: wait for
        // that, so the record below is committed by a woken watchdog.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !journal.watchdog_parked.load(Ordering::SeqCst) {
            assert!(Instant::now() < deadline, "the idle watchdog never went to sleep");
            std::thread::sleep(MAX_PENDING);
        }
        let (done, answered) = channel();
        journal
            .submit(vec![Entry::Usage(record(1, "f"))], Box::new(move |outcome| done.send(outcome.is_ok()).unwrap()));
        let committed = answered.recv_timeout(Duration::from_secs(10)).expect("the watchdog committed the record");
        assert!(committed);
        assert_eq!(count(&path), 1);
    }

    #[test]
    fn dropping_the_journal_ends_its_watchdog() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("db")).unwrap();
        let weak = Arc::downgrade(&journal);
        drop(journal);
        // The watchdog holds it only while looking (microseconds).
        let deadline = Instant::now() + Duration::from_secs(10);
        while weak.upgrade().is_some() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(weak.upgrade().is_none());
    }
}
