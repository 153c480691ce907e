//! The usage ledger: one record per invocation, committed to SQLite before
//! the response is sent. Records that arrive while a commit is running are
//! written together in the next transaction (a group commit), so a burst
//! costs one commit, not one per invocation.

use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, channel};

/// Most records written in one transaction.
const MAX_BATCH: usize = 1024;
/// Logs kept per function; older ones are pruned now and then.
const LOGS_KEPT_PER_FUNCTION: i64 = 1000;
/// Records between two prunes of old logs.
const PRUNE_EVERY: u64 = 5000;
/// How often the WAL is copied back into the database, off the commit path.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

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

/// What to do once a record's transaction has committed (or failed).
pub(crate) type OnCommit = Box<dyn FnOnce(Result<()>) + Send>;

enum Entry {
    Record(UsageRecord, OnCommit),
    Flush(std::sync::mpsc::Sender<()>),
}

/// The writer thread's mailbox.
pub(crate) struct Ledger {
    entries: Sender<Entry>,
}

impl Ledger {
    /// Opens its own connection and starts the writer thread.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let connection = crate::store::connect(path)?;
        // SQLite would checkpoint inside whichever commit crosses the
        // threshold, stalling every invocation waiting on that batch; a
        // thread of its own checkpoints instead (PASSIVE: never blocks the
        // writer).
        connection.pragma_update(None, "wal_autocheckpoint", 0)?;
        let checkpointer = crate::store::connect(path)?;
        let (entries, inbox) = channel();
        std::thread::Builder::new()
            .name("nimbus-ledger".into())
            .spawn(move || write_forever(connection, inbox))
            .map_err(|e| Error::service("starting the ledger", e))?;
        std::thread::Builder::new()
            .name("nimbus-checkpoint".into())
            .spawn(move || checkpoint_forever(checkpointer))
            .map_err(|e| Error::service("starting the ledger", e))?;
        Ok(Self { entries })
    }

    fn send(&self, entry: Entry) -> Result<()> {
        self.entries.send(entry).map_err(|_| Error::Service("the usage ledger has stopped".into()))
    }

    /// Queues a record for the next group commit; `on_commit` runs on the
    /// ledger thread once it is durable (or failed to be). Called from the
    /// sandbox thread, so that the answer goes from the ledger straight to
    /// the waiting request: one thread hand-off fewer per invocation.
    pub(crate) fn submit(&self, record: UsageRecord, on_commit: OnCommit) -> Result<()> {
        self.send(Entry::Record(record, on_commit))
    }

    /// Waits until every record sent so far is committed.
    pub(crate) fn flush(&self) {
        let (done, flushed) = channel();
        if self.send(Entry::Flush(done)).is_ok() {
            let _ = flushed.recv();
        }
    }
}

fn write_forever(mut connection: Connection, inbox: Receiver<Entry>) {
    let mut written = 0u64;
    let mut functions_seen = std::collections::BTreeSet::new();
    // Per function, the newest start time whose older logs are pruned: each
    // prune then looks only at rows newer than that, never at all history.
    let mut pruned_through: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    while let Ok(first) = inbox.recv() {
        // Whatever arrived while the last commit ran goes into this one.
        let mut batch = Vec::new();
        let mut flushes = Vec::new();
        let mut next = Some(first);
        while let Some(entry) = next {
            match entry {
                Entry::Record(record, done) => batch.push((record, done)),
                Entry::Flush(done) => flushes.push(done),
            }
            next = if batch.len() < MAX_BATCH { inbox.try_recv().ok() } else { None };
        }
        let outcome = write_batch(&mut connection, batch.iter().map(|(record, _)| record));
        if let Err(e) = &outcome {
            tracing::error!(error = %e, records = batch.len(), "usage ledger commit failed");
        }
        written += batch.len() as u64;
        functions_seen.extend(batch.iter().map(|(record, _)| record.function.clone()));
        for (_, on_commit) in batch {
            on_commit(outcome.clone());
        }
        for done in flushes {
            let _ = done.send(());
        }
        if written >= PRUNE_EVERY {
            written = 0;
            for function in std::mem::take(&mut functions_seen) {
                let after = pruned_through.get(&function).copied().unwrap_or(i64::MIN);
                match prune_logs(&connection, &function, LOGS_KEPT_PER_FUNCTION, after) {
                    Ok(Some(through)) => drop(pruned_through.insert(function, through)),
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "pruning old logs failed"),
                }
            }
        }
    }
}

fn checkpoint_forever(connection: Connection) {
    loop {
        std::thread::sleep(CHECKPOINT_EVERY);
        if let Err(e) = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "checkpointing the usage ledger failed");
        }
    }
}

fn write_batch<'a>(connection: &mut Connection, records: impl Iterator<Item = &'a UsageRecord>) -> Result<()> {
    let tx = connection.transaction()?;
    {
        // One row per invocation, its log included: one insert and one
        // index update, the least work on the invocation path.
        let mut usage = tx.prepare_cached(
            "INSERT INTO usage (request_id, function, version, started_at_ms, duration_us, billed_ms,
             memory_mb, max_memory_used_mb, gb_seconds, instructions, outcome, log)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for r in records {
            usage.execute(params![
                r.request_id,
                r.function,
                r.version,
                r.started_at_ms,
                r.duration_us as i64,
                r.billed_ms as i64,
                r.memory_mb,
                r.max_memory_used_mb as i64,
                r.gb_seconds,
                r.instructions.map(|i| i as i64),
                r.outcome,
                r.log,
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Forgets the logs of a function's invocations older than its newest
/// `kept` (their usage stays), looking only at rows started after `after`.
/// Returns the start time it pruned through, if it pruned.
fn prune_logs(connection: &Connection, function: &str, kept: i64, after: i64) -> Result<Option<i64>> {
    let cutoff: Option<i64> = connection
        .query_row(
            "SELECT started_at_ms FROM usage WHERE function = ?1 AND log IS NOT NULL
             ORDER BY started_at_ms DESC LIMIT 1 OFFSET ?2",
            params![function, kept],
            |row| row.get(0),
        )
        .optional()?;
    let Some(cutoff) = cutoff else { return Ok(None) };
    connection.execute(
        "UPDATE usage SET log = NULL
         WHERE function = ?1 AND started_at_ms > ?2 AND started_at_ms <= ?3 AND log IS NOT NULL",
        params![function, after, cutoff],
    )?;
    Ok(Some(cutoff))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn batches_commit_and_pruning_keeps_the_newest_logs_and_all_usage() {
        let dir = tempfile::tempdir().unwrap();
        let mut connection = crate::store::connect(&dir.path().join("db")).unwrap();
        let records: Vec<_> = (0..30).map(|n| record(n, "f")).chain([record(5, "g")]).collect();
        write_batch(&mut connection, records.iter()).unwrap();
        assert_eq!(prune_logs(&connection, "f", 10, i64::MIN).unwrap(), Some(19));
        write_batch(&mut connection, (30..35).map(|n| record(n, "f")).collect::<Vec<_>>().iter()).unwrap();
        assert_eq!(prune_logs(&connection, "f", 10, 19).unwrap(), Some(24));
        let count = |sql: &str| connection.query_row(sql, [], |row| row.get::<_, i64>(0)).unwrap();
        assert_eq!(count("SELECT COUNT(*) FROM usage"), 36);
        assert_eq!(count("SELECT COUNT(*) FROM usage WHERE function = 'f' AND log IS NOT NULL"), 10);
        assert_eq!(count("SELECT MIN(started_at_ms) FROM usage WHERE function = 'f' AND log IS NOT NULL"), 25);
        assert_eq!(count("SELECT COUNT(*) FROM usage WHERE function = 'g' AND log IS NOT NULL"), 1);
    }
}
