//! Why a bundle was refused: one variant per rule, so that callers (and
//! tests) can tell the rules apart without reading messages.

use std::path::PathBuf;

use crate::manifest::ManifestError;

/// Why a bundle was refused, or why storing or building one failed.
///
/// Entry names in messages are escaped, so each message is one line.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The zip is larger than `BundleLimits::max_zip_bytes`.
    #[error("bundle is {size} bytes, over the limit of {limit} bytes")]
    ZipTooLarge {
        /// Size of the zip.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The zip's structure (end record, central directory) is unreadable.
    #[error("bundle is not a readable zip: {reason}")]
    NotAZip {
        /// What the zip reader reported.
        reason: String,
    },
    /// More entries than `BundleLimits::max_entries`.
    #[error("bundle has {count} entries, over the limit of {limit}")]
    TooManyEntries {
        /// Entries declared or found.
        count: u64,
        /// The limit.
        limit: usize,
    },
    /// The decompressed files add up to more than `BundleLimits::max_unzipped_bytes`.
    #[error("bundle unzips to more than {limit} bytes (limit reached in entry '{}')", .entry.escape_debug())]
    UnzippedTooLarge {
        /// The entry being decompressed when the limit was passed.
        entry: String,
        /// The limit.
        limit: u64,
    },
    /// An entry expands more than `BundleLimits::max_compression_ratio` times.
    #[error("entry '{}' expands more than {limit}:1 ({compressed} compressed bytes gave over {decompressed})", .entry.escape_debug())]
    CompressionRatio {
        /// The entry.
        entry: String,
        /// Its compressed size.
        compressed: u64,
        /// Bytes decompressed when decompression stopped.
        decompressed: u64,
        /// The limit.
        limit: u64,
    },
    /// An entry name (or the handler) longer than `BundleLimits::max_entry_name_bytes`.
    #[error("entry '{}' is {bytes} bytes long, over the limit of {limit}", shown(.entry))]
    NameTooLong {
        /// The name as written (lossily decoded).
        entry: String,
        /// Its length.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// An entry name with a part between slashes longer than
    /// `BundleLimits::max_entry_component_bytes`.
    #[error("entry '{}' has a name part of {bytes} bytes, over the limit of {limit}", shown(.entry))]
    NameComponentTooLong {
        /// The name as written (lossily decoded).
        entry: String,
        /// The longest part's length.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// Writing an entry's file or directory to disk failed.
    #[error("entry '{}' cannot be extracted: {source}", .entry.escape_debug())]
    Extract {
        /// The entry's normalised path.
        entry: String,
        /// What the filesystem said.
        source: std::io::Error,
    },
    /// An entry name (or the handler) that is not UTF-8.
    #[error("entry name '{escaped}' is not UTF-8")]
    NonUtf8Name {
        /// The name's bytes, escaped.
        escaped: String,
    },
    /// A file name that is empty once `.` components are removed.
    #[error("entry '{}' has an empty name", .entry.escape_debug())]
    EmptyName {
        /// The name as written.
        entry: String,
    },
    /// A name starting with `/` or a drive letter.
    #[error("entry '{}' is an absolute path", .entry.escape_debug())]
    AbsolutePath {
        /// The name as written.
        entry: String,
    },
    /// A name with a `..` component.
    #[error("entry '{}' has a '..' component", .entry.escape_debug())]
    ParentComponent {
        /// The name as written.
        entry: String,
    },
    /// A name with a backslash, which some extractors treat as a separator.
    #[error("entry '{}' contains a backslash", .entry.escape_debug())]
    Backslash {
        /// The name as written.
        entry: String,
    },
    /// A name with a NUL byte, which truncates it for C-based tools.
    #[error("entry '{}' contains a NUL byte", .entry.escape_debug())]
    NulInName {
        /// The name as written.
        entry: String,
    },
    /// An entry whose unix mode is a symbolic link.
    #[error("entry '{}' is a symbolic link", .entry.escape_debug())]
    Symlink {
        /// The name as written.
        entry: String,
    },
    /// Two entries with the same normalised path, or a file where a
    /// directory is needed.
    #[error("entry '{}' collides with entry '{}'", .entry.escape_debug(), .other.escape_debug())]
    DuplicateEntry {
        /// The later entry.
        entry: String,
        /// The earlier entry (or the file that a directory path runs through).
        other: String,
    },
    /// The local file header does not match the central directory.
    #[error("entry '{}': local header disagrees with the central directory on {field}", .entry.escape_debug())]
    LocalHeaderMismatch {
        /// The name as written in the central directory.
        entry: String,
        /// Which field differs.
        field: &'static str,
    },
    /// Two entries share bytes: the overlapping-file zip bomb.
    #[error("entry '{}' overlaps entry '{}'", .entry.escape_debug(), .other.escape_debug())]
    OverlappingEntries {
        /// One entry.
        entry: String,
        /// The other.
        other: String,
    },
    /// An entry's header and data do not lie between the file's start and
    /// the central directory.
    #[error("entry '{}' lies outside the zip's data", .entry.escape_debug())]
    EntryOutsideFile {
        /// The name as written.
        entry: String,
    },
    /// An encrypted entry.
    #[error("entry '{}' is encrypted", .entry.escape_debug())]
    Encrypted {
        /// The name as written.
        entry: String,
    },
    /// A compression method other than stored (0) or deflate (8).
    #[error("entry '{}' uses compression method {method}; only stored and deflate are accepted", .entry.escape_debug())]
    UnsupportedCompression {
        /// The name as written.
        entry: String,
        /// The method number.
        method: u16,
    },
    /// The decompressed data does not match the entry's CRC-32.
    #[error("entry '{}' fails its CRC check (expected {expected:08x}, got {actual:08x})", .entry.escape_debug())]
    CrcMismatch {
        /// The name as written.
        entry: String,
        /// CRC-32 in the central directory.
        expected: u32,
        /// CRC-32 of the data.
        actual: u32,
    },
    /// Data that does not decompress, or not to its declared size.
    #[error("entry '{}' is corrupt: {reason}", .entry.escape_debug())]
    CorruptData {
        /// The name as written.
        entry: String,
        /// What went wrong.
        reason: String,
    },
    /// No regular file at the handler's path.
    #[error("bundle has no module at '{}'", .handler.escape_debug())]
    MissingModule {
        /// The handler's normalised path.
        handler: String,
    },
    /// The module does not validate.
    #[error("module '{}' is not a valid WebAssembly module: {reason}", .handler.escape_debug())]
    InvalidModule {
        /// The handler's normalised path.
        handler: String,
        /// What the validator reported.
        reason: String,
    },
    /// The module does not export a function `_start`.
    #[error("module '{}' does not export a function '_start'", .handler.escape_debug())]
    MissingStart {
        /// The handler's normalised path.
        handler: String,
    },
    /// `_start` takes parameters or returns results.
    #[error("module '{}': '_start' must take no parameters and return nothing", .handler.escape_debug())]
    BadStartSignature {
        /// The handler's normalised path.
        handler: String,
    },
    /// An import outside `wasi_snapshot_preview1`.
    #[error("module imports '{}'.'{}'; only 'wasi_snapshot_preview1' may be imported", .module.escape_debug(), .field.escape_debug())]
    ForbiddenImport {
        /// The import's module name.
        module: String,
        /// The import's field name.
        field: String,
    },
    /// The manifest is refused.
    #[error("nimbus.toml: {0}")]
    Manifest(#[from] ManifestError),
    /// `build_bundle` met a symbolic link in the included directory.
    #[error("'{}' is a symbolic link; bundles hold regular files only", .path.display())]
    IncludeSymlink {
        /// The link.
        path: PathBuf,
    },
    /// `build_bundle` met an included file at the module's or manifest's path.
    #[error("'{}' collides with the bundle's own {}", .path.display(), .with)]
    IncludeCollision {
        /// The included file.
        path: PathBuf,
        /// `function.wasm` or `nimbus.toml`.
        with: &'static str,
    },
    /// `build_bundle` met something it cannot include.
    #[error("cannot include '{}': {reason}", .path.display())]
    IncludeUnsupported {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: &'static str,
    },
    /// Reading, writing or storing files failed.
    #[error("bundle I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// Most characters of an over-long name that a message repeats.
const MAX_SHOWN_NAME_CHARS: usize = 256;

/// A name as a message shows it: escaped, and cut after
/// [`MAX_SHOWN_NAME_CHARS`] characters.
fn shown(name: &str) -> String {
    match name.char_indices().nth(MAX_SHOWN_NAME_CHARS) {
        None => name.escape_debug().to_string(),
        Some((cut, _)) => format!("{}...", name[..cut].escape_debug()),
    }
}
