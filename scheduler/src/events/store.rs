//! The event queue and the dead-letter store in SQLite: the tables, the
//! changes the journal writes ([`EventWrite`], in the same transactions as
//! usage records), and the reads the dispatcher and the extensions API make.
//!
//! The queue lives on disk, not in memory: the dispatcher reads a bounded
//! window of due events at a time (`events_due`), so a million queued
//! events cost disk, not RAM.

use crate::error::Result;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// The tables (created with the registry's, in the same database).
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL,
    function TEXT NOT NULL,
    qualifier TEXT,
    payload BLOB NOT NULL,
    enqueued_at_ms INTEGER NOT NULL,
    due_at_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    throttles INTEGER NOT NULL DEFAULT 0,
    running INTEGER NOT NULL DEFAULT 0,
    first_attempt_ms INTEGER,
    last_attempt_ms INTEGER,
    last_version TEXT,
    last_error_type TEXT,
    last_error_message TEXT,
    last_response BLOB
);
CREATE INDEX IF NOT EXISTS events_due ON events (running, due_at_ms);
CREATE INDEX IF NOT EXISTS events_throttled ON events (function, due_at_ms, id) WHERE throttles > 0 AND running = 0;
CREATE TABLE IF NOT EXISTS idempotency_keys (
    function TEXT NOT NULL,
    key TEXT NOT NULL,
    request_id TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (function, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_by_age ON idempotency_keys (created_at_ms);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL,
    function TEXT NOT NULL,
    qualifier TEXT,
    condition TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    first_attempt_ms INTEGER,
    last_attempt_ms INTEGER,
    error_type TEXT,
    error_message TEXT,
    payload BLOB NOT NULL,
    failed_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_by_function ON dead_letters (function, id);
";

/// How long an idempotency key is remembered (24 hours).
pub(crate) const IDEMPOTENCY_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// An event to queue.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewEvent {
    pub request_id: String,
    pub function: String,
    pub qualifier: Option<String>,
    pub payload: Vec<u8>,
    pub enqueued_at_ms: i64,
    /// When it may first run.
    pub due_at_ms: i64,
    /// Queue it only if this key was not used for the function within the
    /// last [`IDEMPOTENCY_WINDOW_MS`].
    pub idempotency_key: Option<String>,
}

/// How an attempt failed, kept for the next decision and for the records
/// that tell of it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    /// The version that ran.
    pub version: String,
    pub error_type: String,
    pub error_message: String,
    /// What the function answered: its error object.
    pub response: Vec<u8>,
}

/// A failed event kept for an operator.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DeadLetter {
    pub request_id: String,
    pub function: String,
    pub qualifier: Option<String>,
    pub condition: String,
    pub attempts: u32,
    pub first_attempt_ms: Option<i64>,
    pub last_attempt_ms: Option<i64>,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    pub payload: Vec<u8>,
    pub failed_at_ms: i64,
}

/// One change to the queue or the dead-letter store.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EventWrite {
    /// Queue an event.
    Enqueue(NewEvent),
    /// An attempt starts: counted before it runs, so that one cut short by
    /// a crash is counted too.
    Start { id: i64, at_ms: i64 },
    /// The event waits again until `due_at_ms`: after a failed attempt
    /// (`failure`) or after it found no free concurrency.
    Reschedule { id: i64, due_at_ms: i64, throttles: u32, failure: Option<Failure> },
    /// The event is done with (it succeeded, or its failure was handled).
    Remove { id: i64 },
    /// An attempt of `function` ended and gave its concurrency back: its
    /// throttled event due soonest is due at `at_ms` instead of after its
    /// backoff, so that a deep queue drains at the function's concurrency
    /// rather than at the pace of its backoffs.
    WakeThrottled { function: String, at_ms: i64 },
    /// A failed event goes to the dead-letter store.
    KeepDeadLetter(DeadLetter),
    /// A dead letter is dropped (deleted, or queued again).
    ForgetDeadLetter { id: i64 },
}

/// Applies one change in the journal's transaction; for an enqueue whose
/// idempotency key was used, the first request id (and nothing queued).
pub(crate) fn apply(tx: &Transaction<'_>, write: &EventWrite) -> Result<Option<String>> {
    match write {
        EventWrite::Enqueue(event) => return enqueue(tx, event),
        EventWrite::Start { id, at_ms } => {
            tx.prepare_cached(
                "UPDATE events SET running = 1, attempts = attempts + 1, throttles = 0,
                 first_attempt_ms = COALESCE(first_attempt_ms, ?2), last_attempt_ms = ?2 WHERE id = ?1",
            )?
            .execute(params![id, at_ms])?;
        }
        EventWrite::Reschedule { id, due_at_ms, throttles, failure } => {
            let mut statement = tx.prepare_cached(
                "UPDATE events SET running = 0, due_at_ms = ?2, throttles = ?3,
                 last_version = COALESCE(?4, last_version), last_error_type = COALESCE(?5, last_error_type),
                 last_error_message = COALESCE(?6, last_error_message), last_response = COALESCE(?7, last_response)
                 WHERE id = ?1",
            )?;
            let failure = failure.as_ref();
            statement.execute(params![
                id,
                due_at_ms,
                throttles,
                failure.map(|f| &f.version),
                failure.map(|f| &f.error_type),
                failure.map(|f| &f.error_message),
                failure.map(|f| &f.response),
            ])?;
        }
        EventWrite::Remove { id } => {
            tx.prepare_cached("DELETE FROM events WHERE id = ?1")?.execute([id])?;
        }
        EventWrite::WakeThrottled { function, at_ms } => {
            tx.prepare_cached(
                "UPDATE events SET due_at_ms = ?2 WHERE id = (SELECT id FROM events
                 WHERE function = ?1 AND throttles > 0 AND running = 0 ORDER BY due_at_ms, id LIMIT 1)
                 AND due_at_ms > ?2",
            )?
            .execute(params![function, at_ms])?;
        }
        EventWrite::KeepDeadLetter(letter) => {
            tx.prepare_cached(
                "INSERT INTO dead_letters (request_id, function, qualifier, condition, attempts, first_attempt_ms,
                 last_attempt_ms, error_type, error_message, payload, failed_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                letter.request_id,
                letter.function,
                letter.qualifier,
                letter.condition,
                letter.attempts,
                letter.first_attempt_ms,
                letter.last_attempt_ms,
                letter.error_type,
                letter.error_message,
                letter.payload,
                letter.failed_at_ms,
            ])?;
        }
        EventWrite::ForgetDeadLetter { id } => {
            tx.prepare_cached("DELETE FROM dead_letters WHERE id = ?1")?.execute([id])?;
        }
    }
    Ok(None)
}

fn enqueue(tx: &Transaction<'_>, event: &NewEvent) -> Result<Option<String>> {
    if let Some(key) = &event.idempotency_key {
        let first: Option<(String, i64)> = tx
            .prepare_cached("SELECT request_id, created_at_ms FROM idempotency_keys WHERE function = ?1 AND key = ?2")?
            .query_row(params![event.function, key], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        match first {
            Some((request_id, at)) if at > event.enqueued_at_ms - IDEMPOTENCY_WINDOW_MS => return Ok(Some(request_id)),
            _ => {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO idempotency_keys (function, key, request_id, created_at_ms)
                     VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![event.function, key, event.request_id, event.enqueued_at_ms])?;
            }
        }
    }
    tx.prepare_cached(
        "INSERT INTO events (request_id, function, qualifier, payload, enqueued_at_ms, due_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        event.request_id,
        event.function,
        event.qualifier,
        event.payload,
        event.enqueued_at_ms,
        event.due_at_ms
    ])?;
    Ok(None)
}

/// Forgets idempotency keys older than the window.
pub(crate) fn prune_idempotency_keys(connection: &Connection, now_ms: i64) -> Result<usize> {
    Ok(connection
        .execute("DELETE FROM idempotency_keys WHERE created_at_ms <= ?1", [now_ms - IDEMPOTENCY_WINDOW_MS])?)
}

/// A queued event as the dispatcher reads it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct QueuedEvent {
    pub id: i64,
    pub request_id: String,
    pub function: String,
    pub qualifier: Option<String>,
    pub payload: Vec<u8>,
    pub enqueued_at_ms: i64,
    pub attempts: u32,
    pub throttles: u32,
    pub first_attempt_ms: Option<i64>,
    pub last_attempt_ms: Option<i64>,
    /// The last failed attempt, if one failed.
    pub last_failure: Option<Failure>,
}

/// Up to `limit` events due at `now_ms` and not running, oldest due first,
/// skipping those in `skip` (handed out already).
pub(crate) fn due(
    connection: &Connection,
    now_ms: i64,
    limit: usize,
    skip: &std::collections::HashSet<i64>,
) -> Result<Vec<QueuedEvent>> {
    let mut statement = connection.prepare_cached(
        "SELECT id, request_id, function, qualifier, payload, enqueued_at_ms, attempts, throttles,
         first_attempt_ms, last_attempt_ms, last_version, last_error_type, last_error_message, last_response
         FROM events WHERE running = 0 AND due_at_ms <= ?1 ORDER BY due_at_ms, id LIMIT ?2",
    )?;
    let rows = statement.query_map(params![now_ms, (limit + skip.len()) as i64], |row| {
        let version: Option<String> = row.get(10)?;
        let failure = match version {
            Some(version) => Some(Failure {
                version,
                error_type: row.get::<_, Option<String>>(11)?.unwrap_or_default(),
                error_message: row.get::<_, Option<String>>(12)?.unwrap_or_default(),
                response: row.get::<_, Option<Vec<u8>>>(13)?.unwrap_or_default(),
            }),
            None => None,
        };
        Ok(QueuedEvent {
            id: row.get(0)?,
            request_id: row.get(1)?,
            function: row.get(2)?,
            qualifier: row.get(3)?,
            payload: row.get(4)?,
            enqueued_at_ms: row.get(5)?,
            attempts: row.get(6)?,
            throttles: row.get(7)?,
            first_attempt_ms: row.get(8)?,
            last_attempt_ms: row.get(9)?,
            last_failure: failure,
        })
    })?;
    let mut events = Vec::new();
    for event in rows {
        let event = event?;
        if !skip.contains(&event.id) {
            events.push(event);
            if events.len() == limit {
                break;
            }
        }
    }
    Ok(events)
}

/// When the earliest waiting event is due, if any waits.
pub(crate) fn next_due_at(connection: &Connection) -> Result<Option<i64>> {
    let mut statement = connection.prepare_cached("SELECT MIN(due_at_ms) FROM events WHERE running = 0")?;
    Ok(statement.query_row([], |row| row.get(0))?)
}

/// Queued events per function (running ones included).
pub(crate) fn queued_by_function(connection: &Connection) -> Result<Vec<(String, i64)>> {
    let mut statement = connection.prepare("SELECT function, COUNT(*) FROM events GROUP BY function")?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// After a crash, the attempts that were running will never report: their
/// events wait again (their attempts stay counted).
pub(crate) fn requeue_interrupted(connection: &Connection) -> Result<usize> {
    Ok(connection.execute("UPDATE events SET running = 0 WHERE running = 1", [])?)
}

/// A dead letter with its id.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StoredDeadLetter {
    pub id: i64,
    pub letter: DeadLetter,
}

const DEAD_LETTER_COLUMNS: &str = "id, request_id, function, qualifier, condition, attempts, first_attempt_ms,
    last_attempt_ms, error_type, error_message, payload, failed_at_ms";

fn dead_letter_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredDeadLetter> {
    Ok(StoredDeadLetter {
        id: row.get(0)?,
        letter: DeadLetter {
            request_id: row.get(1)?,
            function: row.get(2)?,
            qualifier: row.get(3)?,
            condition: row.get(4)?,
            attempts: row.get(5)?,
            first_attempt_ms: row.get(6)?,
            last_attempt_ms: row.get(7)?,
            error_type: row.get(8)?,
            error_message: row.get(9)?,
            payload: row.get(10)?,
            failed_at_ms: row.get(11)?,
        },
    })
}

/// Dead letters (of `function`, or all), oldest first, after `marker`.
pub(crate) fn dead_letters(
    connection: &Connection,
    function: Option<&str>,
    after: i64,
    limit: usize,
) -> Result<Vec<StoredDeadLetter>> {
    let sql = format!(
        "SELECT {DEAD_LETTER_COLUMNS} FROM dead_letters WHERE (?1 IS NULL OR function = ?1) AND id > ?2
         ORDER BY id LIMIT ?3"
    );
    let mut statement = connection.prepare(&sql)?;
    let rows = statement.query_map(params![function, after, limit as i64], dead_letter_of)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One dead letter.
pub(crate) fn dead_letter(connection: &Connection, id: i64) -> Result<Option<StoredDeadLetter>> {
    let sql = format!("SELECT {DEAD_LETTER_COLUMNS} FROM dead_letters WHERE id = ?1");
    Ok(connection.query_row(&sql, [id], dead_letter_of).optional()?)
}
