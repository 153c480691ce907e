//! Reserved concurrency, account settings and stored code.

use crate::error::{Error, Result};
use crate::invocation::resolve;
use crate::model::*;
use crate::names::{FunctionRef, LATEST};
use crate::state::State;
use std::collections::BTreeMap;

/// Code an account may store in all (Lambda: 75 GB).
const TOTAL_CODE_SIZE: u64 = 75 * 1024 * 1024 * 1024;

/// The function a concurrency operation names: reservations belong to the
/// function, so Lambda refuses a version or an alias.
fn unqualified_function(function: &str) -> Result<String> {
    let parsed = FunctionRef::parse(function, None)?;
    if parsed.qualifier.is_some() {
        return Err(Error::InvalidParameter(
            "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.".into(),
        ));
    }
    Ok(parsed.name)
}

impl State {
    pub(crate) fn put_function_concurrency(&self, function: &str, reserved: i64) -> Result<Concurrency> {
        let scope = &self.config.scope;
        let name = unqualified_function(function)?;
        let out_of_range = || Error::range(reserved, "reservedConcurrentExecutions", 0, i64::from(u32::MAX));
        let reserved = u32::try_from(reserved).map_err(|_| out_of_range())?;
        self.change(|draft| {
            let others =
                draft.catalog().reserved_total() - draft.function(&name).and_then(|f| f.reserved).map_or(0, u64::from);
            // Lambda names `$LATEST` here.
            let missing = || resolve::function_not_found(scope, &name, Some(LATEST));
            let entry = draft.function_mut(&name).ok_or_else(missing)?;
            self.account.check_reservation(others, reserved)?;
            entry.reserved = Some(reserved);
            Ok(Concurrency { reserved_concurrent_executions: reserved })
        })
    }

    pub(crate) fn get_function_concurrency(&self, function: &str) -> Result<Option<Concurrency>> {
        let scope = &self.config.scope;
        let name = unqualified_function(function)?;
        let catalog = self.registry.snapshot();
        let entry = resolve::function(&catalog, scope, &name)?;
        Ok(entry.reserved.map(|n| Concurrency { reserved_concurrent_executions: n }))
    }

    pub(crate) fn delete_function_concurrency(&self, function: &str) -> Result<()> {
        let scope = &self.config.scope;
        let name = unqualified_function(function)?;
        self.change(|draft| {
            let entry = draft.function_mut(&name).ok_or_else(|| resolve::function_not_found(scope, &name, None))?;
            entry.reserved = None;
            Ok(())
        })
    }

    pub(crate) fn account_settings(&self) -> Result<AccountSettings> {
        let catalog = self.registry.snapshot();
        let mut code: BTreeMap<&str, u64> = BTreeMap::new();
        for entry in catalog.functions.values() {
            for version in entry.versions() {
                code.insert(&version.record.code_digest_hex, version.record.code_size);
            }
        }
        let limits = &self.config.limits.bundle;
        Ok(AccountSettings {
            account_limit: AccountLimit {
                total_code_size: TOTAL_CODE_SIZE,
                code_size_unzipped: limits.max_unzipped_bytes,
                code_size_zipped: limits.max_zip_bytes,
                concurrent_executions: self.account.limit(),
                unreserved_concurrent_executions: self.account.unreserved(),
            },
            account_usage: AccountUsage {
                total_code_size: code.values().sum(),
                function_count: catalog.functions.len() as u64,
            },
        })
    }

    pub(crate) fn code_zip(&self, digest_hex: &str) -> Result<Vec<u8>> {
        self.registry.store.read_code(digest_hex)
    }
}
