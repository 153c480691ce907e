//! The WASI preview-1 `errno` values the sandbox's own host calls return
//! (`poll`, `direct_stdio`), as the spec numbers them.

/// No error.
pub(crate) const SUCCESS: i32 = 0;
/// Bad file descriptor.
pub(crate) const BADF: i32 = 8;
/// Bad address.
pub(crate) const FAULT: i32 = 21;
/// Invalid argument.
pub(crate) const INVAL: i32 = 28;
/// Not supported.
pub(crate) const NOTSUP: i32 = 58;
