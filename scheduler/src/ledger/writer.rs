//! The ledger's SQLite side: one connection that inserts batches of usage
//! records in one transaction each, prunes old logs now and then, and a
//! second connection that checkpoints the WAL off the commit path.

use super::UsageRecord;
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Logs kept per function; older ones are pruned now and then.
const LOGS_KEPT_PER_FUNCTION: i64 = 1000;
/// Records between two prunes of old logs.
const PRUNE_EVERY: u64 = 5000;
/// How often the WAL is copied back into the database, off the commit path.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// The connection that writes usage records, and what pruning remembers.
pub(super) struct Writer {
    connection: Connection,
    /// Records written since the last prune.
    written: u64,
    /// Functions with records written since the last prune.
    functions_seen: BTreeSet<String>,
    /// Per function, the newest start time whose older logs are pruned: each
    /// prune then looks only at rows newer than that, never at all history.
    pruned_through: HashMap<String, i64>,
    /// Tells the checkpoint thread to end.
    stop_checkpoints: Arc<AtomicBool>,
}

impl Writer {
    /// Opens the writing connection and starts the checkpoint thread.
    pub(super) fn open(path: &Path) -> Result<Self> {
        let connection = crate::store::connect(path)?;
        // SQLite would checkpoint inside whichever commit crosses the
        // threshold, stalling every invocation waiting on that batch; a
        // thread of its own checkpoints instead (PASSIVE: never blocks the
        // writer).
        connection.pragma_update(None, "wal_autocheckpoint", 0)?;
        let checkpointer = crate::store::connect(path)?;
        let stop_checkpoints = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&stop_checkpoints);
        std::thread::Builder::new()
            .name("nimbus-checkpoint".into())
            .spawn(move || checkpoint_until(checkpointer, &stop))
            .map_err(|e| Error::service("starting the ledger", e))?;
        Ok(Self {
            connection,
            written: 0,
            functions_seen: BTreeSet::new(),
            pruned_through: HashMap::new(),
            stop_checkpoints,
        })
    }

    /// Writes `records` in one transaction; prunes old logs when due (a
    /// failed prune is logged, not returned: the records are committed).
    pub(super) fn write<'a>(&mut self, records: impl Iterator<Item = &'a UsageRecord> + Clone) -> Result<()> {
        write_batch(&mut self.connection, records.clone())?;
        for record in records {
            self.written += 1;
            if !self.functions_seen.contains(&record.function) {
                self.functions_seen.insert(record.function.clone());
            }
        }
        if self.written >= PRUNE_EVERY {
            self.prune();
        }
        Ok(())
    }

    fn prune(&mut self) {
        self.written = 0;
        for function in std::mem::take(&mut self.functions_seen) {
            let after = self.pruned_through.get(&function).copied().unwrap_or(i64::MIN);
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
        self.stop_checkpoints.store(true, Ordering::Release);
    }
}

fn checkpoint_until(connection: Connection, stop: &AtomicBool) {
    loop {
        std::thread::sleep(CHECKPOINT_EVERY);
        if stop.load(Ordering::Acquire) {
            return;
        }
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
