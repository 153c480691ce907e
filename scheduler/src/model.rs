//! Lambda's data model, with Lambda's JSON field names, so that the gateway
//! can (de)serialize requests and responses without a mapping layer.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use crate::events::model::{
    DeadLetterConfig, DeadLetterDetails, DeadLetterPage, DeadLetterSummary, Destination, DestinationConfig,
    EventInvokeConfigRequest, FunctionEventInvokeConfig,
};

/// `Environment` in requests and responses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Environment {
    /// The function's own variables.
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
}

/// `TracingConfig` (always `PassThrough` here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TracingConfig {
    /// `PassThrough`.
    pub mode: String,
}

/// `EphemeralStorage` (always 512 MB here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EphemeralStorage {
    /// In MB.
    pub size: u32,
}

/// A function version's configuration, as Lambda returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionConfiguration {
    /// The name.
    pub function_name: String,
    /// The ARN (qualified for published versions).
    pub function_arn: String,
    /// `wasi`, `provided.al2023` or `provided.al2`.
    pub runtime: String,
    /// The IAM role ARN given at creation (stored, not enforced).
    pub role: String,
    /// The module's path in the bundle.
    pub handler: String,
    /// Size of the zip in bytes.
    pub code_size: u64,
    /// Base64 SHA-256 of the zip.
    pub code_sha256: String,
    /// Free text.
    pub description: String,
    /// Seconds.
    pub timeout: u32,
    /// MB.
    pub memory_size: u32,
    /// e.g. `2026-11-28T10:00:00.000+0000`.
    pub last_modified: String,
    /// `$LATEST` or a number.
    pub version: String,
    /// The function's own variables.
    pub environment: Environment,
    /// `Active`.
    pub state: String,
    /// `Successful`.
    pub last_update_status: String,
    /// Changes on every update.
    pub revision_id: String,
    /// `Zip`.
    pub package_type: String,
    /// `["x86_64"]`.
    pub architectures: Vec<String>,
    /// `{"Size": 512}`.
    pub ephemeral_storage: EphemeralStorage,
    /// `{"Mode": "PassThrough"}`.
    pub tracing_config: TracingConfig,
    /// Where failed asynchronous invocations' events go, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter_config: Option<DeadLetterConfig>,
}

/// Where GetFunction says the code is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionCodeLocation {
    /// `S3`, as Lambda says.
    pub repository_type: String,
    /// A URL the zip can be downloaded from.
    pub location: String,
}

/// `Concurrency` in GetFunction and the concurrency calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Concurrency {
    /// The reserved concurrency.
    pub reserved_concurrent_executions: u32,
}

/// `RoutingConfig` of a weighted alias.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasRoutingConfiguration {
    /// Version → share of traffic (0.0–1.0) taken from the alias's version.
    #[serde(default)]
    pub additional_version_weights: BTreeMap<String, f64>,
}

/// An alias, as Lambda returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasConfiguration {
    /// `arn:…:function:NAME:ALIAS`.
    pub alias_arn: String,
    /// The alias's name.
    pub name: String,
    /// The version it points to.
    pub function_version: String,
    /// Free text.
    pub description: String,
    /// Weighted routing, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_config: Option<AliasRoutingConfiguration>,
    /// Changes on every update.
    pub revision_id: String,
}

/// `Code` of CreateFunction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionCode {
    /// The zip, base64.
    pub zip_file: Option<String>,
    /// Not supported here (no S3): refused with a clear error.
    #[serde(rename = "S3Bucket")]
    pub s3_bucket: Option<String>,
    /// Not supported here (no container images).
    pub image_uri: Option<String>,
}

/// CreateFunction's body.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateFunctionRequest {
    /// Name or ARN.
    pub function_name: String,
    /// `wasi`, `provided.al2023` or `provided.al2` (default `provided.al2023`).
    pub runtime: Option<String>,
    /// IAM role ARN.
    pub role: Option<String>,
    /// Module path in the zip (default `function.wasm`).
    pub handler: Option<String>,
    /// The code.
    #[serde(default)]
    pub code: FunctionCode,
    /// Free text.
    pub description: Option<String>,
    /// Seconds (default 3).
    pub timeout: Option<i64>,
    /// MB (default 128).
    pub memory_size: Option<i64>,
    /// Variables.
    pub environment: Option<Environment>,
    /// Publish version 1 at once.
    #[serde(default)]
    pub publish: bool,
    /// `Zip` only.
    pub package_type: Option<String>,
    /// `x86_64` or `arm64` (recorded; wasm runs on either).
    pub architectures: Option<Vec<String>>,
    /// The function that gets failed asynchronous invocations' events.
    pub dead_letter_config: Option<DeadLetterConfig>,
}

/// UpdateFunctionCode's body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateFunctionCodeRequest {
    /// The zip, base64.
    pub zip_file: Option<String>,
    /// Not supported here.
    #[serde(rename = "S3Bucket")]
    pub s3_bucket: Option<String>,
    /// Not supported here.
    pub image_uri: Option<String>,
    /// Publish a version after updating.
    #[serde(default)]
    pub publish: bool,
    /// Validate only.
    #[serde(default)]
    pub dry_run: bool,
    /// Precondition.
    pub revision_id: Option<String>,
    /// Recorded.
    pub architectures: Option<Vec<String>>,
}

/// UpdateFunctionConfiguration's body.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateFunctionConfigurationRequest {
    /// New role.
    pub role: Option<String>,
    /// New handler (module path).
    pub handler: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New timeout, seconds.
    pub timeout: Option<i64>,
    /// New memory size, MB.
    pub memory_size: Option<i64>,
    /// New variables (replace all).
    pub environment: Option<Environment>,
    /// New runtime.
    pub runtime: Option<String>,
    /// New dead-letter target (an empty `TargetArn` removes it).
    pub dead_letter_config: Option<DeadLetterConfig>,
    /// Precondition.
    pub revision_id: Option<String>,
}

/// PublishVersion's body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublishVersionRequest {
    /// Must equal $LATEST's when given.
    pub code_sha256: Option<String>,
    /// The version's description.
    pub description: Option<String>,
    /// Precondition on $LATEST.
    pub revision_id: Option<String>,
}

/// CreateAlias's body.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAliasRequest {
    /// The alias's name.
    pub name: String,
    /// The version it points to.
    pub function_version: String,
    /// Free text.
    pub description: Option<String>,
    /// Weighted routing.
    pub routing_config: Option<AliasRoutingConfiguration>,
}

/// UpdateAlias's body.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateAliasRequest {
    /// New version.
    pub function_version: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New routing (an empty map removes it).
    pub routing_config: Option<AliasRoutingConfiguration>,
    /// Precondition.
    pub revision_id: Option<String>,
}

/// GetAccountSettings's `AccountLimit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountLimit {
    /// Bytes of code the account may store.
    pub total_code_size: u64,
    /// Largest unzipped bundle.
    pub code_size_unzipped: u64,
    /// Largest zip.
    pub code_size_zipped: u64,
    /// The account's concurrency limit.
    pub concurrent_executions: u32,
    /// What no function has reserved.
    pub unreserved_concurrent_executions: u32,
}

/// GetAccountSettings's `AccountUsage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountUsage {
    /// Bytes of code stored.
    pub total_code_size: u64,
    /// Number of functions.
    pub function_count: u64,
}

/// GetAccountSettings's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountSettings {
    /// Limits.
    pub account_limit: AccountLimit,
    /// Usage.
    pub account_usage: AccountUsage,
}

/// A page of a list call.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// The marker for the next page, if there is one.
    pub next_marker: Option<String>,
}
