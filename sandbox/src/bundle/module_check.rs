//! The module must be a core WebAssembly module that runs as a WASI
//! preview-1 command: valid, importing only from `wasi_snapshot_preview1`,
//! and exporting `_start`. Checking here turns what would be a link or
//! instantiation failure on the first invocation into a refused deploy.

use wasmparser::{CompositeInnerType, Encoding, ExternalKind, Parser, Payload, Validator};

use super::BundleError;

/// The only module a function may import from.
const WASI_MODULE: &str = "wasi_snapshot_preview1";
/// The command entry point that the sandbox calls.
const START: &str = "_start";

/// Validates the module found at `handler`.
pub(super) fn check_module(handler: &str, wasm: &[u8]) -> Result<(), BundleError> {
    let invalid = |reason: String| BundleError::InvalidModule { handler: handler.to_owned(), reason };
    let types = Validator::new().validate_all(wasm).map_err(|err| invalid(err.to_string()))?;
    let types = types.as_ref();
    let mut start = None;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|err| invalid(err.to_string()))? {
            Payload::Version { encoding: Encoding::Component, .. } => {
                return Err(invalid("it is a component; a core module is required".into()));
            }
            Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    let import = import.map_err(|err| invalid(err.to_string()))?;
                    if import.module != WASI_MODULE {
                        return Err(BundleError::ForbiddenImport {
                            module: import.module.to_owned(),
                            field: import.name.to_owned(),
                        });
                    }
                }
            }
            Payload::ExportSection(exports) => {
                for export in exports {
                    let export = export.map_err(|err| invalid(err.to_string()))?;
                    if export.name == START && export.kind == ExternalKind::Func {
                        start = Some(export.index);
                    }
                }
            }
            _ => {}
        }
    }
    let start = start.ok_or_else(|| BundleError::MissingStart { handler: handler.to_owned() })?;
    // The validator has checked the index; the bound keeps a bug from
    // becoming a panic.
    let takes_nothing = start < types.function_count()
        && match &types[types.core_function_at(start)].composite_type.inner {
            CompositeInnerType::Func(ty) => ty.params().is_empty() && ty.results().is_empty(),
            _ => false,
        };
    if !takes_nothing {
        return Err(BundleError::BadStartSignature { handler: handler.to_owned() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(wat: &str) -> Result<(), BundleError> {
        check_module("function.wasm", &wat::parse_str(wat).unwrap())
    }

    #[test]
    fn command_passes() {
        check(
            r#"(module
                (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
                (memory (export "memory") 1)
                (func (export "_start")))"#,
        )
        .unwrap();
    }

    #[test]
    fn start_must_be_a_nullary_function() {
        assert!(matches!(
            check(r#"(module (global (export "_start") i32 (i32.const 0)))"#),
            Err(BundleError::MissingStart { .. })
        ));
        assert!(matches!(
            check(r#"(module (func (export "_start") (param i32)))"#),
            Err(BundleError::BadStartSignature { .. })
        ));
    }

    #[test]
    fn forbidden_import_is_named() {
        let err = check(r#"(module (import "env" "foo" (func)) (func (export "_start")))"#).unwrap_err();
        assert!(matches!(&err, BundleError::ForbiddenImport { module, field } if module == "env" && field == "foo"));
    }

    #[test]
    fn garbage_is_invalid() {
        assert!(matches!(
            check_module("function.wasm", b"\0asm\x01\0\0\0\x7f"),
            Err(BundleError::InvalidModule { .. })
        ));
    }
}
