//! Recycled scratch directories that back each invocation's `/tmp`.
//!
//! Creating and deleting a directory per invocation would sit on the hot
//! path; instead empty directories wait in a pool, and a used one is emptied
//! by a background thread before it rejoins the pool.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// How many empty directories are made ahead of time: enough that the
/// cleaner, woken once per batch, never lets the pool run dry.
const PREPARED: usize = 64;
/// How many empty directories are kept at most.
const KEPT: usize = 1024;
/// While directories keep coming back, the cleaner sweeps this often instead
/// of being woken: waking a thread per invocation costs a futex round trip,
/// as much as a small guest's whole run. Only an idle cleaner is woken.
const SWEEP_EVERY: Duration = Duration::from_millis(1);

#[derive(Debug, Default)]
struct Dirs {
    /// Empty, ready to hand out.
    ready: Vec<PathBuf>,
    /// Handed back, not yet emptied.
    used: Vec<PathBuf>,
    /// The cleaner sleeps until woken (nothing came back at its last sweep).
    cleaner_idle: bool,
}

#[derive(Debug, Default)]
struct Shared {
    dirs: Mutex<Dirs>,
    used_waiting: Condvar,
    stop: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Dirs> {
        self.dirs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A pool of empty directories under one root.
#[derive(Debug)]
pub(crate) struct ScratchPool {
    root: PathBuf,
    next: AtomicU64,
    shared: Arc<Shared>,
    cleaner: Option<std::thread::JoinHandle<()>>,
}

impl ScratchPool {
    /// Makes this process's pool under `parent` (one folder per process, so
    /// that several processes may share a data directory), removes the
    /// left-overs of processes that are gone, and fills the pool.
    pub(crate) fn new(parent: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(parent)?;
        remove_orphans(parent);
        let root = parent.join(std::process::id().to_string());
        if root.exists() {
            std::fs::remove_dir_all(&root)?;
        }
        std::fs::create_dir_all(&root)?;
        let shared = Arc::new(Shared::default());
        let cleaner = Arc::clone(&shared);
        let cleaner =
            std::thread::Builder::new().name("nimbus-scratch-cleaner".into()).spawn(move || clean_forever(&cleaner))?;
        let pool = Self { root, next: AtomicU64::new(0), shared, cleaner: Some(cleaner) };
        for _ in 0..PREPARED {
            let dir = pool.create()?;
            pool.shared.lock().ready.push(dir);
        }
        Ok(pool)
    }

    fn create(&self) -> io::Result<PathBuf> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let dir = self.root.join(format!("tmp-{n}"));
        std::fs::create_dir(&dir)?;
        Ok(dir)
    }

    /// An empty directory, from the pool or made now.
    pub(crate) fn acquire(&self) -> io::Result<PathBuf> {
        let pooled = self.shared.lock().ready.pop();
        match pooled {
            Some(dir) => Ok(dir),
            None => self.create(),
        }
    }

    /// Hands a used directory back; it is emptied in the background.
    pub(crate) fn release(&self, dir: PathBuf) {
        let mut dirs = self.shared.lock();
        dirs.used.push(dir);
        if dirs.cleaner_idle {
            dirs.cleaner_idle = false;
            self.shared.used_waiting.notify_one();
        }
    }
}

/// The cleaner: empties used directories in batches and returns them.
fn clean_forever(shared: &Shared) {
    while !shared.stop.load(Ordering::Relaxed) {
        let used = {
            let mut dirs = shared.lock();
            if dirs.used.is_empty() {
                dirs.cleaner_idle = true;
                dirs = shared
                    .used_waiting
                    .wait_while(dirs, |d| d.used.is_empty() && !shared.stop.load(Ordering::Relaxed))
                    .unwrap_or_else(|e| e.into_inner());
            }
            std::mem::take(&mut dirs.used)
        };
        let mut emptied = Vec::with_capacity(used.len());
        for dir in used {
            match empty_dir(&dir) {
                Ok(()) => emptied.push(dir),
                Err(e) => {
                    tracing::warn!(dir = %dir.display(), error = %e, "could not empty a scratch directory; dropping it");
                    let _ = std::fs::remove_dir_all(&dir);
                }
            }
        }
        let mut dirs = shared.lock();
        for dir in emptied {
            if dirs.ready.len() < KEPT {
                dirs.ready.push(dir);
            } else {
                let _ = std::fs::remove_dir(&dir);
            }
        }
        drop(dirs);
        std::thread::sleep(SWEEP_EVERY);
    }
}

impl Drop for ScratchPool {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        drop(self.shared.lock());
        self.shared.used_waiting.notify_one();
        // The cleaner may be emptying a directory; let it finish first.
        if let Some(cleaner) = self.cleaner.take() {
            let _ = cleaner.join();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Removes the pools of processes that no longer run (a crash leaves them).
fn remove_orphans(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Removes everything inside `dir`, never following symlinks.
fn empty_dir(dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// What one file or directory costs at the least, in `used_bytes`.
const ENTRY_MIN_BYTES: u64 = 4096;

/// Bytes used under `dir`, counting at most `stop_above` (the walk ends once
/// the answer is known to be over it). Symlinks are counted, not followed.
pub(crate) fn used_bytes(dir: &Path, stop_above: u64) -> u64 {
    let mut total = 0u64;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                pending.push(entry.path());
            }
            // Allocated blocks, not the apparent size: a sparse file costs
            // little. Every entry costs at least a block, so a flood of empty
            // files fills /tmp too (and bounds this walk).
            total += (std::os::unix::fs::MetadataExt::blocks(&meta) * 512).max(ENTRY_MIN_BYTES);
            if total > stop_above {
                return total;
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_released_directory_comes_back_empty() {
        let root = tempfile::tempdir().unwrap();
        let pool = ScratchPool::new(&root.path().join("scratch")).unwrap();
        let dir = pool.acquire().unwrap();
        std::fs::create_dir(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/file"), b"x").unwrap();
        pool.release(dir.clone());
        for _ in 0..1000 {
            if pool.shared.lock().ready.contains(&dir) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert!(pool.shared.lock().ready.contains(&dir));
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    }

    #[test]
    fn empty_files_count_a_block_each() {
        let root = tempfile::tempdir().unwrap();
        for n in 0..10 {
            std::fs::write(root.path().join(n.to_string()), b"").unwrap();
        }
        assert_eq!(used_bytes(root.path(), u64::MAX), 10 * ENTRY_MIN_BYTES);
        assert!(used_bytes(root.path(), 3 * ENTRY_MIN_BYTES) <= 4 * ENTRY_MIN_BYTES, "the walk stops once over");
    }

    #[test]
    fn used_bytes_counts_nested_files() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("a")).unwrap();
        std::fs::write(root.path().join("a/f"), vec![1u8; 100_000]).unwrap();
        assert!(used_bytes(root.path(), u64::MAX) >= 100_000);
    }
}
