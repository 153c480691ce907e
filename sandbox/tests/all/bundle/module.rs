//! The module and the manifest inside the zip.

use super::*;

#[test]
fn missing_module() {
    let err = parse(&zip_of(&[("other.txt", b"x")])).unwrap_err();
    assert!(matches!(&err, BundleError::MissingModule { handler } if handler == DEFAULT_HANDLER), "{err}");
}

#[test]
fn invalid_module() {
    let err = parse(&zip_of(&[(DEFAULT_HANDLER, b"not wasm")])).unwrap_err();
    assert!(matches!(err, BundleError::InvalidModule { .. }), "{err}");
}

#[test]
fn module_without_start() {
    let wasm = wat::parse_str(r#"(module (func (export "main")))"#).unwrap();
    let err = parse(&zip_of(&[(DEFAULT_HANDLER, &wasm)])).unwrap_err();
    assert!(matches!(err, BundleError::MissingStart { .. }), "{err}");
}

#[test]
fn forbidden_import() {
    let wasm = wat::parse_str(r#"(module (import "env" "foo" (func)) (func (export "_start")))"#).unwrap();
    let err = parse(&zip_of(&[(DEFAULT_HANDLER, &wasm)])).unwrap_err();
    assert!(
        matches!(&err, BundleError::ForbiddenImport { module, field } if module == "env" && field == "foo"),
        "{err}"
    );
    assert!(err.to_string().contains("'env'.'foo'"), "{err}");
}

#[test]
fn manifest_unknown_key_is_named() {
    let err = parse(&bundle_zip(&[(MANIFEST_PATH, b"memory_mb = 256\ntimout_s = 3\n")])).unwrap_err();
    assert!(matches!(err, BundleError::Manifest(ManifestError::Syntax(_))), "{err}");
    assert!(err.to_string().contains("timout_s"), "{err}");
}

#[test]
fn manifest_out_of_range() {
    let err = parse(&bundle_zip(&[(MANIFEST_PATH, b"memory_mb = 64")])).unwrap_err();
    assert!(
        matches!(
            err,
            BundleError::Manifest(ManifestError::OutOfRange { field: "memory_mb", value: 64, min: 128, max: 10240 })
        ),
        "{err}"
    );
}
