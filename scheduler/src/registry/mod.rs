//! The registry: functions, their versions and aliases, kept durably in
//! SQLite and served from an immutable in-memory snapshot.
//!
//! One owner makes every change: [`Registry::change`] serialises the
//! control plane's edits, applies one to a copy of the current
//! [`Catalog`], writes the rows it touched in one SQLite transaction and
//! only then publishes the copy as the new snapshot. Invocations (and
//! read-only API calls) load the snapshot without a lock and never wait
//! for a change: whatever is slow (parsing a zip, compiling a module) is
//! done before a change starts, and the SQLite write is the only I/O under
//! the owner's lock. A failed write changes nothing in memory.

mod account;
mod aliases;
pub(crate) mod catalog;
mod event_configs;
mod functions;
pub(crate) mod store;
pub(crate) mod validate;
mod versions;

use crate::error::{Error, Result};
use crate::invocation::admit::FunctionConcurrency;
use crate::names::LATEST;
use arc_swap::ArcSwap;
use catalog::{Catalog, FunctionEntry, VersionEntry};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use store::Store;

/// Most items a list call returns (Lambda: 50).
pub(crate) const MAX_LIST_ITEMS: usize = 50;

/// `MaxItems`: default and ceiling 50, at least 1.
pub(crate) fn page_size(max_items: Option<i64>) -> Result<usize> {
    match max_items {
        None => Ok(MAX_LIST_ITEMS),
        Some(n) if n < 1 => Err(Error::range(n, "maxItems", 1, 10_000)),
        Some(n) => Ok((n as usize).min(MAX_LIST_ITEMS)),
    }
}

/// Refuses a stale `RevisionId`.
pub(crate) fn check_revision(given: Option<&str>, current: &str) -> Result<()> {
    match given {
        Some(given) if given != current => Err(Error::PreconditionFailed(
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
                .into(),
        )),
        _ => Ok(()),
    }
}

/// The snapshot, its owner and the durable copy.
pub(crate) struct Registry {
    snapshot: ArcSwap<Catalog>,
    /// Held by the one change in progress (never by a reader).
    owner: Mutex<()>,
    pub(crate) store: Store,
    next_tenant: AtomicU64,
}

/// A change in progress: a copy of the catalog and what it touched.
pub(crate) struct Draft<'a> {
    catalog: Catalog,
    saved: BTreeSet<String>,
    deleted: BTreeSet<String>,
    /// Zips the change stopped using: deleted once it is committed, if no
    /// version uses them then.
    released_code: Vec<String>,
    registry: &'a Registry,
}

impl Registry {
    /// Opens the registry in `data_dir` and loads every stored function.
    pub(crate) fn open(data_dir: &std::path::Path) -> Result<Self> {
        let store = Store::open(data_dir)?;
        let registry = Self {
            snapshot: ArcSwap::from_pointee(Catalog::default()),
            owner: Mutex::new(()),
            store,
            next_tenant: AtomicU64::new(1),
        };
        let catalog = registry.load()?;
        registry.snapshot.store(Arc::new(catalog));
        Ok(registry)
    }

    /// The current snapshot: what every read and invocation looks at.
    pub(crate) fn snapshot(&self) -> Arc<Catalog> {
        self.snapshot.load_full()
    }

    /// A tenant id for a new function.
    pub(crate) fn new_tenant(&self) -> u64 {
        self.next_tenant.fetch_add(1, Ordering::Relaxed)
    }

    /// Makes one change: `edit` works on a copy of the catalog; what it
    /// touched is written to SQLite in one transaction; then the copy
    /// becomes the snapshot, the zips no version uses any more are deleted
    /// and `after` runs (still as the only change in progress). An error
    /// from `edit` or from the write leaves everything as it was.
    pub(crate) fn change<T>(
        &self,
        edit: impl FnOnce(&mut Draft<'_>) -> Result<T>,
        after: impl FnOnce(&Catalog),
    ) -> Result<T> {
        let _owner = self.owner.lock().unwrap_or_else(|e| e.into_inner());
        let mut draft = Draft {
            catalog: (*self.snapshot()).clone(),
            saved: BTreeSet::new(),
            deleted: BTreeSet::new(),
            released_code: Vec::new(),
            registry: self,
        };
        let answer = edit(&mut draft)?;
        let Draft { catalog, saved, deleted, released_code, .. } = draft;
        let saved: Vec<(&str, &FunctionEntry)> = saved
            .iter()
            .filter_map(|name| catalog.functions.get(name).map(|entry| (name.as_str(), entry.as_ref())))
            .collect();
        let deleted: Vec<&str> =
            deleted.iter().filter(|name| !catalog.functions.contains_key(*name)).map(String::as_str).collect();
        self.store.commit(&saved, &deleted)?;
        let catalog = Arc::new(catalog);
        self.snapshot.store(Arc::clone(&catalog));
        for digest in released_code {
            if !catalog.uses_code(&digest)
                && let Err(e) = self.store.remove_code(&digest)
            {
                tracing::warn!(error = %e, digest, "could not delete an unused zip");
            }
        }
        after(&catalog);
        Ok(answer)
    }

    fn load(&self) -> Result<Catalog> {
        let mut catalog = Catalog::default();
        for stored in self.store.load()? {
            let mut latest = None;
            let mut published = BTreeMap::new();
            for (version, record) in stored.versions {
                let entry = VersionEntry::new(version.clone(), record, None);
                if version == LATEST {
                    latest = Some(entry);
                } else if let Ok(number) = version.parse::<u64>() {
                    published.insert(number, entry);
                }
            }
            let Some(latest) = latest else {
                tracing::warn!(function = %stored.name, "function without $LATEST in the registry; skipped");
                continue;
            };
            let entry = FunctionEntry {
                latest,
                published,
                aliases: stored.aliases.into_iter().collect(),
                next_version: stored.next_version,
                reserved: stored.reserved_concurrency,
                concurrency: FunctionConcurrency::new(),
                tenant: self.new_tenant(),
                event_configs: stored.event_configs.into_iter().collect(),
            };
            catalog.functions.insert(stored.name, Arc::new(entry));
        }
        Ok(catalog)
    }
}

impl Draft<'_> {
    /// The function as the change sees it so far.
    pub(crate) fn function(&self, name: &str) -> Option<&FunctionEntry> {
        self.catalog.functions.get(name).map(Arc::as_ref)
    }

    /// The function, to change (its rows are written with the change).
    pub(crate) fn function_mut(&mut self, name: &str) -> Option<&mut FunctionEntry> {
        let entry = self.catalog.functions.get_mut(name)?;
        self.saved.insert(name.to_string());
        Some(Arc::make_mut(entry))
    }

    /// Adds a function.
    pub(crate) fn insert(&mut self, name: String, entry: FunctionEntry) {
        self.saved.insert(name.clone());
        self.catalog.functions.insert(name, Arc::new(entry));
    }

    /// Removes a function (its rows are deleted with the change).
    pub(crate) fn remove(&mut self, name: &str) -> Option<Arc<FunctionEntry>> {
        let removed = self.catalog.functions.remove(name)?;
        self.saved.remove(name);
        self.deleted.insert(name.to_string());
        Some(removed)
    }

    /// The catalog as the change sees it so far.
    pub(crate) fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Makes sure a zip the change starts using is stored. It was written
    /// before the change (outside the owner's lock); a change that ran in
    /// between may have deleted an identical zip no version used yet, and
    /// then it is written again. Usually this is one `stat`.
    pub(crate) fn keep_code(&self, digest_hex: &str, zip: &[u8]) -> Result<()> {
        self.registry.store.save_code(digest_hex, zip)
    }

    /// Notes that the change stopped using these versions' zips: each is
    /// deleted after the commit unless another version still uses it.
    pub(crate) fn release_code<'v>(&mut self, versions: impl IntoIterator<Item = &'v Arc<VersionEntry>>) {
        self.released_code.extend(versions.into_iter().map(|v| v.record.code_digest_hex.clone()));
    }

    /// A tenant id for a new function.
    pub(crate) fn new_tenant(&self) -> u64 {
        self.registry.new_tenant()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_changes_nothing_and_readers_keep_their_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::open(dir.path()).unwrap();
        let before = registry.snapshot();
        let refused: Result<()> = registry.change(|_| Err(Error::InvalidParameter("no".into())), |_| {});
        assert!(refused.is_err());
        assert!(Arc::ptr_eq(&before, &registry.snapshot()), "a refused change publishes nothing");
        // Make the database unwritable: the change's write fails.
        let connection = store::connect(&dir.path().join("registry.sqlite3")).unwrap();
        connection
            .execute_batch("CREATE TRIGGER refuse BEFORE INSERT ON functions BEGIN SELECT RAISE(FAIL, 'disk'); END;")
            .unwrap();
        let failed = registry.change(
            |draft| {
                let latest = VersionEntry::new(LATEST.into(), sample_record(), None);
                let entry = FunctionEntry::created(latest, draft.new_tenant());
                draft.insert("f".into(), entry);
                Ok(())
            },
            |_| panic!("nothing to do after a failed write"),
        );
        assert!(failed.is_err());
        assert!(registry.snapshot().functions.is_empty(), "the function is not served after its write failed");
    }

    fn sample_record() -> catalog::VersionRecord {
        catalog::VersionRecord {
            runtime: "provided.al2023".into(),
            role: "arn:aws:iam::000000000000:role/r".into(),
            handler: "function.wasm".into(),
            code_size: 1,
            code_sha256: "x".into(),
            code_digest_hex: "0".repeat(64),
            description: String::new(),
            timeout: 3,
            memory_size: 128,
            env: BTreeMap::new(),
            last_modified: catalog::last_modified_now(),
            revision_id: catalog::new_revision_id(),
            architectures: vec!["x86_64".into()],
            dead_letter_target: None,
        }
    }
}
