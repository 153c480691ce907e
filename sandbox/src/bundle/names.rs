//! Entry names: the rules a name must obey, its normal form, and the tree
//! of normalised paths that catches duplicates.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use super::BundleError;
use crate::limits::BundleLimits;

/// Refuses a name (raw bytes, before any other check, so that no message
/// repeats a huge name) longer than the limits allow, as a whole or in one
/// part between slashes: the extracted path must fit the filesystem.
pub(super) fn check_length(raw: &[u8], limits: &BundleLimits) -> Result<(), BundleError> {
    let entry = || String::from_utf8_lossy(raw).into_owned();
    if raw.len() > limits.max_entry_name_bytes {
        return Err(BundleError::NameTooLong { entry: entry(), bytes: raw.len(), limit: limits.max_entry_name_bytes });
    }
    let longest = raw.split(|b| *b == b'/').map(<[u8]>::len).max().unwrap_or(0);
    if longest > limits.max_entry_component_bytes {
        return Err(BundleError::NameComponentTooLong {
            entry: entry(),
            bytes: longest,
            limit: limits.max_entry_component_bytes,
        });
    }
    Ok(())
}

/// A name that passed the rules, in normal form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum EntryName {
    /// A regular file at this path.
    File(String),
    /// A directory at this path.
    Directory(String),
    /// `./` or the like: the root, which needs no entry.
    Root,
}

/// Checks `name` against the rules and normalises it: `./` prefixes and
/// `.` components are dropped, `//` collapses, and a trailing `/` marks a
/// directory.
pub(super) fn normalise(name: &str) -> Result<EntryName, BundleError> {
    let entry = || name.to_owned();
    if name.contains('\0') {
        return Err(BundleError::NulInName { entry: entry() });
    }
    if name.contains('\\') {
        return Err(BundleError::Backslash { entry: entry() });
    }
    if name.starts_with('/') || has_drive_prefix(name) {
        return Err(BundleError::AbsolutePath { entry: entry() });
    }
    let mut parts = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(BundleError::ParentComponent { entry: entry() }),
            part => parts.push(part),
        }
    }
    let path = parts.join("/");
    Ok(match (name.ends_with('/'), path.is_empty()) {
        (true, true) => EntryName::Root,
        (true, false) => EntryName::Directory(path),
        (false, true) => return Err(BundleError::EmptyName { entry: entry() }),
        (false, false) => EntryName::File(path),
    })
}

/// `C:` at the start is absolute to Windows tools, which may later unpack
/// the same zip; refusing it costs a Linux user nothing.
fn has_drive_prefix(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// Normalises the handler with the rules for entry names; it must name a file.
pub(super) fn normalise_handler(handler: &str, limits: &BundleLimits) -> Result<String, BundleError> {
    check_length(handler.as_bytes(), limits)?;
    match normalise(handler)? {
        EntryName::File(path) => Ok(path),
        EntryName::Directory(path) => Err(BundleError::MissingModule { handler: path }),
        EntryName::Root => Err(BundleError::EmptyName { entry: handler.to_owned() }),
    }
}

#[derive(Debug)]
enum Node {
    File,
    /// `explicit` once an entry has named the directory itself, not only a
    /// path inside it: naming it twice is a duplicate, implying it is not.
    Directory {
        explicit: bool,
    },
}

/// The normalised paths seen so far, with the raw name that introduced each.
#[derive(Debug, Default)]
pub(super) struct EntryTree {
    nodes: BTreeMap<String, (Node, String)>,
}

impl EntryTree {
    /// Adds an entry, refusing it if its path (or a parent of it) is taken.
    pub(super) fn add(&mut self, name: &EntryName, raw: &str) -> Result<(), BundleError> {
        let (path, is_dir) = match name {
            EntryName::File(path) => (path, false),
            EntryName::Directory(path) => (path, true),
            EntryName::Root => return Ok(()),
        };
        self.add_parents(path, raw)?;
        let collision = |other: &str| BundleError::DuplicateEntry { entry: raw.to_owned(), other: other.to_owned() };
        match self.nodes.entry(path.clone()) {
            Entry::Vacant(slot) => {
                let node = if is_dir { Node::Directory { explicit: true } } else { Node::File };
                slot.insert((node, raw.to_owned()));
            }
            Entry::Occupied(mut slot) => match (&mut slot.get_mut().0, is_dir) {
                (Node::Directory { explicit }, true) if !*explicit => *explicit = true,
                _ => return Err(collision(&slot.get().1)),
            },
        }
        Ok(())
    }

    fn add_parents(&mut self, path: &str, raw: &str) -> Result<(), BundleError> {
        let parents = path.match_indices('/').map(|(at, _)| &path[..at]);
        for parent in parents {
            match self.nodes.get(parent) {
                Some((Node::File, other)) => {
                    return Err(BundleError::DuplicateEntry { entry: raw.to_owned(), other: other.clone() });
                }
                Some((Node::Directory { .. }, _)) => {}
                None => {
                    let node = Node::Directory { explicit: false };
                    self.nodes.insert(parent.to_owned(), (node, raw.to_owned()));
                }
            }
        }
        Ok(())
    }

    /// Every directory, explicit or implied, parents first.
    pub(super) fn directories(&self) -> Vec<String> {
        // A BTreeMap iterates in byte order, where a path's prefix sorts
        // before the path, so parents come first.
        self.nodes
            .iter()
            .filter(|(_, (node, _))| matches!(node, Node::Directory { .. }))
            .map(|(path, _)| path.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> EntryName {
        EntryName::File(path.to_owned())
    }

    #[test]
    fn normal_forms() {
        assert_eq!(normalise("./a//b/./c").unwrap(), file("a/b/c"));
        assert_eq!(normalise("a/b/").unwrap(), EntryName::Directory("a/b".into()));
        assert_eq!(normalise("./").unwrap(), EntryName::Root);
        assert!(matches!(normalise("."), Err(BundleError::EmptyName { .. })));
    }

    #[test]
    fn rules() {
        assert!(matches!(normalise("/etc/passwd"), Err(BundleError::AbsolutePath { .. })));
        assert!(matches!(normalise("C:/x"), Err(BundleError::AbsolutePath { .. })));
        assert!(matches!(normalise("a/../b"), Err(BundleError::ParentComponent { .. })));
        assert!(matches!(normalise("a\\b"), Err(BundleError::Backslash { .. })));
        assert!(matches!(normalise("a\0b"), Err(BundleError::NulInName { .. })));
        assert!(normalise("a..b/..c").is_ok());
    }

    #[test]
    fn lengths() {
        let limits = BundleLimits { max_entry_name_bytes: 8, max_entry_component_bytes: 3, ..BundleLimits::default() };
        assert!(check_length(b"abc/def/", &limits).is_ok());
        assert!(matches!(
            check_length(b"abcdefghi", &limits),
            Err(BundleError::NameTooLong { bytes: 9, limit: 8, .. })
        ));
        assert!(matches!(
            check_length(b"ab/cdef", &limits),
            Err(BundleError::NameComponentTooLong { bytes: 4, limit: 3, .. })
        ));
        let long = BundleError::NameTooLong { entry: "x".repeat(10_000), bytes: 10_000, limit: 8 };
        assert!(long.to_string().len() < 400, "{long}");
    }

    #[test]
    fn collisions() {
        let mut tree = EntryTree::default();
        tree.add(&file("a/b"), "a/b").unwrap();
        tree.add(&EntryName::Directory("a".into()), "a/").unwrap();
        assert!(tree.add(&EntryName::Directory("a".into()), "./a/").is_err());
        assert!(tree.add(&file("a"), "a").is_err());
        assert!(tree.add(&file("a/b/c"), "a/b/c").is_err());
        tree.add(&file("c"), "c").unwrap();
        assert!(tree.add(&file("c"), "./c").is_err());
        assert_eq!(tree.directories(), ["a"]);
    }
}
