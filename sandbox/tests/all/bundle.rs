//! The bundle format: one test per rule a hostile zip can break, and the
//! round trips a well-formed bundle goes through.

use std::io::{Cursor, Write};
use std::path::Path;

use nimbus_sandbox::bundle::{BundleFile, DEFAULT_HANDLER, MANIFEST_PATH};
use nimbus_sandbox::manifest::ManifestError;
use nimbus_sandbox::{Bundle, BundleDigest, BundleError, BundleLimits, BundleStore, build_bundle};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const COMMAND: &str = r#"(module
    (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
    (memory (export "memory") 1)
    (func (export "_start")))"#;

const MIB: usize = 1024 * 1024;

fn module() -> Vec<u8> {
    wat::parse_str(COMMAND).unwrap()
}

type Writer = ZipWriter<Cursor<Vec<u8>>>;

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated)
}

/// A zip of `entries`, deflated; a name ending in `/` is a directory.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with(|zip| {
        for (name, contents) in entries {
            if name.ends_with('/') {
                zip.add_directory(*name, deflated()).unwrap();
            } else {
                zip.start_file(*name, deflated()).unwrap();
                zip.write_all(contents).unwrap();
            }
        }
    })
}

fn zip_with(build: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    build(&mut zip);
    zip.finish().unwrap().into_inner()
}

/// A valid bundle plus `extra` entries.
fn bundle_zip(extra: &[(&str, &[u8])]) -> Vec<u8> {
    let module = module();
    let mut entries: Vec<(&str, &[u8])> = vec![(DEFAULT_HANDLER, &module)];
    entries.extend_from_slice(extra);
    zip_of(&entries)
}

fn parse(zip: &[u8]) -> Result<Bundle, BundleError> {
    Bundle::parse(zip, DEFAULT_HANDLER, &BundleLimits::default())
}

/// Replaces every occurrence of `from` (local and central headers alike).
fn patch_all(zip: &mut [u8], from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut found = false;
    for at in 0..=zip.len() - from.len() {
        if &zip[at..at + from.len()] == from {
            zip[at..at + to.len()].copy_from_slice(to);
            found = true;
        }
    }
    assert!(found, "{} not in zip", from.escape_ascii());
}

fn le16(zip: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes([zip[at], zip[at + 1]]))
}

/// Offset of the central directory header of `name`.
fn central_header(zip: &[u8], name: &str) -> usize {
    (0..zip.len() - 46)
        .find(|&at| {
            zip[at..].starts_with(b"PK\x01\x02")
                && le16(zip, at + 28) == name.len()
                && zip[at + 46..].starts_with(name.as_bytes())
        })
        .unwrap_or_else(|| panic!("no central header for {name}"))
}

/// Offset of the local header of `name`, as the central directory says.
fn local_header(zip: &[u8], name: &str) -> usize {
    let central = central_header(zip, name);
    u32::from_le_bytes(zip[central + 42..central + 46].try_into().unwrap()) as usize
}

fn data_start(zip: &[u8], name: &str) -> usize {
    let local = local_header(zip, name);
    local + 30 + le16(zip, local + 26) + le16(zip, local + 28)
}

mod accepted;
mod limits;
mod module;
mod names;
mod structure;
