//! The zip's structure: local headers, overlaps, encryption, corrupt data.

use super::*;

#[test]
fn local_header_disagrees_with_central_directory() {
    let mut zip = bundle_zip(&[("hello.txt", b"hello")]);
    let local = local_header(&zip, "hello.txt");
    zip[local + 30] = b'j';
    let err = parse(&zip).unwrap_err();
    assert!(
        matches!(&err, BundleError::LocalHeaderMismatch { entry, field: "file name" } if entry == "hello.txt"),
        "{err}"
    );
}

#[test]
fn local_header_with_other_size() {
    let mut zip = bundle_zip(&[("hello.txt", b"hello")]);
    let local = local_header(&zip, "hello.txt");
    zip[local + 22] ^= 1;
    let err = parse(&zip).unwrap_err();
    assert!(matches!(err, BundleError::LocalHeaderMismatch { field: "uncompressed size", .. }), "{err}");
}

#[test]
fn overlapping_entries() {
    let mut zip = bundle_zip(&[("x.txt", b"same"), ("y.txt", b"same")]);
    let x = local_header(&zip, "x.txt");
    let y = central_header(&zip, "y.txt");
    zip[y + 42..y + 46].copy_from_slice(&(x as u32).to_le_bytes());
    let err = parse(&zip).unwrap_err();
    assert!(matches!(err, BundleError::OverlappingEntries { .. }), "{err}");
}

#[test]
fn entry_outside_the_file() {
    let mut zip = bundle_zip(&[("x.txt", b"data")]);
    let x = central_header(&zip, "x.txt");
    zip[x + 20..x + 24].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let err = parse(&zip).unwrap_err();
    assert!(matches!(&err, BundleError::EntryOutsideFile { entry } if entry == "x.txt"), "{err}");

    // A header offset past the end has no local header to read.
    let mut zip = bundle_zip(&[("x.txt", b"data")]);
    zip[x + 42..x + 46].copy_from_slice(&u32::MAX.to_le_bytes());
    let err = parse(&zip).unwrap_err();
    assert!(matches!(err, BundleError::LocalHeaderMismatch { field: "signature", .. }), "{err}");
}

#[test]
fn encrypted_entry() {
    let mut zip = bundle_zip(&[("secret.txt", b"hidden")]);
    let local = local_header(&zip, "secret.txt");
    let central = central_header(&zip, "secret.txt");
    zip[local + 6] |= 1;
    zip[central + 8] |= 1;
    let err = parse(&zip).unwrap_err();
    assert!(matches!(&err, BundleError::Encrypted { entry } if entry == "secret.txt"), "{err}");
}

#[test]
fn crc_mismatch() {
    let module = module();
    let mut zip = zip_with(|zip| {
        zip.start_file(DEFAULT_HANDLER, deflated()).unwrap();
        zip.write_all(&module).unwrap();
        let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
        zip.start_file("data.txt", stored).unwrap();
        zip.write_all(b"hello world").unwrap();
    });
    let data = data_start(&zip, "data.txt");
    assert_eq!(&zip[data..data + 5], b"hello");
    zip[data + 4] = b'O';
    let err = parse(&zip).unwrap_err();
    assert!(matches!(&err, BundleError::CrcMismatch { entry, .. } if entry == "data.txt"), "{err}");
}

#[test]
fn bad_deflate_stream() {
    let mut zip = bundle_zip(&[("data.txt", b"hello world, hello world")]);
    let data = data_start(&zip, "data.txt");
    // Block type 3 is reserved in deflate.
    zip[data] = 0xff;
    let err = parse(&zip).unwrap_err();
    assert!(matches!(&err, BundleError::CorruptData { entry, .. } if entry == "data.txt"), "{err}");
}

#[test]
fn not_a_zip() {
    let err = parse(b"definitely not a zip").unwrap_err();
    assert!(matches!(err, BundleError::NotAZip { .. }), "{err}");
}
