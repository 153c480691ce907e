//! The ledger's SQLite side: one connection that inserts batches of usage
//! records in one transaction each, prunes old logs now and then, and a
//! second connection that checkpoints the WAL off the commit path.
//!
//! Under a steady stream of commits the background checkpoint never finds
//! the WAL fully copied at the moment a commit starts, and SQLite only
//! starts the WAL over from its beginning then: it would grow without bound
//! (measured: 1.5 GB after 20 s at 69k invocations/s). So every
//! [`WAL_RESET_EVERY`] records, right after the background thread has
//! caught up, the writer itself checkpoints between two of its commits,
//! copying (and syncing) only the few frames committed since, and the next
//! commit starts the WAL over.

use super::{Committed, Entry};
use crate::error::{Error, Result};
use crate::metering::UsageRecord;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Logs kept per function; older ones are pruned now and then.
const LOGS_KEPT_PER_FUNCTION: i64 = 1000;
/// Records between two prunes of old logs.
const PRUNE_EVERY: u64 = 5000;
/// How often the WAL is copied back into the database, off the commit path.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);
/// Records between two checkpoints by the writer (see the module docs):
/// bounds the WAL to roughly this many records' pages (~50 MB); the syncs
/// of that checkpoint stall commits for a few ms this often.
const WAL_RESET_EVERY: u64 = 50_000;
/// How recent the thread's last checkpoint must be for the writer's own to
/// be short (measured: ~10 ms stalls without waiting for a fresh one).
const FRESH: Duration = Duration::from_millis(2);
/// The thread's pause between passes while a reset is wanted: longer than
/// [`FRESH`], so that the writer's checkpoint does not meet the next pass.
const CATCH_UP_PAUSE: Duration = Duration::from_millis(3);

/// The connection that writes usage records, and what pruning remembers.
pub(super) struct Writer {
    connection: Connection,
    /// Records written since the last prune.
    written: u64,
    /// Records written since the writer last checkpointed.
    since_checkpoint: u64,
    /// [`WAL_RESET_EVERY`], smaller in tests.
    wal_reset_every: u64,
    /// Functions with records written since the last prune.
    functions_seen: BTreeSet<String>,
    /// Per function, where the last prune cut its logs: each prune then
    /// looks only at rows newer than that, never at all history.
    pruned_through: HashMap<String, Cut>,
    /// Shared with the checkpoint thread.
    checkpoints: Arc<Checkpoints>,
}

/// What the writer and the checkpoint thread tell each other.
struct Checkpoints {
    /// The writer wants to start the WAL over: the thread checkpoints
    /// back to back, each pass copying less, until the writer has.
    reset_wanted: AtomicBool,
    /// When the thread last finished copying the WAL, in µs since `epoch`.
    caught_up_at_us: AtomicU64,
    epoch: Instant,
    /// The writer is gone: the thread ends.
    stop: AtomicBool,
}

impl Checkpoints {
    fn now_us(&self) -> u64 {
        self.epoch.elapsed().as_micros() as u64
    }

    /// Whether the thread copied the WAL within the last [`FRESH`]: then a
    /// checkpoint by the writer has only the frames since to copy and sync.
    fn fresh(&self) -> bool {
        let at = self.caught_up_at_us.load(Ordering::Acquire);
        at != 0 && self.now_us().saturating_sub(at) < FRESH.as_micros() as u64
    }
}

impl Writer {
    /// Opens the writing connection and starts the checkpoint thread.
    pub(super) fn open(path: &Path) -> Result<Self> {
        let connection = crate::registry::store::connect(path)?;
        // SQLite would checkpoint inside whichever commit crosses the
        // threshold, stalling every invocation waiting on that batch; a
        // thread of its own checkpoints instead (PASSIVE: never blocks the
        // writer).
        connection.pragma_update(None, "wal_autocheckpoint", 0)?;
        let checkpointer = crate::registry::store::connect(path)?;
        let checkpoints = Arc::new(Checkpoints {
            reset_wanted: AtomicBool::new(false),
            caught_up_at_us: AtomicU64::new(0),
            epoch: Instant::now(),
            stop: AtomicBool::new(false),
        });
        let shared = Arc::clone(&checkpoints);
        std::thread::Builder::new()
            .name("nimbus-checkpoint".into())
            .spawn(move || checkpoint_until(checkpointer, &shared))
            .map_err(|e| Error::service("starting the ledger", e))?;
        Ok(Self {
            connection,
            written: 0,
            since_checkpoint: 0,
            wal_reset_every: WAL_RESET_EVERY,
            functions_seen: BTreeSet::new(),
            pruned_through: HashMap::new(),
            checkpoints,
        })
    }

    /// Writes the submissions in one transaction and says what each came
    /// to; prunes old logs when due (a failed prune is logged, not
    /// returned: the entries are committed).
    pub(super) fn write<'a>(
        &mut self,
        submissions: impl Iterator<Item = &'a [Entry]> + Clone,
    ) -> Result<Vec<Committed>> {
        let committed = write_batch(&mut self.connection, submissions.clone())?;
        for entry in submissions.flatten() {
            self.since_checkpoint += 1;
            if let Entry::Usage(record) = entry {
                self.written += 1;
                if !self.functions_seen.contains(&record.function) {
                    self.functions_seen.insert(record.function.clone());
                }
            }
        }
        if self.written >= PRUNE_EVERY {
            self.prune();
        }
        if self.since_checkpoint >= self.wal_reset_every {
            self.checkpoints.reset_wanted.store(true, Ordering::Release);
            if self.checkpoints.fresh() {
                match checkpoint(&self.connection) {
                    Ok(true) => {
                        self.since_checkpoint = 0;
                        self.checkpoints.reset_wanted.store(false, Ordering::Release);
                    }
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, "checkpointing the journal failed"),
                }
            }
        }
        Ok(committed)
    }

    fn prune(&mut self) {
        self.written = 0;
        let now_ms = crate::registry::catalog::now_ms() as i64;
        if let Err(e) = crate::events::store::prune_idempotency_keys(&self.connection, now_ms) {
            tracing::warn!(error = %e, "forgetting old idempotency keys failed");
        }
        for function in std::mem::take(&mut self.functions_seen) {
            let after = self.pruned_through.get(&function).copied().unwrap_or((i64::MIN, i64::MIN));
            match prune_logs(&self.connection, &function, LOGS_KEPT_PER_FUNCTION, after) {
                Ok(Some(through)) => drop(self.pruned_through.insert(function, through)),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "pruning old logs failed"),
            }
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.checkpoints.stop.store(true, Ordering::Release);
    }
}

fn checkpoint_until(connection: Connection, shared: &Checkpoints) {
    loop {
        let reset_wanted = shared.reset_wanted.load(Ordering::Acquire);
        std::thread::sleep(if reset_wanted { CATCH_UP_PAUSE } else { CHECKPOINT_EVERY });
        if shared.stop.load(Ordering::Acquire) {
            return;
        }
        match checkpoint(&connection) {
            Ok(_) => shared.caught_up_at_us.store(shared.now_us().max(1), Ordering::Release),
            Err(e) => tracing::warn!(error = %e, "checkpointing the journal failed"),
        }
    }
}

/// Copies what it can of the WAL into the database without waiting for
/// anyone (PASSIVE); says whether it copied all of it.
fn checkpoint(connection: &Connection) -> rusqlite::Result<bool> {
    connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        let (busy, frames, copied): (i64, i64, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
        Ok(busy == 0 && frames == copied)
    })
}

/// Writes `submissions` in one transaction; what each came to.
fn write_batch<'a>(
    connection: &mut Connection,
    submissions: impl Iterator<Item = &'a [Entry]>,
) -> Result<Vec<Committed>> {
    let tx = connection.transaction()?;
    let mut answers = Vec::new();
    for entries in submissions {
        let mut committed = Committed::default();
        for entry in entries {
            match entry {
                Entry::Usage(record) => insert_usage(&tx, record)?,
                Entry::Event(write) => {
                    if let Some(first) = crate::events::store::apply(&tx, write)? {
                        committed.duplicate_of = Some(first);
                    }
                }
            }
        }
        answers.push(committed);
    }
    tx.commit()?;
    Ok(answers)
}

/// One row per invocation, its log included: one insert and one index
/// update, the least work on the invocation path.
fn insert_usage(tx: &rusqlite::Transaction<'_>, r: &UsageRecord) -> Result<()> {
    let mut usage = tx.prepare_cached(
        "INSERT INTO usage (request_id, function, version, started_at_ms, duration_us, billed_ms,
         memory_mb, max_memory_used_mb, gb_seconds, instructions, outcome, log, invocation_type, attempt)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
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
        r.invocation_type.as_str(),
        r.attempt,
    ])?;
    Ok(())
}

/// Where a prune cut a function's logs: the start time and row id of the
/// newest log it dropped (rows are ordered by both, so that logs sharing a
/// millisecond are told apart).
type Cut = (i64, i64);

/// Forgets the logs of a function's invocations older than its newest
/// `kept` (their usage stays), looking only at rows after `after` (the last
/// cut). Returns where it cut, if it did.
fn prune_logs(connection: &Connection, function: &str, kept: i64, after: Cut) -> Result<Option<Cut>> {
    let cut: Option<Cut> = connection
        .query_row(
            "SELECT started_at_ms, rowid FROM usage WHERE function = ?1 AND log IS NOT NULL
             ORDER BY started_at_ms DESC, rowid DESC LIMIT 1 OFFSET ?2",
            params![function, kept],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some(cut) = cut else { return Ok(None) };
    connection.execute(
        "UPDATE usage SET log = NULL
         WHERE function = ?1 AND log IS NOT NULL AND started_at_ms >= ?2 AND started_at_ms <= ?4
           AND (started_at_ms, rowid) > (?2, ?3) AND (started_at_ms, rowid) <= (?4, ?5)",
        params![function, after.0, after.1, cut.0, cut.1],
    )?;
    Ok(Some(cut))
}

#[cfg(test)]
mod tests {
    use super::super::record;
    use super::*;

    /// Each record as a submission of its own.
    fn usage(records: impl IntoIterator<Item = UsageRecord>) -> Vec<Vec<Entry>> {
        records.into_iter().map(|record| vec![Entry::Usage(record)]).collect()
    }

    fn write_records(connection: &mut Connection, records: impl IntoIterator<Item = UsageRecord>) {
        let submissions = usage(records);
        write_batch(connection, submissions.iter().map(Vec::as_slice)).unwrap();
    }

    /// Commits `records` records back to back, 16 per batch; returns the
    /// largest the WAL file grew.
    fn steady_stream(wal_reset_every: u64, records: i64) -> u64 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let mut writer = Writer::open(&path).unwrap();
        writer.wal_reset_every = wal_reset_every;
        let wal = path.with_file_name("db-wal");
        let mut largest = 0;
        for first in (0..records).step_by(16) {
            let batch = usage((first..first + 16).map(|n| record(n, "f")));
            writer.write(batch.iter().map(Vec::as_slice)).unwrap();
            largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
        }
        largest
    }

    #[test]
    fn the_wal_stays_bounded_under_a_steady_stream_of_commits() {
        // Without the writer's own checkpoints the background one never
        // finds the WAL fully copied, and it grows with every commit; with
        // them it stays within a few resets' worth. Both write the same
        // records, so the comparison holds on a fast or a slow machine.
        const RECORDS: i64 = 200_000;
        let unbounded = steady_stream(u64::MAX, RECORDS);
        let bounded = steady_stream(5_000, RECORDS);
        assert!(
            bounded < unbounded / 4,
            "WAL high-water mark over {RECORDS} records: {bounded} bytes with a reset every 5000, \
             {unbounded} bytes without"
        );
    }

    #[test]
    fn batches_commit_and_pruning_keeps_the_newest_logs_and_all_usage() {
        let dir = tempfile::tempdir().unwrap();
        let mut connection = crate::registry::store::connect(&dir.path().join("db")).unwrap();
        write_records(&mut connection, (0..30).map(|n| record(n, "f")).chain([record(5, "g")]));
        assert_eq!(prune_logs(&connection, "f", 10, (i64::MIN, i64::MIN)).unwrap(), Some((19, 20)));
        write_records(&mut connection, (30..35).map(|n| record(n, "f")));
        assert_eq!(prune_logs(&connection, "f", 10, (19, 20)).unwrap(), Some((24, 25)));
        let count = |sql: &str| connection.query_row(sql, [], |row| row.get::<_, i64>(0)).unwrap();
        assert_eq!(count("SELECT COUNT(*) FROM usage"), 36);
        assert_eq!(count("SELECT COUNT(*) FROM usage WHERE function = 'f' AND log IS NOT NULL"), 10);
        assert_eq!(count("SELECT MIN(started_at_ms) FROM usage WHERE function = 'f' AND log IS NOT NULL"), 25);
        assert_eq!(count("SELECT COUNT(*) FROM usage WHERE function = 'g' AND log IS NOT NULL"), 1);
    }

    #[test]
    fn pruning_keeps_exactly_the_newest_logs_when_they_share_a_millisecond() {
        let dir = tempfile::tempdir().unwrap();
        let mut connection = crate::registry::store::connect(&dir.path().join("db")).unwrap();
        write_records(&mut connection, (0..25).map(|n| UsageRecord { started_at_ms: 7, ..record(n, "f") }));
        prune_logs(&connection, "f", 10, (i64::MIN, i64::MIN)).unwrap();
        let kept: Vec<String> = connection
            .prepare("SELECT request_id FROM usage WHERE log IS NOT NULL ORDER BY rowid")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(kept, (15..25).map(|n| format!("r{n}")).collect::<Vec<_>>());
    }
}
