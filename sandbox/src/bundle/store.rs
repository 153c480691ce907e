//! The content-addressed store of extracted bundles: one read-only
//! directory per digest, written once.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Bundle, BundleError};

const FILE_MODE: u32 = 0o444;
const DIR_MODE: u32 = 0o555;
/// Prefix of directories being written; never a hex digest.
const TEMP_PREFIX: &str = ".tmp-";

/// Distinguishes temp directories of one process; the pid distinguishes
/// processes sharing the root.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// Extracted bundles under `root/<hex digest>/`.
///
/// A bundle's directory is complete or absent: it is written beside its
/// final name and renamed into place, so a crash leaves at most a stray
/// `.tmp-*` directory, never a partial bundle under a digest.
#[derive(Debug, Clone)]
pub struct BundleStore {
    root: PathBuf,
}

impl BundleStore {
    /// Opens the store at `root`, creating the directory if needed.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, BundleError> {
        let root = root.into();
        fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    /// The directory of a bundle extracted before, if it is there.
    pub fn extracted(&self, digest: &super::BundleDigest) -> Option<PathBuf> {
        let target = self.root.join(digest.hex());
        target.is_dir().then_some(target)
    }

    /// Directory holding the bundle's files, extracting it on first use.
    pub fn materialize(&self, bundle: &Bundle) -> Result<PathBuf, BundleError> {
        let target = self.root.join(bundle.digest().hex());
        if target.is_dir() {
            return Ok(target);
        }
        let temp = self.root.join(format!(
            "{TEMP_PREFIX}{}-{}-{}",
            bundle.digest().hex(),
            std::process::id(),
            NEXT_TEMP.fetch_add(1, Ordering::Relaxed)
        ));
        if let Err(err) = write_tree(&temp, bundle) {
            discard(&temp, bundle);
            return Err(err);
        }
        match fs::rename(&temp, &target) {
            Ok(()) => Ok(target),
            // Another writer got there first; what it wrote is the same bytes.
            Err(err) if target.is_dir() => {
                tracing::debug!(%err, digest = %bundle.digest(), "bundle already materialized");
                discard(&temp, bundle);
                Ok(target)
            }
            Err(err) => {
                discard(&temp, bundle);
                Err(err.into())
            }
        }
    }
}

/// Writes the bundle's tree; a failure on one entry names it (a path too
/// long for this filesystem is the bundle's, not the server's, problem).
fn write_tree(temp: &Path, bundle: &Bundle) -> Result<(), BundleError> {
    fs::create_dir(temp)?;
    fn entry_error(entry: &str) -> impl FnOnce(std::io::Error) -> BundleError + '_ {
        move |source| BundleError::Extract { entry: entry.to_owned(), source }
    }
    // `directories()` lists parents first.
    for dir in bundle.directories() {
        fs::create_dir(temp.join(dir)).map_err(entry_error(dir))?;
    }
    for file in bundle.files() {
        let path = temp.join(&file.path);
        let write = || -> std::io::Result<()> {
            let mut out = create_read_only(&path)?;
            out.write_all(&file.contents)?;
            // The rename below publishes the directory for good; its files
            // must be on disk before that, not after.
            out.sync_all()?;
            set_mode(&path, FILE_MODE)
        };
        write().map_err(entry_error(&file.path))?;
    }
    for dir in bundle.directories().iter().rev() {
        set_mode(&temp.join(dir), DIR_MODE)?;
    }
    Ok(set_mode(temp, DIR_MODE)?)
}

/// Removes a temp directory; its directories are read-only, so they are
/// made writable first. Best effort: a leftover only costs disk space.
fn discard(temp: &Path, bundle: &Bundle) {
    let _ = set_mode(temp, 0o755);
    for dir in bundle.directories() {
        let _ = set_mode(&temp.join(dir), 0o755);
    }
    if let Err(err) = fs::remove_dir_all(temp) {
        tracing::warn!(%err, path = %temp.display(), "cannot remove temporary bundle directory");
    }
}

#[cfg(unix)]
fn create_read_only(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new().write(true).create_new(true).mode(FILE_MODE).open(path)
}

#[cfg(not(unix))]
fn create_read_only(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    let mut permissions = fs::metadata(path)?.permissions();
    permissions.set_readonly(mode & 0o222 == 0);
    fs::set_permissions(path, permissions)
}
