//! The scheduler's errors, each one of Lambda's error types. The gateway maps
//! each variant to one HTTP status and `x-amzn-ErrorType` in one place.

/// Why a throttled invocation was refused (Lambda's `Reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleReason {
    /// The function's reserved concurrency is in use (or is 0).
    ReservedFunctionConcurrentInvocationLimitExceeded,
    /// The account's concurrency is in use.
    ConcurrentInvocationLimitExceeded,
}

impl ThrottleReason {
    /// Lambda's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReservedFunctionConcurrentInvocationLimitExceeded => {
                "ReservedFunctionConcurrentInvocationLimitExceeded"
            }
            Self::ConcurrentInvocationLimitExceeded => "ConcurrentInvocationLimitExceeded",
        }
    }
}

/// A failed scheduler call. Messages follow Lambda's templates.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// `ResourceNotFoundException` (404).
    #[error("{0}")]
    NotFound(String),
    /// `ResourceConflictException` (409).
    #[error("{0}")]
    Conflict(String),
    /// `InvalidParameterValueException` (400).
    #[error("{0}")]
    InvalidParameter(String),
    /// `ValidationException` (400): a value breaks a field constraint.
    #[error("{0}")]
    Validation(String),
    /// `PreconditionFailedException` (412): a stale `RevisionId`.
    #[error("{0}")]
    PreconditionFailed(String),
    /// `TooManyRequestsException` (429).
    #[error("{message}")]
    TooManyRequests {
        /// Which limit.
        reason: ThrottleReason,
        /// Lambda's message.
        message: String,
        /// Seconds the client should wait (`Retry-After`).
        retry_after_s: u32,
    },
    /// `RequestTooLargeException` (413).
    #[error("{0}")]
    RequestTooLarge(String),
    /// `ServiceException` (500): a bug or a host failure of ours.
    #[error("{0}")]
    Service(String),
}

/// Most characters of a client's value that a message repeats: more than
/// any valid value has, so that AWS's messages come out whole for every
/// value a client means, while a 10 MB value does not come back in a 10 MB
/// answer.
pub(crate) const MAX_ECHOED_CHARS: usize = 1024;

/// `value` as a message repeats it: whole, or its first
/// [`MAX_ECHOED_CHARS`] characters followed by `...`.
pub(crate) fn echoed(value: &str) -> std::borrow::Cow<'_, str> {
    match value.char_indices().nth(MAX_ECHOED_CHARS) {
        None => value.into(),
        Some((cut, _)) => format!("{}...", &value[..cut]).into(),
    }
}

impl Error {
    /// A `ValidationException` in AWS's form for a pattern constraint.
    pub fn pattern(value: &str, field: &str, pattern: &str) -> Self {
        let value = echoed(value);
        Error::Validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}"
        ))
    }

    /// A `ValidationException` in AWS's form for a numeric range.
    pub fn range(value: i64, field: &str, min: i64, max: i64) -> Self {
        let bound = if value < min {
            format!("Member must have value greater than or equal to {min}")
        } else {
            format!("Member must have value less than or equal to {max}")
        };
        Error::Validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {bound}"
        ))
    }

    /// A `ValidationException` in AWS's form for a length constraint.
    pub fn length(value: &str, field: &str, min: usize, max: usize) -> Self {
        let bound = if value.chars().count() < min {
            format!("Member must have length greater than or equal to {min}")
        } else {
            format!("Member must have length less than or equal to {max}")
        };
        let value = echoed(value);
        Error::Validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {bound}"
        ))
    }

    /// A host-side failure (storage, threads): a `ServiceException`.
    pub(crate) fn service(context: &str, error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "{context}");
        Error::Service(format!("{context}: {error}"))
    }
}

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Self {
        Error::service("registry storage failed", error)
    }
}

/// The scheduler's result.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_in_messages() {
        assert_eq!(echoed("short"), "short");
        let exact = "é".repeat(MAX_ECHOED_CHARS);
        assert_eq!(echoed(&exact), exact);
        let long = "é".repeat(MAX_ECHOED_CHARS + 1);
        assert_eq!(echoed(&long), format!("{exact}..."));
        let Error::Validation(message) = Error::length(&"x".repeat(10 << 20), "role", 1, 2048) else { panic!() };
        assert!(message.len() < 2 * MAX_ECHOED_CHARS, "{} bytes", message.len());
    }
}
