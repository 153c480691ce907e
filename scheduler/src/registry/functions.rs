//! CreateFunction, GetFunction, ListFunctions, UpdateFunctionCode,
//! UpdateFunctionConfiguration and DeleteFunction.
//!
//! Each change parses and compiles first, outside the registry's owner,
//! then makes its change (see `registry/mod.rs`), checking again there what
//! another change may have altered meanwhile (the name, the `RevisionId`).

use super::catalog::{FunctionEntry, VersionEntry, VersionRecord, last_modified_now, new_revision_id};
use super::{check_revision, page_size, validate};
use crate::error::{Error, Result};
use crate::invocation::{resolve, warm_pool};
use crate::model::*;
use crate::names::{ArnScope, FunctionRef, LATEST, is_version};
use crate::scheduler::FunctionDetails;
use crate::state::State;
use nimbus_sandbox::Bundle;
use nimbus_sandbox::bundle::DEFAULT_HANDLER;
use std::sync::Arc;

impl State {
    /// `$LATEST`'s record, refusing a stale `RevisionId`.
    pub(crate) fn latest_record(&self, name: &str, revision_id: Option<&str>) -> Result<VersionRecord> {
        let catalog = self.registry.snapshot();
        let entry = resolve::function(&catalog, &self.config.scope, name)?;
        check_revision(revision_id, &entry.latest.record.revision_id)?;
        Ok(entry.latest.record.clone())
    }

    pub(crate) fn create_function(&self, request: CreateFunctionRequest) -> Result<FunctionConfiguration> {
        let scope = &self.config.scope;
        let limits = &self.config.limits;
        let name = FunctionRef::parse_unqualified(&request.function_name)?.name;
        if request.package_type.as_deref().is_some_and(|p| p != "Zip") {
            return Err(Error::InvalidParameter("Nimbus supports only PackageType Zip.".into()));
        }
        let runtime = validate::runtime(request.runtime.as_deref().unwrap_or(validate::DEFAULT_RUNTIME))?;
        let role = validate::role(request.role.as_deref(), limits)?;
        let handler = request.handler.clone().unwrap_or_else(|| DEFAULT_HANDLER.to_string());
        let architectures = validate::architectures(request.architectures.as_deref())?;
        let memory = request.memory_size.map(validate::memory_size).transpose()?;
        let timeout = request.timeout.map(validate::timeout).transpose()?;
        let description = request.description.as_deref().map(|d| validate::description(d, limits)).transpose()?;
        let env = request.environment.as_ref().map(|e| validate::environment(&e.variables, limits)).transpose()?;
        let catalog = self.registry.snapshot();
        if catalog.functions.contains_key(&name) {
            return Err(function_exists(&name));
        }
        let dead_letter_target = validate::dead_letter_target(request.dead_letter_config.as_ref(), &catalog)?.flatten();
        drop(catalog);
        let zip = validate::zip_file(
            request.code.zip_file.as_deref(),
            request.code.s3_bucket.as_deref(),
            request.code.image_uri.as_deref(),
        )?;
        let bundle = validate::bundle(&zip, &handler, limits)?;
        let manifest = bundle.manifest();
        validate::check_manifest(manifest, limits)?;
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
            dead_letter_target,
        };
        let prepared = warm_pool::prepare(&self.engine, &bundle, &name, LATEST, &record)?;
        self.registry.store.save_code(&record.code_digest_hex, &zip)?;

        let answer = self.change(|draft| {
            if draft.function(&name).is_some() {
                return Err(function_exists(&name));
            }
            draft.keep_code(&record.code_digest_hex, &zip)?;
            let latest = VersionEntry::new(LATEST.into(), record, Some(prepared));
            let mut entry = FunctionEntry::created(latest, draft.new_tenant());
            let answer = answer_for(&mut entry, scope, &name, request.publish);
            draft.insert(name.clone(), entry);
            Ok(answer)
        })?;
        Ok(self.finish(&name, &bundle, answer))
    }

    /// What a create or update answers, once made: the published version's
    /// configuration (the version prepared now, from the artifact cache) or
    /// `$LATEST`'s.
    fn finish(&self, name: &str, bundle: &Bundle, answer: Answer) -> FunctionConfiguration {
        match answer {
            Answer::Latest(configuration) => *configuration,
            Answer::Published(version) => {
                warm_pool::prepare_published(&self.engine, bundle, name, &version);
                version.record.configuration(&self.config.scope, name, &version.version)
            }
        }
    }

    pub(crate) fn get_function(&self, function: &str, qualifier: Option<&str>) -> Result<FunctionDetails> {
        let scope = &self.config.scope;
        let fref = FunctionRef::parse(function, qualifier)?;
        let catalog = self.registry.snapshot();
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
            concurrency: entry.reserved.map(|n| Concurrency { reserved_concurrent_executions: n }),
        })
    }

    pub(crate) fn list_functions(
        &self,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<FunctionConfiguration>> {
        let size = page_size(max_items)?;
        let catalog = self.registry.snapshot();
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
        let bundle = validate::bundle(&zip, &current.handler, &self.config.limits)?;
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
        let limits = &self.config.limits;
        let name = FunctionRef::parse_unqualified(function)?.name;
        let current = self.latest_record(&name, request.revision_id.as_deref())?;
        let mut record = current.clone();
        if let Some(runtime) = &request.runtime {
            record.runtime = validate::runtime(runtime)?;
        }
        if let Some(role) = &request.role {
            record.role = validate::role(Some(role), limits)?;
        }
        if let Some(description) = &request.description {
            record.description = validate::description(description, limits)?;
        }
        if let Some(timeout) = request.timeout {
            record.timeout = validate::timeout(timeout)?;
        }
        if let Some(memory) = request.memory_size {
            record.memory_size = validate::memory_size(memory)?;
        }
        if let Some(environment) = &request.environment {
            record.env = validate::environment(&environment.variables, limits)?;
        }
        if let Some(target) =
            validate::dead_letter_target(request.dead_letter_config.as_ref(), &self.registry.snapshot())?
        {
            record.dead_letter_target = target;
        }
        let zip = self.registry.store.read_code(&current.code_digest_hex)?;
        let handler = request.handler.clone().unwrap_or_else(|| current.handler.clone());
        let bundle = validate::bundle(&zip, &handler, limits)?;
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
        self.registry.store.save_code(&record.code_digest_hex, zip)?;
        let answer = self.change(|draft| {
            draft.keep_code(&record.code_digest_hex, zip)?;
            let entry = draft.function_mut(name).ok_or_else(|| resolve::function_not_found(scope, name, None))?;
            // Checked again by the owner: another update may have won.
            check_revision(revision_id, &entry.latest.record.revision_id)?;
            let old = std::mem::replace(&mut entry.latest, VersionEntry::new(LATEST.into(), record, Some(prepared)));
            let answer = answer_for(entry, scope, name, publish);
            draft.release_code([&old]);
            Ok(answer)
        })?;
        Ok(self.finish(name, bundle, answer))
    }

    pub(crate) fn delete_function(&self, function: &str, qualifier: Option<&str>) -> Result<()> {
        let scope = &self.config.scope;
        let fref = FunctionRef::parse(function, qualifier)?;
        let name = fref.name;
        self.change(|draft| {
            let entry = draft.function(&name).ok_or_else(|| resolve::function_not_found(scope, &name, None))?;
            match fref.qualifier.as_deref() {
                None => {
                    let removed = draft.remove(&name).expect("looked up above");
                    draft.release_code(removed.versions());
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
                    let entry = draft.function_mut(&name).expect("looked up above");
                    let removed = entry.published.remove(&number).expect("checked above");
                    entry.event_configs.remove(q);
                    draft.release_code([&removed]);
                }
                Some(_) => {
                    return Err(Error::InvalidParameter(
                        "Deletion of aliases is not supported through DeleteFunction; use DeleteAlias.".into(),
                    ));
                }
            }
            Ok(())
        })
    }
}

/// What a create or update answers with.
enum Answer {
    /// `$LATEST`'s configuration.
    Latest(Box<FunctionConfiguration>),
    /// The version it published (still to be prepared).
    Published(Arc<VersionEntry>),
}

/// Publishes `$LATEST` when asked; says what to answer.
fn answer_for(entry: &mut FunctionEntry, scope: &ArnScope, name: &str, publish: bool) -> Answer {
    if publish {
        Answer::Published(publish_into(entry, None))
    } else {
        Answer::Latest(Box::new(entry.latest.record.configuration(scope, name, LATEST)))
    }
}

/// Lambda's conflict for a name in use.
fn function_exists(name: &str) -> Error {
    Error::Conflict(format!("Function already exist: {name}"))
}

/// Publishes `$LATEST` as the next version number, unless the newest
/// published version already runs the same thing (then that one is
/// returned, as Lambda does). The new version is prepared after the change
/// (see [`warm_pool::prepare_published`]).
pub(crate) fn publish_into(entry: &mut FunctionEntry, description: Option<String>) -> Arc<VersionEntry> {
    if let Some((_, newest)) = entry.published.last_key_value()
        && newest.record.same_function_as(&entry.latest.record)
    {
        return Arc::clone(newest);
    }
    let number = entry.next_version;
    let mut record = entry.latest.record.clone();
    record.description = description.unwrap_or(record.description);
    record.last_modified = last_modified_now();
    record.revision_id = new_revision_id();
    let published = VersionEntry::new(number.to_string(), record, None);
    entry.published.insert(number, Arc::clone(&published));
    entry.next_version = number + 1;
    published
}
