//! Reading a zip as hostile input: every cheap check on every entry first,
//! then decompression entry by entry with the byte limits counted on the
//! bytes actually produced, never on what the headers claim.

use std::io::{Cursor, ErrorKind, Read};
use std::ops::Range;

use zip::{ZipArchive, ZipReadOptions};

use super::local_header::{CentralHeader, CentralView, LocalHeader};
use super::names::{EntryName, EntryTree};
use super::{Bundle, BundleDigest, BundleError, BundleFile, MANIFEST_PATH, directory, module_check, names};
use crate::limits::BundleLimits;
use crate::manifest::{Manifest, ManifestError};

const METHOD_STORED: u16 = 0;
const METHOD_DEFLATE: u16 = 8;
/// Decompression proceeds in chunks of this size so that every limit is
/// checked long before a bomb has expanded.
const CHUNK: usize = 64 * 1024;

type Archive<'z> = ZipArchive<Cursor<&'z [u8]>>;

/// An entry that passed the cheap checks, waiting to be decompressed.
struct Planned {
    index: usize,
    raw_name: String,
    /// `None` for a directory.
    path: Option<String>,
    crc32: u32,
    compressed_size: u64,
    uncompressed_size: u64,
}

pub(super) fn parse(zip: &[u8], handler: &str, limits: &BundleLimits) -> Result<Bundle, BundleError> {
    let zip_size = zip.len() as u64;
    if zip_size > limits.max_zip_bytes {
        return Err(BundleError::ZipTooLarge { size: zip_size, limit: limits.max_zip_bytes });
    }
    let handler = names::normalise_handler(handler, limits)?;
    let too_many = |count: u64| BundleError::TooManyEntries { count, limit: limits.max_entries };
    if let Some(count) = directory::declared_entry_count(zip)
        && count > limits.max_entries as u64
    {
        return Err(too_many(count));
    }
    let mut archive = ZipArchive::new(Cursor::new(zip)).map_err(not_a_zip)?;
    if archive.len() > limits.max_entries {
        return Err(too_many(archive.len() as u64));
    }
    if archive.has_duplicate_names() {
        return Err(exact_duplicate(zip, &archive));
    }

    let (planned, tree) = plan(zip, &archive, limits)?;
    let missing_module = || BundleError::MissingModule { handler: handler.clone() };
    // Known before decompressing anything, so checked before.
    if !planned.iter().any(|entry| entry.path.as_ref() == Some(&handler)) {
        return Err(missing_module());
    }

    let mut files = Vec::new();
    let mut unzipped_size = 0;
    for entry in &planned {
        let contents = decompress(&mut archive, entry, &mut unzipped_size, limits)?;
        if let Some(path) = &entry.path {
            files.push(BundleFile { path: path.clone(), contents });
        }
    }

    let module_index = files.iter().position(|file| file.path == handler).ok_or_else(missing_module)?;
    module_check::check_module(&handler, &files[module_index].contents)?;
    let manifest = match files.iter().find(|file| file.path == MANIFEST_PATH) {
        Some(file) => Manifest::parse(
            std::str::from_utf8(&file.contents).map_err(|_| ManifestError::Syntax("not UTF-8".into()))?,
        )?,
        None => Manifest::default(),
    };

    Ok(Bundle {
        digest: BundleDigest::of(zip),
        handler,
        module_index,
        manifest,
        zip_size,
        unzipped_size,
        files,
        directories: tree.directories(),
    })
}

/// The zip crate keeps one entry per exact name, so the second of two
/// identical names is found in the raw central directory.
fn exact_duplicate(zip: &[u8], archive: &Archive<'_>) -> BundleError {
    // With one name fewer than headers, a repeat is among the first len + 1.
    let count = archive.len().saturating_add(1);
    let raw = directory::first_repeated_name(zip, archive.central_directory_start(), count).unwrap_or_default();
    let name = String::from_utf8_lossy(&raw).into_owned();
    BundleError::DuplicateEntry { entry: name.clone(), other: name }
}

/// Every check that needs no decompression, on every entry.
fn plan(zip: &[u8], archive: &Archive<'_>, limits: &BundleLimits) -> Result<(Vec<Planned>, EntryTree), BundleError> {
    let located = locate_entries(zip, archive)?;
    if let Some((entry, other)) = first_overlap(&located) {
        let name = |index| {
            archive
                .by_index_data(index)
                .map(|entry| String::from_utf8_lossy(entry.name_raw()).into_owned())
                .unwrap_or_default()
        };
        return Err(BundleError::OverlappingEntries { entry: name(entry), other: name(other) });
    }
    let mut tree = EntryTree::default();
    let mut planned = Vec::with_capacity(located.len());
    for (index, (local, _)) in located.into_iter().enumerate() {
        let entry = archive.by_index_data(index).map_err(not_a_zip)?;
        names::check_length(entry.name_raw(), limits)?;
        let raw_name = std::str::from_utf8(entry.name_raw())
            .map_err(|_| BundleError::NonUtf8Name { escaped: entry.name_raw().escape_ascii().to_string() })?
            .to_owned();
        let name = names::normalise(&raw_name)?;
        let entry_error = |make: fn(String) -> BundleError| make(raw_name.clone());

        let header = CentralHeader::parse(zip, entry.central_header_start()).ok_or_else(|| BundleError::NotAZip {
            reason: format!("no central header for entry '{}'", raw_name.escape_debug()),
        })?;
        if header.is_encrypted() || local.is_encrypted() {
            return Err(entry_error(|entry| BundleError::Encrypted { entry }));
        }
        if header.is_symlink() {
            return Err(entry_error(|entry| BundleError::Symlink { entry }));
        }
        let view = CentralView {
            header,
            name: entry.name_raw(),
            compressed_size: entry.compressed_size(),
            uncompressed_size: entry.size(),
        };
        if let Some(field) = local.mismatch(&view) {
            return Err(BundleError::LocalHeaderMismatch { entry: raw_name, field });
        }
        if header.method != METHOD_STORED && header.method != METHOD_DEFLATE {
            return Err(BundleError::UnsupportedCompression { entry: raw_name, method: header.method });
        }
        tree.add(&name, &raw_name)?;
        planned.push(Planned {
            index,
            path: match name {
                EntryName::File(path) => Some(path),
                EntryName::Directory(_) | EntryName::Root => None,
            },
            raw_name,
            crc32: header.crc32,
            compressed_size: entry.compressed_size(),
            uncompressed_size: entry.size(),
        });
    }
    Ok((planned, tree))
}

/// Each entry's local header and the bytes it spans, from the header's
/// start to the end of its compressed data, all before the central
/// directory.
fn locate_entries<'z>(zip: &'z [u8], archive: &Archive<'_>) -> Result<Vec<(LocalHeader<'z>, Range<u64>)>, BundleError> {
    let data_end = archive.central_directory_start().min(zip.len() as u64);
    (0..archive.len())
        .map(|index| {
            let entry = archive.by_index_data(index).map_err(not_a_zip)?;
            let raw_name = || String::from_utf8_lossy(entry.name_raw()).into_owned();
            let local = LocalHeader::parse(zip, entry.header_start())
                .map_err(|field| BundleError::LocalHeaderMismatch { entry: raw_name(), field })?;
            match local.data_start.checked_add(entry.compressed_size()) {
                Some(end) if end <= data_end => Ok((local, entry.header_start()..end)),
                _ => Err(BundleError::EntryOutsideFile { entry: raw_name() }),
            }
        })
        .collect()
}

/// Two entries sharing bytes let a small zip expand many times over (the
/// overlapping-file zip bomb); after sorting by start, any overlap shows
/// between neighbours. Returns the later entry's index, then the earlier's.
fn first_overlap(located: &[(LocalHeader<'_>, Range<u64>)]) -> Option<(usize, usize)> {
    let mut by_start: Vec<(usize, &Range<u64>)> = located.iter().map(|(_, span)| span).enumerate().collect();
    by_start.sort_by_key(|(_, span)| span.start);
    by_start.windows(2).find_map(|pair| match pair {
        [(first, first_span), (second, second_span)] if second_span.start < first_span.end => Some((*second, *first)),
        _ => None,
    })
}

fn not_a_zip(err: zip::result::ZipError) -> BundleError {
    BundleError::NotAZip { reason: err.to_string() }
}

fn decompress(
    archive: &mut Archive<'_>,
    entry: &Planned,
    unzipped_size: &mut u64,
    limits: &BundleLimits,
) -> Result<Vec<u8>, BundleError> {
    let corrupt = |reason: String| BundleError::CorruptData { entry: entry.raw_name.clone(), reason };
    // The CRC is checked below so that a mismatch has its own error rather
    // than an I/O error with a message to match on.
    let options = ZipReadOptions::new().ignore_crc32(true);
    let mut reader = archive.by_index_with_options(entry.index, options).map_err(|err| corrupt(err.to_string()))?;
    let ratio_floor = limits.ratio_applies_above_bytes;
    let ratio_ceiling = entry.compressed_size.saturating_mul(limits.max_compression_ratio);
    let mut contents = Vec::new();
    let mut hasher = crc32fast::Hasher::new();
    let mut chunk = vec![0; CHUNK];
    loop {
        let read = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => read,
            Err(err) if err.kind() == ErrorKind::Interrupted => continue,
            Err(err) => return Err(corrupt(err.to_string())),
        };
        let produced = contents.len() as u64 + read as u64;
        *unzipped_size += read as u64;
        if *unzipped_size > limits.max_unzipped_bytes {
            return Err(BundleError::UnzippedTooLarge {
                entry: entry.raw_name.clone(),
                limit: limits.max_unzipped_bytes,
            });
        }
        if produced > ratio_floor && produced > ratio_ceiling {
            return Err(BundleError::CompressionRatio {
                entry: entry.raw_name.clone(),
                compressed: entry.compressed_size,
                decompressed: produced,
                limit: limits.max_compression_ratio,
            });
        }
        if entry.path.is_none() {
            return Err(corrupt("a directory entry holds data".into()));
        }
        hasher.update(&chunk[..read]);
        contents.extend_from_slice(&chunk[..read]);
    }
    if contents.len() as u64 != entry.uncompressed_size {
        return Err(corrupt(format!(
            "decompresses to {} bytes, the header says {}",
            contents.len(),
            entry.uncompressed_size
        )));
    }
    let actual = hasher.finalize();
    if actual != entry.crc32 {
        return Err(BundleError::CrcMismatch { entry: entry.raw_name.clone(), expected: entry.crc32, actual });
    }
    Ok(contents)
}
