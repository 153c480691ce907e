//! Where `nimbus` keeps its data when no `--data-dir` is given.

use std::path::PathBuf;

/// `$XDG_CACHE_HOME/nimbus`, else `~/.cache/nimbus`, else a folder in the
/// system's temporary directory: a cache, so losing it only costs compiles.
pub fn default_cache_dir() -> PathBuf {
    if let Some(cache) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(cache).join("nimbus");
    }
    if let Some(home) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(home).join(".cache").join("nimbus");
    }
    std::env::temp_dir().join("nimbus")
}
