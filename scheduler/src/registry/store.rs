//! The durable registry: SQLite in WAL mode (one connection for the control
//! plane; the ledger has its own) and the uploaded zips, content-addressed.

use super::catalog::{AliasRecord, EventConfigRecord, FunctionEntry, VersionRecord};
use crate::error::{Error, Result};
use crate::names::LATEST;
use rusqlite::{Connection, params};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS functions (
    name TEXT PRIMARY KEY,
    next_version INTEGER NOT NULL DEFAULT 1,
    reserved_concurrency INTEGER
);
CREATE TABLE IF NOT EXISTS versions (
    function TEXT NOT NULL,
    version TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (function, version)
);
CREATE TABLE IF NOT EXISTS aliases (
    function TEXT NOT NULL,
    name TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (function, name)
);
CREATE TABLE IF NOT EXISTS event_configs (
    function TEXT NOT NULL,
    qualifier TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (function, qualifier)
);
CREATE TABLE IF NOT EXISTS usage (
    request_id TEXT NOT NULL,
    function TEXT NOT NULL,
    version TEXT NOT NULL,
    started_at_ms INTEGER NOT NULL,
    duration_us INTEGER NOT NULL,
    billed_ms INTEGER NOT NULL,
    memory_mb INTEGER NOT NULL,
    max_memory_used_mb INTEGER NOT NULL,
    gb_seconds REAL NOT NULL,
    instructions INTEGER,
    outcome TEXT NOT NULL,
    log TEXT,
    invocation_type TEXT NOT NULL DEFAULT 'RequestResponse',
    attempt INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS usage_by_function_time ON usage (function, started_at_ms);
";

/// Opens a connection to the registry database with the settings every
/// connection shares. WAL lets the ledger write while the control plane
/// reads; `synchronous=NORMAL` in WAL mode survives a crash of the process
/// (`kill -9`) — only a power loss could drop the last commits.
pub(crate) fn connect(path: &Path) -> Result<Connection> {
    let connection = Connection::open(path)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.busy_timeout(std::time::Duration::from_secs(10))?;
    connection.execute_batch(SCHEMA)?;
    connection.execute_batch(crate::events::store::SCHEMA)?;
    add_missing_usage_columns(&connection)?;
    Ok(connection)
}

/// A data directory written before the usage table recorded how each
/// invocation came (`invocation_type`, `attempt`) gets those columns.
fn add_missing_usage_columns(connection: &Connection) -> Result<()> {
    let mut statement = connection.prepare("SELECT name FROM pragma_table_info('usage')")?;
    let columns: Vec<String> = statement.query_map([], |row| row.get(0))?.collect::<rusqlite::Result<_>>()?;
    for (column, definition) in
        [("invocation_type", "TEXT NOT NULL DEFAULT 'RequestResponse'"), ("attempt", "INTEGER NOT NULL DEFAULT 1")]
    {
        if !columns.iter().any(|c| c == column) {
            // Another connection may add it at the same moment.
            if let Err(e) = connection.execute_batch(&format!("ALTER TABLE usage ADD COLUMN {column} {definition}"))
                && !e.to_string().contains("duplicate column")
            {
                return Err(e.into());
            }
        }
    }
    Ok(())
}

/// One function as loaded at start-up.
pub(crate) struct StoredFunction {
    pub name: String,
    pub next_version: u64,
    pub reserved_concurrency: Option<u32>,
    pub versions: Vec<(String, VersionRecord)>,
    pub aliases: Vec<(String, AliasRecord)>,
    pub event_configs: Vec<(String, EventConfigRecord)>,
}

/// The control plane's connection and the zip files.
pub(crate) struct Store {
    connection: Mutex<Connection>,
    code_dir: PathBuf,
}

impl Store {
    pub(crate) fn open(data_dir: &Path) -> Result<Self> {
        let code_dir = data_dir.join("code");
        std::fs::create_dir_all(&code_dir).map_err(|e| Error::service("creating the code directory", e))?;
        Ok(Self { connection: Mutex::new(connect(&data_dir.join("registry.sqlite3"))?), code_dir })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every function with its versions and aliases.
    pub(crate) fn load(&self) -> Result<Vec<StoredFunction>> {
        let connection = self.lock();
        let mut functions = Vec::new();
        let mut statement =
            connection.prepare("SELECT name, next_version, reserved_concurrency FROM functions ORDER BY name")?;
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?, row.get::<_, Option<i64>>(2)?))
        })?;
        for row in rows {
            let (name, next_version, reserved) = row?;
            functions.push(StoredFunction {
                versions: query_records(
                    &connection,
                    "SELECT version, record FROM versions WHERE function = ?1",
                    &name,
                )?,
                aliases: query_records(&connection, "SELECT name, record FROM aliases WHERE function = ?1", &name)?,
                event_configs: query_records(
                    &connection,
                    "SELECT qualifier, record FROM event_configs WHERE function = ?1",
                    &name,
                )?,
                name,
                next_version: next_version.max(1) as u64,
                reserved_concurrency: reserved.map(|r| r.max(0) as u32),
            });
        }
        Ok(functions)
    }

    /// Writes a change in one transaction: every row of each function in
    /// `saved`, and the removal of each function in `deleted` (its usage
    /// stays).
    pub(crate) fn commit(&self, saved: &[(&str, &FunctionEntry)], deleted: &[&str]) -> Result<()> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        for name in deleted {
            for table in ["versions", "aliases", "event_configs"] {
                tx.execute(&format!("DELETE FROM {table} WHERE function = ?1"), [name])?;
            }
            tx.execute("DELETE FROM functions WHERE name = ?1", [name])?;
        }
        for (name, entry) in saved {
            tx.execute(
                "INSERT INTO functions (name, next_version, reserved_concurrency) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET next_version = ?2, reserved_concurrency = ?3",
                params![name, entry.next_version as i64, entry.reserved.map(i64::from)],
            )?;
            for table in ["versions", "aliases", "event_configs"] {
                tx.execute(&format!("DELETE FROM {table} WHERE function = ?1"), [name])?;
            }
            let published = entry.published.iter().map(|(number, v)| (number.to_string(), &v.record));
            for (version, record) in std::iter::once((LATEST.to_string(), &entry.latest.record)).chain(published) {
                tx.execute(
                    "INSERT INTO versions (function, version, record) VALUES (?1, ?2, ?3)",
                    params![name, version, to_json(record)?],
                )?;
            }
            for (alias, record) in &entry.aliases {
                tx.execute(
                    "INSERT INTO aliases (function, name, record) VALUES (?1, ?2, ?3)",
                    params![name, alias, to_json(record)?],
                )?;
            }
            for (qualifier, record) in &entry.event_configs {
                tx.execute(
                    "INSERT INTO event_configs (function, qualifier, record) VALUES (?1, ?2, ?3)",
                    params![name, qualifier, to_json(record)?],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn code_path(&self, digest_hex: &str) -> Result<PathBuf> {
        if digest_hex.len() != 64 || !digest_hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Error::NotFound(format!("No code with digest {digest_hex}")));
        }
        Ok(self.code_dir.join(format!("{digest_hex}.zip")))
    }

    /// Keeps a zip (once per digest), written atomically.
    pub(crate) fn save_code(&self, digest_hex: &str, zip: &[u8]) -> Result<()> {
        let path = self.code_path(digest_hex)?;
        if path.exists() {
            return Ok(());
        }
        let temp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4()));
        std::fs::write(&temp, zip)
            .and_then(|()| std::fs::File::open(&temp)?.sync_all())
            .and_then(|()| std::fs::rename(&temp, &path))
            .map_err(|e| Error::service("storing the code", e))
    }

    /// A stored zip.
    pub(crate) fn read_code(&self, digest_hex: &str) -> Result<Vec<u8>> {
        let path = self.code_path(digest_hex)?;
        std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound(format!("No code with digest {digest_hex}")),
            _ => Error::service("reading the code", e),
        })
    }

    /// Deletes a zip (the caller knows no version uses it any more).
    pub(crate) fn remove_code(&self, digest_hex: &str) -> Result<()> {
        let _ = std::fs::remove_file(self.code_path(digest_hex)?);
        Ok(())
    }
}

fn query_records<T: serde::de::DeserializeOwned>(
    connection: &Connection,
    sql: &str,
    function: &str,
) -> Result<Vec<(String, T)>> {
    let mut statement = connection.prepare(sql)?;
    let rows = statement.query_map([function], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
    let mut records = Vec::new();
    for row in rows {
        let (key, json) = row?;
        let record = serde_json::from_str(&json).map_err(|e| Error::service("reading the registry", e))?;
        records.push((key, record));
    }
    Ok(records)
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::service("writing the registry", e))
}
