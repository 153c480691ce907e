//! PublishVersion and ListVersionsByFunction.

use super::catalog::VersionEntry;
use super::functions::publish_into;
use super::{check_revision, page_size, validate};
use crate::error::{Error, Result};
use crate::invocation::{resolve, warm_pool};
use crate::model::*;
use crate::names::{FunctionRef, LATEST};
use crate::state::State;
use std::sync::Arc;

impl State {
    pub(crate) fn publish_version(
        &self,
        function: &str,
        request: PublishVersionRequest,
    ) -> Result<FunctionConfiguration> {
        let scope = &self.config.scope;
        let name = FunctionRef::parse_unqualified(function)?.name;
        let description =
            request.description.as_deref().map(|d| validate::description(d, &self.config.limits)).transpose()?;
        let latest = self.latest_record(&name, request.revision_id.as_deref())?;
        if let Some(sha) = request.code_sha256.as_deref()
            && sha != latest.code_sha256
        {
            return Err(Error::InvalidParameter(format!(
                "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again.",
                latest.code_sha256
            )));
        }
        let version = self.change(|draft| {
            let entry = draft.function_mut(&name).ok_or_else(|| resolve::function_not_found(scope, &name, None))?;
            check_revision(request.revision_id.as_deref(), &entry.latest.record.revision_id)?;
            Ok(publish_into(entry, description))
        })?;
        // Prepared after the change, outside the owner: from the artifact
        // cache $LATEST's preparation filled, and the extracted bundle.
        warm_pool::prepare_again(self, &name, &version)?;
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
        let catalog = self.registry.snapshot();
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
