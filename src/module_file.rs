//! Reading a module from a file: binary WebAssembly or its text format.

use anyhow::Context;
use std::path::Path;

/// The module's binary bytes; `.wat` text is compiled, as wasmtime's CLI does.
pub fn read_module(path: &Path) -> anyhow::Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if is_wasm_text(path, &bytes) {
        return wat::parse_bytes(&bytes)
            .map(|module| module.into_owned())
            .with_context(|| format!("{} is not valid WebAssembly text", path.display()));
    }
    Ok(bytes)
}

/// Whether `bytes` are the text format rather than a binary module or zip.
pub fn is_wasm_text(path: &Path, bytes: &[u8]) -> bool {
    path.extension().is_some_and(|ext| ext == "wat")
        || bytes.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|&b| b == b'(' || b == b';')
}
