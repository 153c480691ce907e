//! The bundle: the zip a function is deployed as, parsed as hostile input.
//!
//! A bundle holds the module at `function.wasm` (or the function's handler
//! path), an optional [`MANIFEST_PATH`] manifest, and any other files, which
//! the function sees read-only. [`Bundle::parse`] enforces every rule before a
//! byte is written to disk; [`BundleStore`] then keeps the extracted files in
//! one read-only directory per [`BundleDigest`].
//!
//! ```
//! use nimbus_sandbox::{build_bundle, Bundle, BundleLimits};
//! use nimbus_sandbox::bundle::DEFAULT_HANDLER;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let wasm = wat::parse_str(r#"(module (func (export "_start")))"#)?;
//! let zip = build_bundle(&wasm, Some("timeout_s = 10"), None)?;
//! let bundle = Bundle::parse(&zip, DEFAULT_HANDLER, &BundleLimits::default())?;
//! assert_eq!(bundle.manifest().timeout_s, Some(10));
//! assert_eq!(bundle.module(), &wasm[..]);
//! # Ok(())
//! # }
//! ```

mod build;
mod digest;
mod directory;
mod error;
mod local_header;
mod module_check;
mod names;
mod read;
mod store;

use std::fmt;

use crate::limits::BundleLimits;
use crate::manifest::Manifest;

pub use build::build_bundle;
pub use digest::BundleDigest;
pub use error::BundleError;
pub use store::BundleStore;

/// Where the module is when the function names no other handler.
pub const DEFAULT_HANDLER: &str = "function.wasm";

/// Where the optional manifest is.
pub const MANIFEST_PATH: &str = "nimbus.toml";

/// A parsed and validated bundle, held in memory.
#[derive(Clone)]
pub struct Bundle {
    digest: BundleDigest,
    handler: String,
    module_index: usize,
    manifest: Manifest,
    zip_size: u64,
    unzipped_size: u64,
    files: Vec<BundleFile>,
    directories: Vec<String>,
}

/// One regular file of a bundle.
#[derive(Clone, PartialEq, Eq)]
pub struct BundleFile {
    /// Normalised path, relative, `/`-separated, without `.` or `..`.
    pub path: String,
    /// The decompressed contents.
    pub contents: Vec<u8>,
}

impl Bundle {
    /// Parses and validates a zip (hostile input).
    ///
    /// `handler` is the module's path inside the zip, usually
    /// [`DEFAULT_HANDLER`]; it must obey the same rules as entry names.
    pub fn parse(zip: &[u8], handler: &str, limits: &BundleLimits) -> Result<Bundle, BundleError> {
        read::parse(zip, handler, limits)
    }

    /// Wraps a bare module as a bundle (used by `nimbus run module.wasm`):
    /// the zip is built in memory as [`build_bundle`] does and then parsed,
    /// so the same rules apply (and the digest is that of the zip).
    pub fn from_module(wasm: &[u8]) -> Result<Bundle, BundleError> {
        let zip = build::write_zip(wasm, None, None)?;
        Bundle::parse(&zip, DEFAULT_HANDLER, &BundleLimits::default())
    }

    /// SHA-256 of the zip's bytes.
    pub fn digest(&self) -> &BundleDigest {
        &self.digest
    }

    /// The module's normalised path.
    pub fn handler(&self) -> &str {
        &self.handler
    }

    /// The module's bytes.
    pub fn module(&self) -> &[u8] {
        // `read::parse` only builds a `Bundle` with a valid index.
        self.files.get(self.module_index).map_or(&[][..], |file| file.contents.as_slice())
    }

    /// The manifest, or [`Manifest::default`] when the bundle has none.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Size of the zip, in bytes.
    pub fn zip_size(&self) -> u64 {
        self.zip_size
    }

    /// Total size of the decompressed files, in bytes.
    pub fn unzipped_size(&self) -> u64 {
        self.unzipped_size
    }

    /// Every regular file, the module and manifest included, in zip order.
    pub fn files(&self) -> &[BundleFile] {
        &self.files
    }

    /// Every directory, explicit in the zip or implied by a file's path,
    /// sorted so that a parent comes before its children.
    pub fn directories(&self) -> &[String] {
        &self.directories
    }
}

impl fmt::Debug for Bundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bundle")
            .field("digest", &self.digest)
            .field("handler", &self.handler)
            .field("manifest", &self.manifest)
            .field("zip_size", &self.zip_size)
            .field("unzipped_size", &self.unzipped_size)
            .field("files", &self.files)
            .field("directories", &self.directories)
            .finish()
    }
}

impl fmt::Debug for BundleFile {
    // Contents can be megabytes; their size is what helps when debugging.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BundleFile").field("path", &self.path).field("len", &self.contents.len()).finish()
    }
}
