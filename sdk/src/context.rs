//! [`Context`]: who is running and until when, from the environment.

use std::time::{Duration, SystemTime};

/// Facts about the current invocation, read from the environment the
/// platform sets (`NIMBUS_*`, falling back to Lambda's `AWS_LAMBDA_*` names).
///
/// Reading never panics: a variable that is missing, not UTF-8 or not a
/// number leaves its field at the [`Default`] value (empty, `0`, `None`).
/// The struct is `#[non_exhaustive]`; build one for a test with
/// `Context::default()` and set the fields you need.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// `NIMBUS_REQUEST_ID`: this invocation's id, as in the `REPORT` line.
    pub request_id: String,
    /// `NIMBUS_FUNCTION_NAME`, else `AWS_LAMBDA_FUNCTION_NAME`.
    pub function_name: String,
    /// `NIMBUS_FUNCTION_VERSION`, else `AWS_LAMBDA_FUNCTION_VERSION`
    /// (`$LATEST` or a published version number).
    pub function_version: String,
    /// `NIMBUS_MEMORY_MB`, else `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`: the
    /// configured memory in MB; `0` when unknown.
    pub memory_mb: u32,
    /// `NIMBUS_DEADLINE_MS` (Unix epoch milliseconds): when the platform cuts
    /// the invocation off; `None` when unknown.
    pub deadline: Option<SystemTime>,
}

impl Context {
    /// Reads the context from this process's environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the context from any variable lookup (the environment, a map
    /// in a test).
    fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Self {
        let text = |names: &[&str]| names.iter().find_map(|name| var(name).filter(|value| !value.is_empty()));
        let number = |names: &[&str]| names.iter().find_map(|name| var(name)?.trim().parse::<u64>().ok());
        Context {
            request_id: text(&["NIMBUS_REQUEST_ID"]).unwrap_or_default(),
            function_name: text(&["NIMBUS_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_NAME"]).unwrap_or_default(),
            function_version: text(&["NIMBUS_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_VERSION"]).unwrap_or_default(),
            memory_mb: number(&["NIMBUS_MEMORY_MB", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
                .and_then(|mb| u32::try_from(mb).ok())
                .unwrap_or(0),
            deadline: number(&["NIMBUS_DEADLINE_MS"])
                .and_then(|ms| SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(ms))),
        }
    }

    /// Time left before the deadline: zero once it has passed, `None` when
    /// the deadline is unknown. Use it to stop a long loop cleanly instead of
    /// being cut off with `Sandbox.Timedout`.
    pub fn remaining_time(&self) -> Option<Duration> {
        self.remaining_time_at(SystemTime::now())
    }

    fn remaining_time_at(&self, now: SystemTime) -> Option<Duration> {
        let deadline = self.deadline?;
        Some(deadline.duration_since(now).unwrap_or(Duration::ZERO))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(vars: &[(&str, &str)]) -> Context {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Context::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn reads_every_nimbus_variable() {
        let context = parse(&[
            ("NIMBUS_REQUEST_ID", "req-1"),
            ("NIMBUS_FUNCTION_NAME", "hello"),
            ("NIMBUS_FUNCTION_VERSION", "3"),
            ("NIMBUS_MEMORY_MB", "256"),
            ("NIMBUS_DEADLINE_MS", "1700000003000"),
        ]);
        assert_eq!(context.request_id, "req-1");
        assert_eq!(context.function_name, "hello");
        assert_eq!(context.function_version, "3");
        assert_eq!(context.memory_mb, 256);
        let deadline = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_003_000);
        assert_eq!(context.deadline, Some(deadline));
        let now = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_001_500);
        assert_eq!(context.remaining_time_at(now), Some(Duration::from_millis(1500)));
        assert_eq!(context.remaining_time_at(deadline + Duration::from_secs(1)), Some(Duration::ZERO));
    }

    #[test]
    fn missing_variables_give_defaults() {
        let context = parse(&[]);
        assert_eq!(context, Context::default());
        assert_eq!(context.remaining_time(), None);
    }

    #[test]
    fn invalid_numbers_are_ignored_not_fatal() {
        let context = parse(&[
            ("NIMBUS_MEMORY_MB", "lots"),
            ("NIMBUS_DEADLINE_MS", "-5"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "99999999999"),
        ]);
        assert_eq!(context.memory_mb, 0);
        assert_eq!(context.deadline, None);
        // Past what the platform's clock can hold: `None` or a far deadline,
        // never a panic.
        let far = u64::MAX.to_string();
        let _ = parse(&[("NIMBUS_DEADLINE_MS", &far)]).remaining_time();
    }

    #[test]
    fn falls_back_to_lambda_names() {
        let context = parse(&[
            ("AWS_LAMBDA_FUNCTION_NAME", "legacy"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("NIMBUS_MEMORY_MB", "not-a-number"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", " 512 "),
        ]);
        assert_eq!(context.function_name, "legacy");
        assert_eq!(context.function_version, "$LATEST");
        assert_eq!(context.memory_mb, 512);
    }
}
