//! Reserved concurrency, account settings and stored code.

use crate::error::{Error, Result};
use crate::model::*;
use crate::names::FunctionRef;
use crate::resolve;
use crate::state::State;
use nimbus_sandbox::BundleLimits;
use std::collections::BTreeMap;

/// Code an account may store in all (Lambda: 75 GB).
const TOTAL_CODE_SIZE: u64 = 75 * 1024 * 1024 * 1024;

impl State {
    pub(crate) fn put_function_concurrency(&self, function: &str, reserved: i64) -> Result<Concurrency> {
        let scope = &self.config.scope;
        let name = FunctionRef::parse_unqualified(function)?.name;
        if reserved < 0 {
            return Err(Error::range(reserved, "reservedConcurrentExecutions", 0, i64::from(u32::MAX)));
        }
        let reserved = u32::try_from(reserved)
            .map_err(|_| Error::range(reserved, "reservedConcurrentExecutions", 0, i64::from(u32::MAX)))?;
        let catalog = self.write();
        let entry = resolve::function(&catalog, scope, &name)?;
        let previous = entry.concurrency.reserved();
        self.account.reserve(&entry.concurrency, Some(reserved))?;
        if let Err(e) = self.persist(&name, entry) {
            let _ = self.account.reserve(&entry.concurrency, previous);
            return Err(e);
        }
        Ok(Concurrency { reserved_concurrent_executions: reserved })
    }

    pub(crate) fn get_function_concurrency(&self, function: &str) -> Result<Option<Concurrency>> {
        let scope = &self.config.scope;
        let name = FunctionRef::parse_unqualified(function)?.name;
        let catalog = self.read();
        let entry = resolve::function(&catalog, scope, &name)?;
        Ok(entry.concurrency.reserved().map(|n| Concurrency { reserved_concurrent_executions: n }))
    }

    pub(crate) fn delete_function_concurrency(&self, function: &str) -> Result<()> {
        let scope = &self.config.scope;
        let name = FunctionRef::parse_unqualified(function)?.name;
        let catalog = self.write();
        let entry = resolve::function(&catalog, scope, &name)?;
        self.account.reserve(&entry.concurrency, None)?;
        self.persist(&name, entry)
    }

    pub(crate) fn account_settings(&self) -> Result<AccountSettings> {
        let catalog = self.read();
        let mut code: BTreeMap<&str, u64> = BTreeMap::new();
        for entry in catalog.functions.values() {
            for version in std::iter::once(&entry.latest).chain(entry.published.values()) {
                code.insert(&version.record.code_digest_hex, version.record.code_size);
            }
        }
        let limits = BundleLimits::default();
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
        self.store.read_code(digest_hex)
    }
}
