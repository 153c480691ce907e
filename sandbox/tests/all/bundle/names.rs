//! Entry names: the path rules, symlinks and duplicates.

use super::*;

#[test]
fn absolute_path() {
    let err = parse(&bundle_zip(&[("/etc/passwd", b"x")])).unwrap_err();
    assert!(matches!(&err, BundleError::AbsolutePath { entry } if entry == "/etc/passwd"), "{err}");
}

#[test]
fn parent_component() {
    let err = parse(&bundle_zip(&[("a/../b", b"x")])).unwrap_err();
    assert!(matches!(err, BundleError::ParentComponent { .. }), "{err}");
    assert_eq!(err.to_string(), "entry 'a/../b' has a '..' component");
}

#[test]
fn backslash() {
    let err = parse(&bundle_zip(&[("a\\b", b"x")])).unwrap_err();
    assert!(matches!(err, BundleError::Backslash { .. }), "{err}");
}

#[test]
fn nul_in_name() {
    let err = parse(&bundle_zip(&[("a\0b", b"x")])).unwrap_err();
    assert!(matches!(err, BundleError::NulInName { .. }), "{err}");
    assert!(!err.to_string().contains('\0'));
}

#[test]
fn non_utf8_name() {
    let mut zip = bundle_zip(&[("cafX.txt", b"x")]);
    patch_all(&mut zip, b"cafX.txt", b"caf\xe9.txt");
    let err = parse(&zip).unwrap_err();
    assert!(matches!(&err, BundleError::NonUtf8Name { escaped } if escaped == "caf\\xe9.txt"), "{err}");
}

#[test]
fn handler_obeys_the_name_rules() {
    let zip = bundle_zip(&[]);
    let limits = BundleLimits::default();
    let err = Bundle::parse(&zip, "../function.wasm", &limits).unwrap_err();
    assert!(matches!(err, BundleError::ParentComponent { .. }), "{err}");
    let err = Bundle::parse(&zip, "/function.wasm", &limits).unwrap_err();
    assert!(matches!(err, BundleError::AbsolutePath { .. }), "{err}");
    assert_eq!(Bundle::parse(&zip, "./function.wasm", &limits).unwrap().handler(), DEFAULT_HANDLER);
}

#[test]
fn symlink() {
    let module = module();
    let zip = zip_with(|zip| {
        zip.start_file(DEFAULT_HANDLER, deflated()).unwrap();
        zip.write_all(&module).unwrap();
        zip.add_symlink("passwd", "/etc/passwd", deflated()).unwrap();
    });
    let err = parse(&zip).unwrap_err();
    assert!(matches!(&err, BundleError::Symlink { entry } if entry == "passwd"), "{err}");
}

#[test]
fn duplicate_after_normalisation() {
    let err = parse(&bundle_zip(&[("a", b"1"), ("./a", b"2")])).unwrap_err();
    assert!(matches!(&err, BundleError::DuplicateEntry { entry, other } if entry == "./a" && other == "a"), "{err}");
    let err = parse(&bundle_zip(&[("d//e", b"1"), ("d/./e", b"2")])).unwrap_err();
    assert!(matches!(err, BundleError::DuplicateEntry { .. }), "{err}");
}

#[test]
fn file_and_directory_of_the_same_name_collide() {
    let err = parse(&bundle_zip(&[("a", b"1"), ("a/b", b"2")])).unwrap_err();
    assert!(matches!(err, BundleError::DuplicateEntry { .. }), "{err}");
    let err = parse(&bundle_zip(&[("a/b", b"1"), ("a", b"2")])).unwrap_err();
    assert!(matches!(err, BundleError::DuplicateEntry { .. }), "{err}");
    let err = parse(&bundle_zip(&[("a/", b""), ("a", b"2")])).unwrap_err();
    assert!(matches!(err, BundleError::DuplicateEntry { .. }), "{err}");
}

#[test]
fn exact_duplicate_names() {
    let mut zip = bundle_zip(&[("dup-one", b"1"), ("dup-two", b"2")]);
    patch_all(&mut zip, b"dup-two", b"dup-one");
    let err = parse(&zip).unwrap_err();
    assert!(matches!(&err, BundleError::DuplicateEntry { entry, .. } if entry == "dup-one"), "{err}");
}
