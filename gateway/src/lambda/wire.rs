//! Lambda's JSON shapes that are the gateway's own: list pages, GetFunction's
//! answer, the concurrency body and the query strings.

use nimbus_scheduler::model::{
    Concurrency, FunctionCodeLocation, FunctionConfiguration, FunctionEventInvokeConfig, Page,
};
use serde::{Deserialize, Serialize};

/// `?Qualifier=`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct QualifierQuery {
    /// A version or alias.
    #[serde(rename = "Qualifier")]
    pub qualifier: Option<String>,
}

/// `?Marker=&MaxItems=` (and ListAliases' `FunctionVersion=`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    /// Where the previous page ended.
    #[serde(rename = "Marker")]
    pub marker: Option<String>,
    /// The page size.
    #[serde(rename = "MaxItems")]
    pub max_items: Option<i64>,
    /// ListAliases only: aliases of this version.
    #[serde(rename = "FunctionVersion")]
    pub function_version: Option<String>,
}

/// ListFunctions' answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct FunctionList<T> {
    /// The page.
    pub functions: Vec<T>,
    /// The next page's marker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

/// ListVersionsByFunction's answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct VersionList<T> {
    /// The page.
    pub versions: Vec<T>,
    /// The next page's marker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

/// ListAliases' answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AliasList<T> {
    /// The page.
    pub aliases: Vec<T>,
    /// The next page's marker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

impl<T> From<Page<T>> for FunctionList<T> {
    fn from(page: Page<T>) -> Self {
        Self { functions: page.items, next_marker: page.next_marker }
    }
}

impl<T> From<Page<T>> for VersionList<T> {
    fn from(page: Page<T>) -> Self {
        Self { versions: page.items, next_marker: page.next_marker }
    }
}

impl<T> From<Page<T>> for AliasList<T> {
    fn from(page: Page<T>) -> Self {
        Self { aliases: page.items, next_marker: page.next_marker }
    }
}

/// ListFunctionEventInvokeConfigs' answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct EventInvokeConfigList {
    /// The page.
    pub function_event_invoke_configs: Vec<FunctionEventInvokeConfig>,
    /// The next page's marker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

impl From<Page<FunctionEventInvokeConfig>> for EventInvokeConfigList {
    fn from(page: Page<FunctionEventInvokeConfig>) -> Self {
        Self { function_event_invoke_configs: page.items, next_marker: page.next_marker }
    }
}

/// GetFunction's answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct GetFunctionOutput {
    /// The version's configuration.
    pub configuration: FunctionConfiguration,
    /// Where to download the zip.
    pub code: FunctionCodeLocation,
    /// The reserved concurrency, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<Concurrency>,
}

/// PutFunctionConcurrency's body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PutConcurrencyInput {
    /// The concurrency to reserve.
    pub reserved_concurrent_executions: i64,
}

/// The concurrency calls' answer: `{}` when nothing is reserved.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ConcurrencyOutput {
    /// The reserved concurrency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved_concurrent_executions: Option<u32>,
}

impl From<Option<Concurrency>> for ConcurrencyOutput {
    fn from(concurrency: Option<Concurrency>) -> Self {
        Self { reserved_concurrent_executions: concurrency.map(|c| c.reserved_concurrent_executions) }
    }
}
