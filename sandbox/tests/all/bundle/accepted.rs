//! Well-formed bundles: parsing, digests, building and the store.

use super::*;

#[test]
fn valid_bundle_with_manifest_nested_dirs_and_files() {
    let module = module();
    let manifest = b"memory_mb = 256\ntimeout_s = 30\ndescription = \"demo\"\n[env]\nGREETING = \"hi\"\n";
    let zip = zip_of(&[
        ("bin/", b""),
        ("bin/app.wasm", &module),
        (MANIFEST_PATH, manifest),
        ("./static//css/site.css", b"body{}"),
        ("empty/", b""),
    ]);
    let bundle = Bundle::parse(&zip, "bin/app.wasm", &BundleLimits::default()).unwrap();
    assert_eq!(bundle.handler(), "bin/app.wasm");
    assert_eq!(bundle.module(), &module[..]);
    assert_eq!(bundle.manifest().memory_mb, Some(256));
    assert_eq!(bundle.manifest().timeout_s, Some(30));
    assert_eq!(bundle.manifest().description.as_deref(), Some("demo"));
    assert_eq!(bundle.manifest().env["GREETING"], "hi");
    let paths: Vec<&str> = bundle.files().iter().map(|file| file.path.as_str()).collect();
    assert_eq!(paths, ["bin/app.wasm", MANIFEST_PATH, "static/css/site.css"]);
    assert_eq!(bundle.directories(), ["bin", "empty", "static", "static/css"]);
    assert_eq!(bundle.zip_size(), zip.len() as u64);
    assert_eq!(bundle.unzipped_size(), (module.len() + manifest.len() + 6) as u64);
    assert_eq!(bundle.digest(), &BundleDigest::of(&zip));
}

#[test]
fn digest_hex_and_code_sha256() {
    let empty = BundleDigest::of(b"");
    assert_eq!(empty.hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_eq!(empty.code_sha256(), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    assert_eq!(empty.to_string(), empty.hex());
}

#[test]
fn build_bundle_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data/deep")).unwrap();
    std::fs::write(dir.path().join("data/deep/table.csv"), "a,b\n").unwrap();
    std::fs::write(dir.path().join("README"), "hi").unwrap();
    let module = module();
    let zip = build_bundle(&module, Some("timeout_s = 5"), Some(dir.path())).unwrap();
    let bundle = parse(&zip).unwrap();
    assert_eq!(bundle.module(), &module[..]);
    assert_eq!(bundle.manifest().timeout_s, Some(5));
    assert!(bundle.files().contains(&BundleFile { path: "data/deep/table.csv".into(), contents: b"a,b\n".to_vec() }));
    assert!(bundle.files().contains(&BundleFile { path: "README".into(), contents: b"hi".to_vec() }));
    // The same inputs give the same zip, so the same digest.
    assert_eq!(build_bundle(&module, Some("timeout_s = 5"), Some(dir.path())).unwrap(), zip);

    let from_module = Bundle::from_module(&module).unwrap();
    assert_eq!(from_module.module(), &module[..]);
    assert_eq!(from_module.files().len(), 1);
}

#[test]
fn build_bundle_refuses_symlinks_and_collisions() {
    let module = module();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(MANIFEST_PATH), "timeout_s = 7").unwrap();
    let err = build_bundle(&module, Some("timeout_s = 5"), Some(dir.path())).unwrap_err();
    assert!(matches!(err, BundleError::IncludeCollision { .. }), "{err}");
    // Without a manifest argument, the included one is the manifest.
    let zip = build_bundle(&module, None, Some(dir.path())).unwrap();
    assert_eq!(parse(&zip).unwrap().manifest().timeout_s, Some(7));

    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("passwd")).unwrap();
    let err = build_bundle(&module, None, Some(dir.path())).unwrap_err();
    assert!(matches!(err, BundleError::IncludeSymlink { .. }), "{err}");
}

#[test]
fn bad_module_is_refused_by_build_bundle() {
    let err = build_bundle(b"not wasm", None, None).unwrap_err();
    assert!(matches!(err, BundleError::InvalidModule { .. }), "{err}");
}

#[test]
fn store_materializes_once_read_only() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    let root = tempfile::tempdir().unwrap();
    let store = BundleStore::open(root.path().join("bundles")).unwrap();
    let module = module();
    let zip = bundle_zip(&[("static/index.html", b"<h1>hi</h1>")]);
    let bundle = parse(&zip).unwrap();

    let dir = store.materialize(&bundle).unwrap();
    assert_eq!(dir, root.path().join("bundles").join(bundle.digest().hex()));
    assert_eq!(std::fs::read(dir.join(DEFAULT_HANDLER)).unwrap(), module);
    assert_eq!(std::fs::read(dir.join("static/index.html")).unwrap(), b"<h1>hi</h1>");
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir.join(DEFAULT_HANDLER)), 0o444);
    assert_eq!(mode(&dir.join("static/index.html")), 0o444);
    assert_eq!(mode(&dir.join("static")), 0o555);
    assert_eq!(mode(&dir), 0o555);

    let inode = std::fs::metadata(dir.join(DEFAULT_HANDLER)).unwrap().ino();
    let again = store.materialize(&bundle).unwrap();
    assert_eq!(again, dir);
    assert_eq!(std::fs::metadata(again.join(DEFAULT_HANDLER)).unwrap().ino(), inode);
    // Only the bundle's directory: no temp directory is left behind.
    assert_eq!(std::fs::read_dir(root.path().join("bundles")).unwrap().count(), 1);

    // Read-only directories would outlive the temp dir for a non-root user.
    for path in [dir.join("static"), dir] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}
