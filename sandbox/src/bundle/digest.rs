//! The identity of a bundle: SHA-256 of its zip bytes.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha256};

/// SHA-256 of a bundle's zip bytes; also the name of its extracted directory.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BundleDigest([u8; 32]);

impl BundleDigest {
    /// Hashes `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// The digest written as [`BundleDigest::hex`] writes it; `None` for
    /// anything else.
    pub fn from_hex(text: &str) -> Option<Self> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).ok()?;
        Some(Self(bytes))
    }

    /// Lower-case hex, 64 characters.
    pub fn hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Lambda's `CodeSha256`: standard base64 with padding.
    pub fn code_sha256(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for BundleDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hex())
    }
}

impl fmt::Debug for BundleDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BundleDigest({})", self.hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_value_of_empty_input() {
        let digest = BundleDigest::of(b"");
        assert_eq!(digest.hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(digest.code_sha256(), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assert_eq!(digest.to_string(), digest.hex());
    }
}
