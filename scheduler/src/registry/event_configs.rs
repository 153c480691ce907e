//! Put, Get, Update, Delete and ListFunctionEventInvokeConfig(s): how a
//! function's (or one of its versions' or aliases') asynchronous
//! invocations are retried and where their records go.

use super::catalog::{EventConfigRecord, FunctionEntry, now_ms};
use super::page_size;
use crate::error::{Error, Result};
use crate::model::{Destination, DestinationConfig, EventInvokeConfigRequest, FunctionEventInvokeConfig, Page};
use crate::names::{ArnScope, FunctionRef, LATEST, is_version};
use crate::registry::catalog::Catalog;
use crate::state::State;

/// Lambda's range for `MaximumRetryAttempts`.
const RETRY_ATTEMPTS: (i64, i64) = (0, 2);
/// Lambda's range for `MaximumEventAgeInSeconds`.
const EVENT_AGE_SECONDS: (i64, i64) = (60, 21_600);

/// The function a config call names and the qualifier it is for
/// (`$LATEST` when none).
fn target(function: &str, qualifier: Option<&str>) -> Result<(String, String)> {
    let fref = FunctionRef::parse(function, qualifier)?;
    Ok((fref.name, fref.qualifier.unwrap_or_else(|| LATEST.to_string())))
}

/// Lambda's 404 when the function (or the qualifier) does not exist.
fn no_function() -> Error {
    Error::NotFound("The function doesn't exist.".into())
}

/// Lambda's 404 when the qualifier has no configuration.
fn no_config(scope: &ArnScope, name: &str, qualifier: &str) -> Error {
    Error::NotFound(format!("The function {} doesn't have an EventInvokeConfig", scope.qualified_arn(name, qualifier)))
}

/// Whether `qualifier` names something the function has.
fn has_qualifier(entry: &FunctionEntry, qualifier: &str) -> bool {
    if is_version(qualifier) { entry.version(qualifier).is_some() } else { entry.aliases.contains_key(qualifier) }
}

/// The answer's shape for a stored config.
fn configuration(
    scope: &ArnScope,
    name: &str,
    qualifier: &str,
    record: &EventConfigRecord,
) -> FunctionEventInvokeConfig {
    FunctionEventInvokeConfig {
        last_modified: record.last_modified_ms as f64 / 1000.0,
        function_arn: scope.qualified_arn(name, qualifier),
        maximum_retry_attempts: record.maximum_retry_attempts,
        maximum_event_age_in_seconds: record.maximum_event_age_in_seconds,
        destination_config: DestinationConfig {
            on_success: Destination { destination: record.on_success.clone() },
            on_failure: Destination { destination: record.on_failure.clone() },
        },
    }
}

/// Checks a destination ARN: a Nimbus function's (qualified or not) that
/// exists and is not the function itself. Lambda also takes SQS, SNS,
/// EventBridge and S3 targets; Nimbus has none of those yet.
fn destination(catalog: &Catalog, name: &str, arn: Option<&str>) -> Result<Option<String>> {
    let Some(arn) = arn.filter(|arn| !arn.is_empty()) else { return Ok(None) };
    let invalid = || Error::InvalidParameter(format!("The destination ARN {arn} is invalid."));
    if !arn.starts_with("arn:") || !arn.contains(":lambda:") {
        return Err(invalid());
    }
    let fref = FunctionRef::parse(arn, None).map_err(|_| invalid())?;
    if fref.name == name {
        return Err(Error::InvalidParameter("You can't specify the function as a destination for itself.".into()));
    }
    let entry = catalog.functions.get(&fref.name).ok_or_else(invalid)?;
    if let Some(qualifier) = fref.qualifier.as_deref()
        && !has_qualifier(entry, qualifier)
    {
        return Err(invalid());
    }
    Ok(Some(arn.to_string()))
}

/// Checks the request's numbers against Lambda's ranges.
fn limits(request: &EventInvokeConfigRequest) -> Result<(Option<u32>, Option<u32>)> {
    let check = |value: Option<i64>, field: &str, (min, max): (i64, i64)| -> Result<Option<u32>> {
        match value {
            None => Ok(None),
            Some(n) if (min..=max).contains(&n) => Ok(Some(n as u32)),
            Some(n) => Err(Error::range(n, field, min, max)),
        }
    };
    Ok((
        check(request.maximum_retry_attempts, "maximumRetryAttempts", RETRY_ATTEMPTS)?,
        check(request.maximum_event_age_in_seconds, "maximumEventAgeInSeconds", EVENT_AGE_SECONDS)?,
    ))
}

impl State {
    pub(crate) fn put_event_invoke_config(
        &self,
        function: &str,
        qualifier: Option<&str>,
        request: EventInvokeConfigRequest,
        merge: bool,
    ) -> Result<FunctionEventInvokeConfig> {
        let scope = &self.config.scope;
        let (name, qualifier) = target(function, qualifier)?;
        let (retries, age) = limits(&request)?;
        self.change(|draft| {
            let entry = draft.function(&name).ok_or_else(no_function)?;
            if !has_qualifier(entry, &qualifier) {
                return Err(no_function());
            }
            let current = entry.event_configs.get(&qualifier).cloned();
            if merge && current.is_none() {
                return Err(no_config(scope, &name, &qualifier));
            }
            let destinations = request.destination_config.as_ref();
            let on_success = destinations.map(|d| d.on_success.destination.as_deref());
            let on_failure = destinations.map(|d| d.on_failure.destination.as_deref());
            let record = EventConfigRecord {
                maximum_retry_attempts: retries
                    .or(current.as_ref().filter(|_| merge).and_then(|c| c.maximum_retry_attempts)),
                maximum_event_age_in_seconds: age
                    .or(current.as_ref().filter(|_| merge).and_then(|c| c.maximum_event_age_in_seconds)),
                on_success: match on_success {
                    Some(arn) => destination(draft.catalog(), &name, arn)?,
                    None if merge => current.as_ref().and_then(|c| c.on_success.clone()),
                    None => None,
                },
                on_failure: match on_failure {
                    Some(arn) => destination(draft.catalog(), &name, arn)?,
                    None if merge => current.as_ref().and_then(|c| c.on_failure.clone()),
                    None => None,
                },
                last_modified_ms: now_ms() as i64,
            };
            if !merge
                && record.maximum_retry_attempts.is_none()
                && record.maximum_event_age_in_seconds.is_none()
                && record.on_success.is_none()
                && record.on_failure.is_none()
            {
                return Err(Error::InvalidParameter(
                    "You must specify at least one of error handling or destination setting.".into(),
                ));
            }
            let answer = configuration(scope, &name, &qualifier, &record);
            draft.function_mut(&name).expect("looked up above").event_configs.insert(qualifier.clone(), record);
            Ok(answer)
        })
    }

    pub(crate) fn get_event_invoke_config(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<FunctionEventInvokeConfig> {
        let scope = &self.config.scope;
        let (name, qualifier) = target(function, qualifier)?;
        let catalog = self.registry.snapshot();
        let record = catalog
            .functions
            .get(&name)
            .and_then(|entry| entry.event_configs.get(&qualifier))
            .ok_or_else(|| no_config(scope, &name, &qualifier))?;
        Ok(configuration(scope, &name, &qualifier, record))
    }

    pub(crate) fn delete_event_invoke_config(&self, function: &str, qualifier: Option<&str>) -> Result<()> {
        let scope = &self.config.scope;
        let (name, qualifier) = target(function, qualifier)?;
        self.change(|draft| {
            let missing = || no_config(scope, &name, &qualifier);
            let entry = draft.function(&name).ok_or_else(missing)?;
            if !entry.event_configs.contains_key(&qualifier) {
                return Err(missing());
            }
            draft.function_mut(&name).expect("looked up above").event_configs.remove(&qualifier);
            Ok(())
        })
    }

    pub(crate) fn list_event_invoke_configs(
        &self,
        function: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<FunctionEventInvokeConfig>> {
        let scope = &self.config.scope;
        let size = page_size(max_items)?;
        let name = FunctionRef::parse_unqualified(function)?.name;
        let catalog = self.registry.snapshot();
        let entry = catalog.functions.get(&name).ok_or_else(no_function)?;
        let mut configs =
            entry.event_configs.iter().filter(|(qualifier, _)| marker.is_none_or(|m| qualifier.as_str() > m));
        let items: Vec<FunctionEventInvokeConfig> = configs
            .by_ref()
            .take(size)
            .map(|(qualifier, record)| configuration(scope, &name, qualifier, record))
            .collect();
        let next_marker = configs
            .next()
            .and(items.last())
            .map(|last| last.function_arn.rsplit(':').next().unwrap_or_default().to_string());
        Ok(Page { items, next_marker })
    }
}
