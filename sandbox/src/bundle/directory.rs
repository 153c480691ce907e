//! The raw central directory, for the two things the zip crate cannot tell
//! us: how many entries the zip declares before it allocates them all, and
//! which name is listed twice (it keeps one entry per name).

use std::collections::HashSet;

const END_SIGNATURE: u32 = 0x0605_4b50;
const END_FIXED_LEN: usize = 22;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
const ZIP64_LOCATOR_LEN: usize = 20;
const ZIP64_END_SIGNATURE: u32 = 0x0606_4b50;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const CENTRAL_FIXED_LEN: usize = 46;
/// The end record's comment is at most this long, so the record starts
/// within this many bytes (plus its own length) of the end.
const MAX_COMMENT_LEN: usize = u16::MAX as usize;

/// The entry count of the last end-of-central-directory record (zip64 if
/// the record defers to it), or `None` if none is found.
///
/// This lets a zip that declares a million entries be refused before the
/// zip crate reads a million headers. It is an early check only: the count
/// of entries actually read is checked again afterwards.
pub(super) fn declared_entry_count(zip: &[u8]) -> Option<u64> {
    let end = find_end_record(zip)?;
    let count = u64::from(le16(zip, end + 10)?);
    if count != u64::from(u16::MAX) {
        return Some(count);
    }
    let locator = end.checked_sub(ZIP64_LOCATOR_LEN)?;
    if le32(zip, locator)? != ZIP64_LOCATOR_SIGNATURE {
        return Some(count);
    }
    let zip64_end = usize::try_from(le64(zip, locator + 8)?).ok()?;
    if le32(zip, zip64_end)? != ZIP64_END_SIGNATURE {
        return Some(count);
    }
    le64(zip, zip64_end + 32)
}

fn find_end_record(zip: &[u8]) -> Option<usize> {
    let last = zip.len().checked_sub(END_FIXED_LEN)?;
    let first = last.saturating_sub(MAX_COMMENT_LEN);
    (first..=last).rev().find(|&at| le32(zip, at) == Some(END_SIGNATURE))
}

/// The first name listed twice in the central directory that starts at
/// `start`, reading at most `count` headers.
pub(super) fn first_repeated_name(zip: &[u8], start: u64, count: usize) -> Option<Vec<u8>> {
    let mut at = usize::try_from(start).ok()?;
    let mut seen = HashSet::new();
    for _ in 0..count {
        if le32(zip, at)? != CENTRAL_SIGNATURE {
            return None;
        }
        let name_len = usize::from(le16(zip, at + 28)?);
        let extra_len = usize::from(le16(zip, at + 30)?);
        let comment_len = usize::from(le16(zip, at + 32)?);
        let name_start = at + CENTRAL_FIXED_LEN;
        let name = zip.get(name_start..name_start + name_len)?;
        if !seen.insert(name) {
            return Some(name.to_vec());
        }
        at = name_start + name_len + extra_len + comment_len;
    }
    None
}

fn le16(zip: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(zip.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

fn le32(zip: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(zip.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn le64(zip: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(zip.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end_record(count: u16, comment: &[u8]) -> Vec<u8> {
        let mut bytes = END_SIGNATURE.to_le_bytes().to_vec();
        bytes.extend_from_slice(&[0; 4]);
        bytes.extend_from_slice(&count.to_le_bytes());
        bytes.extend_from_slice(&count.to_le_bytes());
        bytes.extend_from_slice(&[0; 8]);
        bytes.extend_from_slice(&(comment.len() as u16).to_le_bytes());
        bytes.extend_from_slice(comment);
        bytes
    }

    #[test]
    fn count_from_end_record() {
        assert_eq!(declared_entry_count(&end_record(7, b"")), Some(7));
        assert_eq!(declared_entry_count(&end_record(9, b"a comment")), Some(9));
        assert_eq!(declared_entry_count(b"PK\x05\x06"), None);
    }
}
