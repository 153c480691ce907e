//! Writing a bundle: what `nimbus build` and `nimbus run module.wasm` do.

use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::{Bundle, BundleError, DEFAULT_HANDLER, MANIFEST_PATH};
use crate::limits::BundleLimits;

/// Builds a bundle zip: the module at [`DEFAULT_HANDLER`], the manifest (if
/// given) at [`MANIFEST_PATH`], and every regular file under `include`, at
/// its path relative to `include`.
///
/// The zip is then parsed with [`Bundle::parse`] and default limits, so a
/// zip returned here is one the platform accepts. Symbolic links under
/// `include` are refused, and so is an included file at the module's path,
/// or at the manifest's when `manifest` is given. Entries carry a fixed
/// timestamp, so the same inputs give the same digest.
pub fn build_bundle(module: &[u8], manifest: Option<&str>, include: Option<&Path>) -> Result<Vec<u8>, BundleError> {
    let zip = write_zip(module, manifest, include)?;
    Bundle::parse(&zip, DEFAULT_HANDLER, &BundleLimits::default())?;
    Ok(zip)
}

/// The zip of [`build_bundle`], not yet parsed.
pub(super) fn write_zip(module: &[u8], manifest: Option<&str>, include: Option<&Path>) -> Result<Vec<u8>, BundleError> {
    let mut writer = BundleWriter::new();
    writer.file(DEFAULT_HANDLER, module)?;
    if let Some(manifest) = manifest {
        writer.file(MANIFEST_PATH, manifest.as_bytes())?;
    }
    if let Some(root) = include {
        let reserved: &[&'static str] = match manifest {
            Some(_) => &[DEFAULT_HANDLER, MANIFEST_PATH],
            None => &[DEFAULT_HANDLER],
        };
        include_tree(&mut writer, root, reserved)?;
    }
    writer.finish()
}

/// Adds every file under `root`, walking directories in name order so that
/// the zip (and its digest) depends only on the tree's contents.
fn include_tree(writer: &mut BundleWriter, root: &Path, reserved: &[&'static str]) -> Result<(), BundleError> {
    if !fs::metadata(root)?.is_dir() {
        return Err(BundleError::IncludeUnsupported { path: root.to_owned(), reason: "not a directory" });
    }
    let mut pending: Vec<(PathBuf, String)> = vec![(root.to_owned(), String::new())];
    while let Some((dir, prefix)) = pending.pop() {
        let mut children =
            fs::read_dir(&dir)?.map(|child| child.map(|child| child.path())).collect::<Result<Vec<_>, _>>()?;
        children.sort();
        // Reversed onto the stack so that subdirectories come out in order.
        for path in children.into_iter().rev() {
            let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
                return Err(BundleError::IncludeUnsupported { path, reason: "name is not UTF-8" });
            };
            let zip_path = format!("{prefix}{name}");
            let file_type = fs::symlink_metadata(&path)?.file_type();
            if file_type.is_symlink() {
                return Err(BundleError::IncludeSymlink { path });
            } else if file_type.is_dir() {
                writer.directory(&format!("{zip_path}/"))?;
                pending.push((path, format!("{zip_path}/")));
            } else if !file_type.is_file() {
                return Err(BundleError::IncludeUnsupported { path, reason: "not a regular file" });
            } else if let Some(with) = reserved.iter().find(|reserved| **reserved == zip_path) {
                return Err(BundleError::IncludeCollision { path, with });
            } else {
                writer.file(&zip_path, &fs::read(&path)?)?;
            }
        }
    }
    Ok(())
}

struct BundleWriter {
    zip: ZipWriter<Cursor<Vec<u8>>>,
    file_options: SimpleFileOptions,
    dir_options: SimpleFileOptions,
}

impl BundleWriter {
    fn new() -> Self {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(DateTime::default());
        Self {
            zip: ZipWriter::new(Cursor::new(Vec::new())),
            file_options: options.unix_permissions(0o644),
            dir_options: options.unix_permissions(0o755),
        }
    }

    fn file(&mut self, path: &str, contents: &[u8]) -> Result<(), BundleError> {
        self.zip.start_file(path, self.file_options).map_err(zip_error)?;
        self.zip.write_all(contents)?;
        Ok(())
    }

    fn directory(&mut self, path: &str) -> Result<(), BundleError> {
        self.zip.add_directory(path, self.dir_options).map_err(zip_error)
    }

    fn finish(self) -> Result<Vec<u8>, BundleError> {
        Ok(self.zip.finish().map_err(zip_error)?.into_inner())
    }
}

/// Writing to memory fails only on what the zip writer refuses; its
/// message says what.
fn zip_error(err: zip::result::ZipError) -> BundleError {
    BundleError::Io(err.into())
}
