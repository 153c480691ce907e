//! CreateFunction, GetFunction, ListFunctions, UpdateFunctionCode,
//! UpdateFunctionConfiguration and DeleteFunction.

use crate::catalog::{Catalog, FunctionEntry, VersionEntry, VersionRecord, last_modified_now, new_revision_id};
use crate::concurrency::FunctionConcurrency;
use crate::error::{Error, Result};
use crate::model::*;
use crate::names::{FunctionRef, LATEST, is_version};
use crate::resolve;
use crate::scheduler::FunctionDetails;
use crate::state::State;
use crate::validate;
use crate::warm_pool;
use nimbus_sandbox::Bundle;
use nimbus_sandbox::bundle::DEFAULT_HANDLER;
use std::collections::BTreeMap;

/// Most items a list call returns (Lambda: 50).
pub(crate) const MAX_LIST_ITEMS: usize = 50;

/// `MaxItems`: default and ceiling 50, at least 1.
pub(crate) fn page_size(max_items: Option<i64>) -> Result<usize> {
    match max_items {
        None => Ok(MAX_LIST_ITEMS),
        Some(n) if n < 1 => Err(Error::range(n, "maxItems", 1, 10_000)),
        Some(n) => Ok((n as usize).min(MAX_LIST_ITEMS)),
    }
}

/// Refuses a stale `RevisionId`.
pub(crate) fn check_revision(given: Option<&str>, current: &str) -> Result<()> {
    match given {
        Some(given) if given != current => Err(Error::PreconditionFailed(
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
                .into(),
        )),
        _ => Ok(()),
    }
}

impl State {
    /// Writes a function's every row to SQLite.
    pub(crate) fn persist(&self, name: &str, entry: &FunctionEntry) -> Result<()> {
        let published: Vec<(String, &VersionRecord)> =
            entry.published.iter().map(|(n, v)| (n.to_string(), &v.record)).collect();
        let mut versions: Vec<(&str, &VersionRecord)> = vec![(LATEST, &entry.latest.record)];
        versions.extend(published.iter().map(|(n, r)| (n.as_str(), *r)));
        let aliases: Vec<(&str, &crate::catalog::AliasRecord)> =
            entry.aliases.iter().map(|(n, a)| (n.as_str(), a)).collect();
        self.store.save_function(name, entry.next_version, entry.concurrency.reserved(), &versions, &aliases)
    }

    /// `$LATEST`'s record, refusing a stale `RevisionId`.
    pub(crate) fn latest_record(&self, name: &str, revision_id: Option<&str>) -> Result<VersionRecord> {
        let catalog = self.read();
        let entry = resolve::function(&catalog, &self.config.scope, name)?;
        check_revision(revision_id, &entry.latest.record.revision_id)?;
        Ok(entry.latest.record.clone())
    }

    pub(crate) fn create_function(&self, request: CreateFunctionRequest) -> Result<FunctionConfiguration> {
        let scope = &self.config.scope;
        let name = FunctionRef::parse_unqualified(&request.function_name)?.name;
        if request.package_type.as_deref().is_some_and(|p| p != "Zip") {
            return Err(Error::InvalidParameter("Nimbus supports only PackageType Zip.".into()));
        }
        let runtime = validate::runtime(request.runtime.as_deref().unwrap_or(validate::DEFAULT_RUNTIME))?;
        let role = validate::role(request.role.as_deref())?;
        let handler = request.handler.clone().unwrap_or_else(|| DEFAULT_HANDLER.to_string());
        let architectures = validate::architectures(request.architectures.as_deref())?;
        let memory = request.memory_size.map(validate::memory_size).transpose()?;
        let timeout = request.timeout.map(validate::timeout).transpose()?;
        let description = request.description.as_deref().map(validate::description).transpose()?;
        let env = request.environment.as_ref().map(|e| validate::environment(&e.variables)).transpose()?;
        if self.read().functions.contains_key(&name) {
            return Err(Error::Conflict(format!("Function already exist: {name}")));
        }
        let zip = validate::zip_file(
            request.code.zip_file.as_deref(),
            request.code.s3_bucket.as_deref(),
            request.code.image_uri.as_deref(),
        )?;
        let bundle = validate::bundle(&zip, &handler)?;
        let manifest = bundle.manifest();
        let record = VersionRecord {
            runtime,
            role,
            handler: bundle.handler().to_string(),
            code_size: zip.len() as u64,
            code_sha256: bundle.digest().code_sha256(),
            code_digest_hex: bundle.digest().hex(),
            description: description.or_else(|| manifest.description.clone()).unwrap_or_default(),
            timeout: timeout.or(manifest.timeout_s).unwrap_or(3),
            memory_size: memory.or(manifest.memory_mb).unwrap_or(128),
            env: env.unwrap_or_else(|| manifest.env.clone()),
            last_modified: last_modified_now(),
            revision_id: new_revision_id(),
            architectures,
        };
        let prepared = warm_pool::prepare(&self.engine, &bundle, &name, LATEST, &record)?;
        self.store.save_code(&record.code_digest_hex, &zip)?;

        let mut catalog = self.write();
        if catalog.functions.contains_key(&name) {
            return Err(Error::Conflict(format!("Function already exist: {name}")));
        }
        self.keep_code(&record.code_digest_hex, &zip)?;
        let mut entry = FunctionEntry {
            latest: VersionEntry::new(LATEST.into(), record, Some(prepared)),
            published: BTreeMap::new(),
            aliases: BTreeMap::new(),
            next_version: 1,
            concurrency: FunctionConcurrency::new(None),
        };
        let answer = if request.publish {
            let version = self.publish_into(&name, &mut entry, &bundle, None)?;
            version.record.configuration(scope, &name, &version.version)
        } else {
            entry.latest.record.configuration(scope, &name, LATEST)
        };
        self.persist(&name, &entry)?;
        catalog.functions.insert(name, entry);
        Ok(answer)
    }

    pub(crate) fn get_function(&self, function: &str, qualifier: Option<&str>) -> Result<FunctionDetails> {
        let scope = &self.config.scope;
        let fref = FunctionRef::parse(function, qualifier)?;
        let catalog = self.read();
        let entry = resolve::function(&catalog, scope, &fref.name)?;
        let version = resolve::version(entry, scope, &fref.name, fref.qualifier.as_deref(), 0.0)?;
        let mut configuration = version.record.configuration(scope, &fref.name, &version.version);
        if let Some(q) = fref.qualifier.as_deref().filter(|q| !is_version(q)) {
            // Through an alias, Lambda names the alias in the ARN.
            configuration.function_arn = scope.qualified_arn(&fref.name, q);
        }
        Ok(FunctionDetails {
            configuration,
            code_digest_hex: version.record.code_digest_hex.clone(),
            concurrency: entry.concurrency.reserved().map(|n| Concurrency { reserved_concurrent_executions: n }),
        })
    }

    pub(crate) fn list_functions(
        &self,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<FunctionConfiguration>> {
        let size = page_size(max_items)?;
        let catalog = self.read();
        let after = |name: &&String| marker.is_none_or(|m| name.as_str() > m);
        let mut names = catalog.functions.keys().filter(after);
        let items: Vec<FunctionConfiguration> = names
            .by_ref()
            .take(size)
            .map(|name| catalog.functions[name].latest.record.configuration(&self.config.scope, name, LATEST))
            .collect();
        let next_marker = match names.next() {
            Some(_) => items.last().map(|c| c.function_name.clone()),
            None => None,
        };
        Ok(Page { items, next_marker })
    }

    pub(crate) fn update_function_code(
        &self,
        function: &str,
        request: UpdateFunctionCodeRequest,
    ) -> Result<FunctionConfiguration> {
        let scope = &self.config.scope;
        let name = FunctionRef::parse_unqualified(function)?.name;
        let current = self.latest_record(&name, request.revision_id.as_deref())?;
        let zip = validate::zip_file(
            request.zip_file.as_deref(),
            request.s3_bucket.as_deref(),
            request.image_uri.as_deref(),
        )?;
        let bundle = validate::bundle(&zip, &current.handler)?;
        let record = VersionRecord {
            code_size: zip.len() as u64,
            code_sha256: bundle.digest().code_sha256(),
            code_digest_hex: bundle.digest().hex(),
            last_modified: last_modified_now(),
            revision_id: new_revision_id(),
            architectures: match request.architectures.as_deref() {
                Some(a) => validate::architectures(Some(a))?,
                None => current.architectures.clone(),
            },
            ..current.clone()
        };
        if request.dry_run {
            return Ok(record.configuration(scope, &name, LATEST));
        }
        self.replace_latest(&name, record, &bundle, &zip, request.revision_id.as_deref(), request.publish)
    }

    pub(crate) fn update_function_configuration(
        &self,
        function: &str,
        request: UpdateFunctionConfigurationRequest,
    ) -> Result<FunctionConfiguration> {
        let name = FunctionRef::parse_unqualified(function)?.name;
        let current = self.latest_record(&name, request.revision_id.as_deref())?;
        let mut record = current.clone();
        if let Some(runtime) = &request.runtime {
            record.runtime = validate::runtime(runtime)?;
        }
        if let Some(role) = &request.role {
            record.role = validate::role(Some(role))?;
        }
        if let Some(description) = &request.description {
            record.description = validate::description(description)?;
        }
        if let Some(timeout) = request.timeout {
            record.timeout = validate::timeout(timeout)?;
        }
        if let Some(memory) = request.memory_size {
            record.memory_size = validate::memory_size(memory)?;
        }
        if let Some(environment) = &request.environment {
            record.env = validate::environment(&environment.variables)?;
        }
        let zip = self.store.read_code(&current.code_digest_hex)?;
        let handler = request.handler.clone().unwrap_or_else(|| current.handler.clone());
        let bundle = validate::bundle(&zip, &handler)?;
        record.handler = bundle.handler().to_string();
        record.last_modified = last_modified_now();
        record.revision_id = new_revision_id();
        self.replace_latest(&name, record, &bundle, &zip, request.revision_id.as_deref(), false)
    }

    /// Prepares and installs a new `$LATEST` (and publishes it if asked).
    fn replace_latest(
        &self,
        name: &str,
        record: VersionRecord,
        bundle: &Bundle,
        zip: &[u8],
        revision_id: Option<&str>,
        publish: bool,
    ) -> Result<FunctionConfiguration> {
        let scope = &self.config.scope;
        let prepared = warm_pool::prepare(&self.engine, bundle, name, LATEST, &record)?;
        self.store.save_code(&record.code_digest_hex, zip)?;
        let mut catalog = self.write();
        self.keep_code(&record.code_digest_hex, zip)?;
        let entry = resolve::function_mut(&mut catalog, scope, name)?;
        // Checked again under the write lock: another update may have won.
        check_revision(revision_id, &entry.latest.record.revision_id)?;
        let old_digest = entry.latest.record.code_digest_hex.clone();
        entry.latest = VersionEntry::new(LATEST.into(), record, Some(prepared));
        let answer = if publish {
            let version = self.publish_into(name, entry, bundle, None)?;
            version.record.configuration(scope, name, &version.version)
        } else {
            entry.latest.record.configuration(scope, name, LATEST)
        };
        self.persist(name, entry)?;
        self.remove_unused_code(&catalog, [old_digest])?;
        Ok(answer)
    }

    pub(crate) fn delete_function(&self, function: &str, qualifier: Option<&str>) -> Result<()> {
        let scope = &self.config.scope;
        let fref = FunctionRef::parse(function, qualifier)?;
        let name = fref.name;
        let mut catalog = self.write();
        let entry = resolve::function_mut(&mut catalog, scope, &name)?;
        let digests: Vec<String> = match fref.qualifier.as_deref() {
            None => {
                let entry = catalog.functions.remove(&name).expect("looked up above");
                self.account.release_reservation(&entry.concurrency);
                self.store.delete_function(&name)?;
                std::iter::once(&entry.latest)
                    .chain(entry.published.values())
                    .map(|v| v.record.code_digest_hex.clone())
                    .collect()
            }
            Some(LATEST) => {
                return Err(Error::InvalidParameter(
                    "$LATEST version cannot be deleted without deleting the function.".into(),
                ));
            }
            Some(q) if is_version(q) => {
                let number: u64 = q.parse().map_err(|_| resolve::function_not_found(scope, &name, Some(q)))?;
                if !entry.published.contains_key(&number) {
                    return Err(resolve::function_not_found(scope, &name, Some(q)));
                }
                let users: Vec<&str> = entry
                    .aliases
                    .iter()
                    .filter(|(_, a)| a.function_version == q || a.weights.contains_key(q))
                    .map(|(n, _)| n.as_str())
                    .collect();
                if !users.is_empty() {
                    return Err(Error::Conflict(format!(
                        "Unable to delete version because the following aliases reference it: [{}]",
                        users.join(", ")
                    )));
                }
                let removed = entry.published.remove(&number).expect("checked above");
                self.persist(&name, entry)?;
                vec![removed.record.code_digest_hex.clone()]
            }
            Some(_) => {
                return Err(Error::InvalidParameter(
                    "Deletion of aliases is not supported through DeleteFunction; use DeleteAlias.".into(),
                ));
            }
        };
        self.remove_unused_code(&catalog, digests)
    }

    /// Makes sure a new version's zip is stored. Called under the catalog's
    /// write lock, after the (possibly long) write outside it: a delete that
    /// ran in between may have removed an identical zip no version used yet;
    /// then it is written again. Usually this is one `stat`.
    fn keep_code(&self, digest_hex: &str, zip: &[u8]) -> Result<()> {
        self.store.save_code(digest_hex, zip)
    }

    /// Deletes the zips no version uses any more. Called under the catalog's
    /// write lock, so no version can start using one between the check and
    /// the removal.
    fn remove_unused_code(&self, catalog: &Catalog, digests: impl IntoIterator<Item = String>) -> Result<()> {
        for digest in digests {
            if !catalog.uses_code(&digest) {
                self.store.remove_code(&digest)?;
            }
        }
        Ok(())
    }
}
