//! CreateAlias, GetAlias, UpdateAlias, DeleteAlias and ListAliases.

use super::catalog::{AliasRecord, FunctionEntry, new_revision_id};
use super::{check_revision, page_size, validate};
use crate::error::{Error, Result};
use crate::invocation::resolve;
use crate::model::*;
use crate::names::{ArnScope, FunctionRef, LATEST, is_version, parse_alias_name};
use crate::state::State;
use std::collections::BTreeMap;

/// Checks a version an alias points to and its additional weights.
fn check_routing(
    entry: &FunctionEntry,
    scope: &ArnScope,
    name: &str,
    version: &str,
    weights: &BTreeMap<String, f64>,
) -> Result<()> {
    if !is_version(version) || entry.version(version).is_none() {
        return Err(resolve::function_not_found(scope, name, Some(version)));
    }
    if weights.is_empty() {
        return Ok(());
    }
    if weights.len() > 1 {
        return Err(Error::InvalidParameter(
            "Alias routing configuration supports only one additional version.".into(),
        ));
    }
    if version == LATEST {
        return Err(Error::InvalidParameter(
            "$LATEST is not supported for an alias pointing to more than 1 version".into(),
        ));
    }
    for (extra, weight) in weights {
        if !(0.0..=1.0).contains(weight) || weight.is_nan() {
            return Err(Error::Validation(format!(
                "1 validation error detected: Value '{weight}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]"
            )));
        }
        if extra == version {
            return Err(Error::InvalidParameter(format!(
                "Invalid function version {extra}. Function version {extra} is already included in routing configuration."
            )));
        }
        if extra == LATEST || !is_version(extra) || entry.version(extra).is_none() {
            return Err(resolve::function_not_found(scope, name, Some(extra)));
        }
    }
    Ok(())
}

/// Lambda's answer for an alias the function does not have.
fn alias_not_found(scope: &ArnScope, name: &str, alias: &str) -> Error {
    Error::NotFound(format!("Alias not found: {}", scope.qualified_arn(name, alias)))
}

impl State {
    pub(crate) fn create_alias(&self, function: &str, request: CreateAliasRequest) -> Result<AliasConfiguration> {
        let scope = &self.config.scope;
        let name = FunctionRef::parse_unqualified(function)?.name;
        let alias = parse_alias_name(&request.name)?;
        let description = validate::description(request.description.as_deref().unwrap_or(""), &self.config.limits)?;
        let weights = request.routing_config.map(|r| r.additional_version_weights).unwrap_or_default();
        self.change(|draft| {
            // Lambda names the version the alias was to point to.
            let missing = || resolve::function_not_found(scope, &name, Some(&request.function_version));
            let entry = draft.function_mut(&name).ok_or_else(missing)?;
            if entry.aliases.contains_key(&alias) {
                return Err(Error::Conflict(format!("Alias already exists: {}", scope.qualified_arn(&name, &alias))));
            }
            check_routing(entry, scope, &name, &request.function_version, &weights)?;
            let record = AliasRecord {
                function_version: request.function_version,
                description,
                weights,
                revision_id: new_revision_id(),
            };
            let answer = record.configuration(scope, &name, &alias);
            entry.aliases.insert(alias, record);
            Ok(answer)
        })
    }

    pub(crate) fn get_alias(&self, function: &str, alias: &str) -> Result<AliasConfiguration> {
        let scope = &self.config.scope;
        let name = FunctionRef::parse_unqualified(function)?.name;
        let alias = parse_alias_name(alias)?;
        let catalog = self.registry.snapshot();
        let entry = resolve::function(&catalog, scope, &name)?;
        let record = entry.aliases.get(&alias).ok_or_else(|| alias_not_found(scope, &name, &alias))?;
        Ok(record.configuration(scope, &name, &alias))
    }

    pub(crate) fn update_alias(
        &self,
        function: &str,
        alias: &str,
        request: UpdateAliasRequest,
    ) -> Result<AliasConfiguration> {
        let scope = &self.config.scope;
        let name = FunctionRef::parse_unqualified(function)?.name;
        let alias = parse_alias_name(alias)?;
        let description =
            request.description.as_deref().map(|d| validate::description(d, &self.config.limits)).transpose()?;
        self.change(|draft| {
            let entry = draft.function_mut(&name).ok_or_else(|| resolve::function_not_found(scope, &name, None))?;
            let current = entry.aliases.get(&alias).ok_or_else(|| alias_not_found(scope, &name, &alias))?;
            check_revision(request.revision_id.as_deref(), &current.revision_id)?;
            let mut record = current.clone();
            if let Some(version) = request.function_version {
                record.function_version = version;
            }
            if let Some(description) = description {
                record.description = description;
            }
            if let Some(routing) = request.routing_config {
                record.weights = routing.additional_version_weights;
            }
            check_routing(entry, scope, &name, &record.function_version, &record.weights)?;
            record.revision_id = new_revision_id();
            let answer = record.configuration(scope, &name, &alias);
            entry.aliases.insert(alias, record);
            Ok(answer)
        })
    }

    pub(crate) fn delete_alias(&self, function: &str, alias: &str) -> Result<()> {
        let scope = &self.config.scope;
        let name = FunctionRef::parse_unqualified(function)?.name;
        let alias = parse_alias_name(alias)?;
        self.change(|draft| {
            let entry = draft.function(&name).ok_or_else(|| resolve::function_not_found(scope, &name, None))?;
            if entry.aliases.contains_key(&alias) {
                let entry = draft.function_mut(&name).expect("looked up above");
                entry.aliases.remove(&alias);
                entry.event_configs.remove(&alias);
            }
            Ok(())
        })
    }

    pub(crate) fn list_aliases(
        &self,
        function: &str,
        function_version: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<AliasConfiguration>> {
        let scope = &self.config.scope;
        let size = page_size(max_items)?;
        let name = FunctionRef::parse_unqualified(function)?.name;
        let catalog = self.registry.snapshot();
        let entry = resolve::function(&catalog, scope, &name)?;
        let mut matching = entry
            .aliases
            .iter()
            .filter(|(alias, _)| marker.is_none_or(|m| alias.as_str() > m))
            .filter(|(_, record)| function_version.is_none_or(|v| record.function_version == v));
        let items: Vec<AliasConfiguration> =
            matching.by_ref().take(size).map(|(alias, r)| r.configuration(scope, &name, alias)).collect();
        let next_marker = matching.next().and(items.last().map(|a| a.name.clone()));
        Ok(Page { items, next_marker })
    }
}
