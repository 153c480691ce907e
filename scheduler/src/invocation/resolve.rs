//! The pipeline's first stage: from a request's name and qualifier to one
//! function and one immutable version, read from the registry's snapshot.

use crate::error::{Error, Result};
use crate::names::{ArnScope, FunctionRef, LATEST, is_version};
use crate::registry::catalog::{Catalog, FunctionEntry, VersionEntry};
use std::sync::Arc;

/// What an invocation runs: the function and the version its qualifier
/// picked.
#[derive(Clone)]
pub(crate) struct Target {
    pub name: String,
    pub function: Arc<FunctionEntry>,
    pub version: Arc<VersionEntry>,
}

/// Resolves `function` (a name or ARN) and `qualifier` in `catalog`; an
/// alias's weights are applied with `sample`, a uniform draw in [0, 1).
pub(crate) fn target(
    catalog: &Catalog,
    scope: &ArnScope,
    function: &str,
    qualifier: Option<&str>,
    sample: f64,
) -> Result<Target> {
    let fref = FunctionRef::parse(function, qualifier)?;
    let entry = catalog
        .functions
        .get(&fref.name)
        .ok_or_else(|| function_not_found(scope, &fref.name, Some(fref.qualifier.as_deref().unwrap_or(LATEST))))?;
    let version = version(entry, scope, &fref.name, fref.qualifier.as_deref(), sample)?;
    Ok(Target { name: fref.name, function: Arc::clone(entry), version })
}

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
    catalog.functions.get(name).map(Arc::as_ref).ok_or_else(|| function_not_found(scope, name, None))
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
