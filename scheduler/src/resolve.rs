//! From a request's name and qualifier to one function entry and version.

use crate::catalog::{Catalog, FunctionEntry, VersionEntry};
use crate::error::{Error, Result};
use crate::names::{ArnScope, is_version};
use std::sync::Arc;

/// Lambda's "Function not found" with the (qualified) ARN.
pub(crate) fn function_not_found(scope: &ArnScope, name: &str, qualifier: Option<&str>) -> Error {
    let arn = match qualifier {
        Some(q) => scope.qualified_arn(name, q),
        None => scope.function_arn(name),
    };
    Error::NotFound(format!("Function not found: {arn}"))
}

/// The function named, or 404.
pub(crate) fn function<'a>(catalog: &'a Catalog, scope: &ArnScope, name: &str) -> Result<&'a FunctionEntry> {
    catalog.functions.get(name).ok_or_else(|| function_not_found(scope, name, None))
}

/// The function named, for changing, or 404.
pub(crate) fn function_mut<'a>(
    catalog: &'a mut Catalog,
    scope: &ArnScope,
    name: &str,
) -> Result<&'a mut FunctionEntry> {
    catalog.functions.get_mut(name).ok_or_else(|| function_not_found(scope, name, None))
}

/// The version a qualifier names: `$LATEST` when none, a version number, or
/// an alias (routed by its weights with `sample`, a uniform draw in [0, 1)).
pub(crate) fn version(
    entry: &FunctionEntry,
    scope: &ArnScope,
    name: &str,
    qualifier: Option<&str>,
    sample: f64,
) -> Result<Arc<VersionEntry>> {
    let Some(qualifier) = qualifier else {
        return Ok(Arc::clone(&entry.latest));
    };
    let not_found = || function_not_found(scope, name, Some(qualifier));
    if is_version(qualifier) {
        return entry.version(qualifier).cloned().ok_or_else(not_found);
    }
    let alias = entry.aliases.get(qualifier).ok_or_else(not_found)?;
    entry.version(alias.pick_version(sample)).cloned().ok_or_else(not_found)
}
