//! `nimbus.toml`, the optional manifest inside a bundle: what the function's
//! author asks for (memory, timeout, environment, description).
//!
//! Unknown keys are an error rather than ignored, so that a typo such as
//! `timout_s` is reported instead of silently falling back to the default.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::limits::{MAX_MEMORY_MB, MAX_TIMEOUT_S, MIN_MEMORY_MB, MIN_TIMEOUT_S};

/// The manifest of a bundle, as written by the function's author.
///
/// ```
/// use nimbus_sandbox::Manifest;
///
/// let manifest = Manifest::parse("memory_mb = 256\n[env]\nGREETING = \"hi\"\n").unwrap();
/// assert_eq!(manifest.memory_mb, Some(256));
/// assert_eq!(manifest.env["GREETING"], "hi");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Memory size in MB, within `MIN_MEMORY_MB..=MAX_MEMORY_MB`.
    pub memory_mb: Option<u32>,
    /// Timeout in seconds, within `MIN_TIMEOUT_S..=MAX_TIMEOUT_S`.
    pub timeout_s: Option<u32>,
    /// Free text shown by the control plane.
    pub description: Option<String>,
    /// Environment variables given to every invocation.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// Why a manifest was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// Not valid TOML, a key we do not know, or a value of the wrong type.
    #[error("{0}")]
    Syntax(String),
    /// A number outside the range Lambda accepts.
    #[error("{field} = {value} is out of range {min}..={max}")]
    OutOfRange {
        /// The manifest key.
        field: &'static str,
        /// The value written.
        value: u32,
        /// Smallest accepted value.
        min: u32,
        /// Largest accepted value.
        max: u32,
    },
    /// An environment variable name that cannot be passed to a process.
    #[error("environment variable name '{}' is empty or contains '=' or NUL", .0.escape_debug())]
    BadEnvKey(String),
}

impl Manifest {
    /// Parses and validates the text of a `nimbus.toml`.
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        let manifest: Manifest = toml::from_str(text).map_err(|err| ManifestError::Syntax(one_line(text, &err)))?;
        manifest.validate()?;
        Ok(manifest)
    }

    fn validate(&self) -> Result<(), ManifestError> {
        check_range("memory_mb", self.memory_mb, MIN_MEMORY_MB, MAX_MEMORY_MB)?;
        check_range("timeout_s", self.timeout_s, MIN_TIMEOUT_S, MAX_TIMEOUT_S)?;
        // The WASI environment is a list of `KEY=VALUE` C strings: these
        // characters would change which variable the guest sees.
        if let Some(key) = self.env.keys().find(|key| key.is_empty() || key.contains(['=', '\0'])) {
            return Err(ManifestError::BadEnvKey(key.clone()));
        }
        Ok(())
    }
}

fn check_range(field: &'static str, value: Option<u32>, min: u32, max: u32) -> Result<(), ManifestError> {
    match value {
        Some(value) if !(min..=max).contains(&value) => Err(ManifestError::OutOfRange { field, value, min, max }),
        _ => Ok(()),
    }
}

/// toml's `Display` draws the offending line with a caret over several lines;
/// our errors are one line, so keep its message and say where instead.
fn one_line(text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim().replace('\n', " ");
    match err.span() {
        Some(span) => {
            let line = text.get(..span.start).map_or(1, |before| before.matches('\n').count() + 1);
            format!("line {line}: {message}")
        }
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_text_is_the_default() {
        assert_eq!(Manifest::parse("").unwrap(), Manifest::default());
    }

    #[test]
    fn unknown_key_is_named_on_one_line() {
        let err = Manifest::parse("memory_mb = 256\ntimout_s = 3\n").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("timout_s"), "{message}");
        assert!(message.starts_with("line 2:"), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }

    #[test]
    fn ranges_are_inclusive() {
        assert!(Manifest::parse("memory_mb = 128\ntimeout_s = 900").is_ok());
        assert!(Manifest::parse("memory_mb = 10240\ntimeout_s = 1").is_ok());
        assert_eq!(
            Manifest::parse("timeout_s = 0"),
            Err(ManifestError::OutOfRange { field: "timeout_s", value: 0, min: 1, max: 900 })
        );
        assert!(matches!(
            Manifest::parse("memory_mb = 10241"),
            Err(ManifestError::OutOfRange { field: "memory_mb", .. })
        ));
    }

    #[test]
    fn env_keys_are_checked() {
        for bad in ["\"\" = \"x\"", "\"A=B\" = \"x\"", "\"A\\u0000\" = \"x\""] {
            let text = format!("[env]\n{bad}\n");
            assert!(matches!(Manifest::parse(&text), Err(ManifestError::BadEnvKey(_))), "{text}");
        }
    }

    #[test]
    fn wrong_type_is_a_syntax_error() {
        assert!(matches!(Manifest::parse("memory_mb = \"big\""), Err(ManifestError::Syntax(_))));
    }
}
