//! PublishVersion and ListVersionsByFunction.

use crate::catalog::{FunctionEntry, VersionEntry, last_modified_now, new_revision_id};
use crate::control_functions::{check_revision, page_size};
use crate::error::{Error, Result};
use crate::model::*;
use crate::names::{FunctionRef, LATEST};
use crate::resolve;
use crate::state::State;
use crate::validate;
use crate::warm_pool;
use nimbus_sandbox::Bundle;
use std::sync::Arc;

impl State {
    /// Publishes `$LATEST` as the next version number, unless the newest
    /// published version already runs the same thing (then that one is
    /// returned, as Lambda does).
    pub(crate) fn publish_into(
        &self,
        name: &str,
        entry: &mut FunctionEntry,
        bundle: &Bundle,
        description: Option<String>,
    ) -> Result<Arc<VersionEntry>> {
        if let Some((_, newest)) = entry.published.last_key_value()
            && newest.record.same_function_as(&entry.latest.record)
        {
            return Ok(Arc::clone(newest));
        }
        let number = entry.next_version;
        let mut record = entry.latest.record.clone();
        record.description = description.unwrap_or(record.description);
        record.last_modified = last_modified_now();
        record.revision_id = new_revision_id();
        let version = number.to_string();
        let prepared = warm_pool::prepare(&self.engine, bundle, name, &version, &record)?;
        let published = VersionEntry::new(version, record, Some(prepared));
        entry.published.insert(number, Arc::clone(&published));
        entry.next_version = number + 1;
        Ok(published)
    }

    pub(crate) fn publish_version(
        &self,
        function: &str,
        request: PublishVersionRequest,
    ) -> Result<FunctionConfiguration> {
        let scope = &self.config.scope;
        let name = FunctionRef::parse_unqualified(function)?.name;
        let description = request.description.as_deref().map(validate::description).transpose()?;
        let latest = self.latest_record(&name, request.revision_id.as_deref())?;
        if let Some(sha) = request.code_sha256.as_deref()
            && sha != latest.code_sha256
        {
            return Err(Error::InvalidParameter(format!(
                "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again.",
                latest.code_sha256
            )));
        }
        let zip = self.store.read_code(&latest.code_digest_hex)?;
        let bundle = validate::bundle(&zip, &latest.handler)?;
        let mut catalog = self.write();
        let entry = resolve::function_mut(&mut catalog, scope, &name)?;
        check_revision(request.revision_id.as_deref(), &entry.latest.record.revision_id)?;
        let version = self.publish_into(&name, entry, &bundle, description)?;
        self.persist(&name, entry)?;
        Ok(version.record.configuration(scope, &name, &version.version))
    }

    pub(crate) fn list_versions(
        &self,
        function: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<FunctionConfiguration>> {
        let scope = &self.config.scope;
        let size = page_size(max_items)?;
        let name = FunctionRef::parse_unqualified(function)?.name;
        let catalog = self.read();
        let entry = resolve::function(&catalog, scope, &name)?;
        let all: Vec<&Arc<VersionEntry>> = std::iter::once(&entry.latest).chain(entry.published.values()).collect();
        let start = match marker {
            None => 0,
            Some(m) => all.iter().position(|v| v.version == m).map_or(all.len(), |i| i + 1),
        };
        let page = &all[start.min(all.len())..];
        let items: Vec<FunctionConfiguration> = page
            .iter()
            .take(size)
            .map(|v| {
                let mut configuration = v.record.configuration(scope, &name, &v.version);
                if v.version == LATEST {
                    configuration.function_arn = scope.qualified_arn(&name, LATEST);
                }
                configuration
            })
            .collect();
        let next_marker = (page.len() > size).then(|| items.last().map(|c| c.version.clone())).flatten();
        Ok(Page { items, next_marker })
    }
}
