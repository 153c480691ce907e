//! nimbus-sdk: the guest-side crate for writing Nimbus functions in Rust,
//! compiled to `wasm32-wasip1`. It depends on neither wasmtime nor tokio.
//!
//! Empty until the SDK issue fills it: nothing here pretends to work. Until
//! then a function is any WASI command.
#![deny(missing_docs)]
