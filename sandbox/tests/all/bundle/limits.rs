//! Size, count and ratio limits, zip bombs included.

use super::*;

#[test]
fn zip_too_large_is_refused_before_parsing() {
    let limits = BundleLimits { max_zip_bytes: 100, ..BundleLimits::default() };
    let err = Bundle::parse(&[0; 101], DEFAULT_HANDLER, &limits).unwrap_err();
    assert!(matches!(err, BundleError::ZipTooLarge { size: 101, limit: 100 }), "{err}");
}

#[test]
fn too_many_entries() {
    let zip = bundle_zip(&[("a", b"1"), ("b", b"2"), ("c/", b"")]);
    let limits = BundleLimits { max_entries: 3, ..BundleLimits::default() };
    let err = Bundle::parse(&zip, DEFAULT_HANDLER, &limits).unwrap_err();
    assert!(matches!(err, BundleError::TooManyEntries { count: 4, limit: 3 }), "{err}");
}

#[test]
fn unzipped_total_too_large() {
    let zeros = vec![0; MIB / 2];
    let zip = bundle_zip(&[("a", &zeros), ("b", &zeros), ("c", &zeros)]);
    let limits = BundleLimits {
        // The module and two of the three entries fit.
        max_unzipped_bytes: (MIB + MIB / 4) as u64,
        max_compression_ratio: u64::MAX,
        ..BundleLimits::default()
    };
    let err = Bundle::parse(&zip, DEFAULT_HANDLER, &limits).unwrap_err();
    assert!(matches!(&err, BundleError::UnzippedTooLarge { entry, .. } if entry == "c"), "{err}");
}

#[test]
fn compression_ratio_too_high() {
    let zip = bundle_zip(&[("zeros", &[0; 64 * 1024])]);
    let limits = BundleLimits { max_compression_ratio: 10, ratio_applies_above_bytes: 1024, ..BundleLimits::default() };
    let err = Bundle::parse(&zip, DEFAULT_HANDLER, &limits).unwrap_err();
    assert!(matches!(&err, BundleError::CompressionRatio { entry, limit: 10, .. } if entry == "zeros"), "{err}");
}

#[test]
fn zip_bomb_is_stopped_early_with_default_limits() {
    let module = module();
    let zip = zip_with(|zip| {
        zip.start_file(DEFAULT_HANDLER, deflated()).unwrap();
        zip.write_all(&module).unwrap();
        zip.start_file("bomb", deflated()).unwrap();
        let zeros = vec![0; MIB];
        for _ in 0..200 {
            zip.write_all(&zeros).unwrap();
        }
    });
    assert!(zip.len() < MIB, "the bomb is {} bytes", zip.len());
    let err = parse(&zip).unwrap_err();
    let BundleError::CompressionRatio { entry, decompressed, limit: 100, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(entry, "bomb");
    assert!(*decompressed < 50 * MIB as u64, "decompressed {decompressed} bytes");
}
