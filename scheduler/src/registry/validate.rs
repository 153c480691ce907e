//! Checks on control-plane fields, with Lambda's error types and messages.

use crate::error::{Error, Result, echoed};
use crate::limits::Limits;
use base64::Engine as _;
use nimbus_sandbox::limits::{MAX_MEMORY_MB, MAX_TIMEOUT_S, MIN_MEMORY_MB, MIN_TIMEOUT_S};
use nimbus_sandbox::{Bundle, BundleError, Manifest};
use std::collections::BTreeMap;

/// The runtimes Nimbus accepts; all mean a WASI preview-1 command.
pub(crate) const RUNTIMES: [&str; 3] = ["wasi", "provided.al2023", "provided.al2"];
/// Used when CreateFunction names none.
pub(crate) const DEFAULT_RUNTIME: &str = "provided.al2023";
/// Variable names the platform sets itself: Nimbus's, and those Lambda
/// reserves (its documented list), so that a function moves between them.
const RESERVED_ENV_PREFIXES: [&str; 2] = ["NIMBUS_", "AWS_LAMBDA_"];
const RESERVED_ENV_NAMES: [&str; 11] = [
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

pub(crate) fn runtime(runtime: &str) -> Result<String> {
    if RUNTIMES.contains(&runtime) {
        return Ok(runtime.to_string());
    }
    Err(Error::InvalidParameter(format!(
        "The runtime parameter of {} is not supported by Nimbus. Supported runtimes: {}.",
        echoed(runtime),
        RUNTIMES.join(", ")
    )))
}

pub(crate) fn memory_size(memory: i64) -> Result<u32> {
    if !(i64::from(MIN_MEMORY_MB)..=i64::from(MAX_MEMORY_MB)).contains(&memory) {
        return Err(Error::range(memory, "memorySize", MIN_MEMORY_MB.into(), MAX_MEMORY_MB.into()));
    }
    Ok(memory as u32)
}

pub(crate) fn timeout(timeout: i64) -> Result<u32> {
    if !(i64::from(MIN_TIMEOUT_S)..=i64::from(MAX_TIMEOUT_S)).contains(&timeout) {
        return Err(Error::range(timeout, "timeout", MIN_TIMEOUT_S.into(), MAX_TIMEOUT_S.into()));
    }
    Ok(timeout as u32)
}

pub(crate) fn description(description: &str, limits: &Limits) -> Result<String> {
    if description.chars().count() > limits.max_description_chars {
        return Err(Error::length(description, "description", 0, limits.max_description_chars));
    }
    Ok(description.to_string())
}

pub(crate) fn environment(variables: &BTreeMap<String, String>, limits: &Limits) -> Result<BTreeMap<String, String>> {
    for key in variables.keys() {
        let mut chars = key.chars();
        let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && key.len() >= 2
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            // AWS's own wording for a map key (keys are at least two characters).
            return Err(Error::Validation(
                "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]".into(),
            ));
        }
    }
    let reserved: Vec<&str> = variables
        .keys()
        .filter(|key| {
            RESERVED_ENV_PREFIXES.iter().any(|prefix| key.starts_with(prefix))
                || RESERVED_ENV_NAMES.contains(&key.as_str())
        })
        .map(String::as_str)
        .collect();
    if !reserved.is_empty() {
        return Err(Error::InvalidParameter(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}",
            reserved.join(", ")
        )));
    }
    let size: usize = variables.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > limits.max_environment_bytes {
        return Err(Error::InvalidParameter(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the {}KB limit. String measured: {size} bytes",
            limits.max_environment_bytes / 1024
        )));
    }
    Ok(variables.clone())
}

pub(crate) fn role(role: Option<&str>, limits: &Limits) -> Result<String> {
    let role = role.ok_or_else(|| {
        Error::Validation(
            "1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null"
                .into(),
        )
    })?;
    if role.chars().count() > limits.max_role_chars {
        return Err(Error::length(role, "role", 1, limits.max_role_chars));
    }
    crate::names::validate_role(role)?;
    Ok(role.to_string())
}

/// Checks what a bundle's `nimbus.toml` sets that the API also sets (the
/// description and the environment) exactly as the API's values, with the
/// same messages: the manifest is another way in, not a way around them.
pub fn check_manifest(manifest: &Manifest, limits: &Limits) -> Result<()> {
    if let Some(description) = &manifest.description {
        self::description(description, limits)?;
    }
    environment(&manifest.env, limits)?;
    Ok(())
}

/// The zip from `ZipFile` (base64), refusing the code sources Nimbus lacks.
pub(crate) fn zip_file(zip_file: Option<&str>, s3_bucket: Option<&str>, image_uri: Option<&str>) -> Result<Vec<u8>> {
    if s3_bucket.is_some() || image_uri.is_some() {
        return Err(Error::InvalidParameter(
            "Nimbus accepts code only as a zip file (Code.ZipFile); S3 and container images are not supported.".into(),
        ));
    }
    let encoded =
        zip_file.ok_or_else(|| Error::InvalidParameter("Please provide a source for function code.".into()))?;
    base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|e| Error::InvalidParameter(format!("{UNZIP_PREFIX} ZipFile is not valid base64: {e}")))
}

/// Lambda's message for an unreadable zip.
pub(crate) const UNZIP_PREFIX: &str =
    "Could not unzip uploaded file. Please check your file, then try to upload again.";

/// Parses a zip as a bundle, mapping the sandbox's reasons to Lambda's errors.
pub(crate) fn bundle(zip: &[u8], handler: &str, limits: &Limits) -> Result<Bundle> {
    Bundle::parse(zip, handler, &limits.bundle).map_err(|error| match error {
        BundleError::ZipTooLarge { .. } => Error::RequestTooLarge(format!("{UNZIP_PREFIX} {error}")),
        BundleError::MissingModule { .. }
        | BundleError::InvalidModule { .. }
        | BundleError::MissingStart { .. }
        | BundleError::BadStartSignature { .. }
        | BundleError::ForbiddenImport { .. } => Error::InvalidParameter(error.to_string()),
        // Lambda's message alone; what the zip reader said is for the log.
        BundleError::NotAZip { .. } => {
            tracing::warn!(%error, "refused an upload that is not a zip");
            Error::InvalidParameter(UNZIP_PREFIX.into())
        }
        _ => Error::InvalidParameter(format!("{UNZIP_PREFIX} {error}")),
    })
}

pub(crate) fn architectures(architectures: Option<&[String]>) -> Result<Vec<String>> {
    match architectures {
        None => Ok(vec!["x86_64".into()]),
        Some([one]) if one == "x86_64" || one == "arm64" => Ok(vec![one.clone()]),
        Some(other) => Err(Error::Validation(format!(
            "1 validation error detected: Value '{}' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1, and each member must be x86_64 or arm64",
            echoed(&format!("{other:?}"))
        ))),
    }
}

/// `DeadLetterConfig.TargetArn`: `None` when not given, `Some(None)` to
/// remove it (an empty ARN), else a Nimbus function's ARN that exists.
pub(crate) fn dead_letter_target(
    config: Option<&crate::model::DeadLetterConfig>,
    catalog: &crate::registry::catalog::Catalog,
) -> Result<Option<Option<String>>> {
    let Some(config) = config else { return Ok(None) };
    let Some(arn) = config.target_arn.as_deref().filter(|arn| !arn.is_empty()) else { return Ok(Some(None)) };
    if !arn.starts_with("arn:") || !arn.contains(":lambda:") {
        return Err(Error::InvalidParameter(format!(
            "The DeadLetterConfig target {arn} is not a function ARN: Nimbus sends failed events to a function (it has no SQS queues or SNS topics)."
        )));
    }
    let name = crate::names::FunctionRef::parse(arn, None)?.name;
    if !catalog.functions.contains_key(&name) {
        return Err(Error::InvalidParameter(format!("The DeadLetterConfig target function {arn} does not exist.")));
    }
    Ok(Some(Some(arn.to_string())))
}
