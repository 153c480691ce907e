//! Raw header records, read from the zip's bytes ourselves.
//!
//! The zip crate reads the central directory and trusts it; extractors that
//! stream a zip read the local headers instead. A zip whose two views differ
//! shows different files to different tools, so every field that decides
//! what an entry is gets compared here. The zip crate does not expose these
//! raw fields (method numbers, flags), hence the hand-written parsing.

const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const LOCAL_FIXED_LEN: usize = 30;
const CENTRAL_FIXED_LEN: usize = 46;
const ZIP64_EXTRA_ID: u16 = 0x0001;
/// A 32-bit size of all ones defers to the zip64 extra field.
const ZIP64_MARKER: u32 = u32::MAX;

/// Bit 0: traditional PKWARE encryption.
const FLAG_ENCRYPTED: u16 = 1 << 0;
/// Bit 3: CRC and sizes follow the data, so the local header holds zeros.
pub(super) const FLAG_DATA_DESCRIPTOR: u16 = 1 << 3;
/// Bit 6: strong encryption.
const FLAG_STRONG_ENCRYPTION: u16 = 1 << 6;
/// Bit 13: the local header's fields are masked (central directory encryption).
const FLAG_MASKED_HEADER: u16 = 1 << 13;
/// WinZip AES marks encrypted entries with this method number.
const METHOD_AES: u16 = 99;

const S_IFMT: u32 = 0o170_000;
const S_IFLNK: u32 = 0o120_000;

/// The fields of a central directory header that the zip crate does not
/// expose raw.
#[derive(Debug, Clone, Copy)]
pub(super) struct CentralHeader {
    pub(super) flags: u16,
    pub(super) method: u16,
    pub(super) crc32: u32,
    external_attributes: u32,
}

impl CentralHeader {
    /// Reads the header at `offset`, or `None` if no header is there.
    pub(super) fn parse(zip: &[u8], offset: u64) -> Option<Self> {
        let fixed = fixed_record(zip, offset, CENTRAL_FIXED_LEN)?;
        if le32(fixed, 0) != CENTRAL_SIGNATURE {
            return None;
        }
        Some(Self {
            flags: le16(fixed, 8),
            method: le16(fixed, 10),
            crc32: le32(fixed, 16),
            external_attributes: le32(fixed, 38),
        })
    }

    pub(super) fn is_encrypted(&self) -> bool {
        is_encrypted(self.flags, self.method)
    }

    /// The unix mode lives in the high half of the external attributes,
    /// whichever system the zip claims to come from: extractors honour it.
    pub(super) fn is_symlink(&self) -> bool {
        (self.external_attributes >> 16) & S_IFMT == S_IFLNK
    }
}

/// A local file header.
#[derive(Debug, Clone)]
pub(super) struct LocalHeader<'a> {
    flags: u16,
    method: u16,
    crc32: u32,
    compressed_size: u64,
    uncompressed_size: u64,
    name: &'a [u8],
    /// Offset of the first byte after the header: where the data starts.
    pub(super) data_start: u64,
}

/// The entry as the central directory (and the zip crate) describes it,
/// with zip64 sizes already resolved.
#[derive(Debug, Clone, Copy)]
pub(super) struct CentralView<'a> {
    pub(super) header: CentralHeader,
    pub(super) name: &'a [u8],
    pub(super) compressed_size: u64,
    pub(super) uncompressed_size: u64,
}

impl<'a> LocalHeader<'a> {
    /// Reads the header at `offset`. `Err` names the field that is wrong
    /// when the bytes there are not a complete local header.
    pub(super) fn parse(zip: &'a [u8], offset: u64) -> Result<Self, &'static str> {
        let fixed = fixed_record(zip, offset, LOCAL_FIXED_LEN).ok_or("signature")?;
        if le32(fixed, 0) != LOCAL_SIGNATURE {
            return Err("signature");
        }
        let name_len = usize::from(le16(fixed, 26));
        let extra_len = usize::from(le16(fixed, 28));
        let name_start = usize::try_from(offset).map_err(|_| "signature")? + LOCAL_FIXED_LEN;
        let name = zip.get(name_start..name_start + name_len).ok_or("file name")?;
        let extra_start = name_start + name_len;
        let extra = zip.get(extra_start..extra_start + extra_len).ok_or("extra field")?;
        let mut header = Self {
            flags: le16(fixed, 6),
            method: le16(fixed, 8),
            crc32: le32(fixed, 14),
            compressed_size: u64::from(le32(fixed, 18)),
            uncompressed_size: u64::from(le32(fixed, 22)),
            name,
            data_start: (extra_start + extra_len) as u64,
        };
        header.resolve_zip64(le32(fixed, 22), le32(fixed, 18), extra)?;
        Ok(header)
    }

    /// In the zip64 extra field the uncompressed size comes first, then the
    /// compressed size, each present only when its 32-bit field is all ones.
    fn resolve_zip64(&mut self, size32: u32, csize32: u32, extra: &[u8]) -> Result<(), &'static str> {
        if size32 != ZIP64_MARKER && csize32 != ZIP64_MARKER {
            return Ok(());
        }
        let field = extra_field(extra, ZIP64_EXTRA_ID).ok_or("zip64 sizes")?;
        let mut values = field.chunks_exact(8).map(|chunk| u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        if size32 == ZIP64_MARKER {
            self.uncompressed_size = values.next().ok_or("zip64 sizes")?;
        }
        if csize32 == ZIP64_MARKER {
            self.compressed_size = values.next().ok_or("zip64 sizes")?;
        }
        Ok(())
    }

    pub(super) fn is_encrypted(&self) -> bool {
        is_encrypted(self.flags, self.method)
    }

    /// The first field on which this header and the central directory
    /// disagree, if any.
    pub(super) fn mismatch(&self, central: &CentralView<'_>) -> Option<&'static str> {
        if self.name != central.name {
            return Some("file name");
        }
        if self.method != central.header.method {
            return Some("compression method");
        }
        let descriptor = self.flags & FLAG_DATA_DESCRIPTOR;
        if descriptor != central.header.flags & FLAG_DATA_DESCRIPTOR {
            return Some("data descriptor flag");
        }
        if descriptor != 0 {
            // The CRC and sizes follow the data; the central directory's are
            // the ones used to read it.
            return None;
        }
        if self.crc32 != central.header.crc32 {
            return Some("CRC-32");
        }
        if self.compressed_size != central.compressed_size {
            return Some("compressed size");
        }
        if self.uncompressed_size != central.uncompressed_size {
            return Some("uncompressed size");
        }
        None
    }
}

fn is_encrypted(flags: u16, method: u16) -> bool {
    flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADER) != 0 || method == METHOD_AES
}

/// The `len` bytes at `offset`, if they are all inside `zip`.
fn fixed_record(zip: &[u8], offset: u64, len: usize) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    zip.get(start..start.checked_add(len)?)
}

/// The data of the first extra field with this id.
fn extra_field(mut extra: &[u8], id: u16) -> Option<&[u8]> {
    while extra.len() >= 4 {
        let field_id = le16(extra, 0);
        let len = usize::from(le16(extra, 2));
        let data = extra.get(4..4 + len)?;
        if field_id == id {
            return Some(data);
        }
        extra = &extra[4 + len..];
    }
    None
}

/// Callers have checked that `bytes` holds the field.
fn le16(bytes: &[u8], at: usize) -> u16 {
    bytes.get(at..at + 2).map_or(0, |b| u16::from_le_bytes([b[0], b[1]]))
}

fn le32(bytes: &[u8], at: usize) -> u32 {
    bytes.get(at..at + 4).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(name: &[u8], flags: u16, sizes: (u32, u32)) -> Vec<u8> {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&LOCAL_SIGNATURE.to_le_bytes());
        bytes.extend_from_slice(&20u16.to_le_bytes());
        bytes.extend_from_slice(&flags.to_le_bytes());
        bytes.extend_from_slice(&8u16.to_le_bytes());
        bytes.extend_from_slice(&[0; 4]);
        bytes.extend_from_slice(&0xdead_beefu32.to_le_bytes());
        bytes.extend_from_slice(&sizes.0.to_le_bytes());
        bytes.extend_from_slice(&sizes.1.to_le_bytes());
        bytes.extend_from_slice(&(name.len() as u16).to_le_bytes());
        bytes.extend_from_slice(&0u16.to_le_bytes());
        bytes.extend_from_slice(name);
        bytes
    }

    fn central(flags: u16) -> CentralHeader {
        CentralHeader { flags, method: 8, crc32: 0xdead_beef, external_attributes: 0 }
    }

    #[test]
    fn matching_header() {
        let bytes = local(b"a", 0, (3, 5));
        let header = LocalHeader::parse(&bytes, 0).unwrap();
        assert_eq!(header.data_start, 31);
        let view = CentralView { header: central(0), name: b"a", compressed_size: 3, uncompressed_size: 5 };
        assert_eq!(header.mismatch(&view), None);
        let view = CentralView { uncompressed_size: 6, ..view };
        assert_eq!(header.mismatch(&view), Some("uncompressed size"));
    }

    #[test]
    fn data_descriptor_skips_sizes() {
        let bytes = local(b"a", FLAG_DATA_DESCRIPTOR, (0, 0));
        let header = LocalHeader::parse(&bytes, 0).unwrap();
        let view =
            CentralView { header: central(FLAG_DATA_DESCRIPTOR), name: b"a", compressed_size: 3, uncompressed_size: 5 };
        assert_eq!(header.mismatch(&view), None);
    }

    #[test]
    fn truncated_or_missing_header() {
        let bytes = local(b"abc", 0, (0, 0));
        assert_eq!(LocalHeader::parse(&bytes[..31], 0).unwrap_err(), "file name");
        assert_eq!(LocalHeader::parse(&bytes, 1).unwrap_err(), "signature");
        assert_eq!(LocalHeader::parse(&bytes, u64::MAX).unwrap_err(), "signature");
    }
}
