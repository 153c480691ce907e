//! [`Error`]: what a handler returns when it fails, and its JSON form.

use std::fmt;

/// A function error: Lambda's `errorType` and `errorMessage`.
///
/// Any [`std::error::Error`] converts into it, so `?` works on the errors of
/// every crate:
///
/// ```
/// use nimbus_sdk::Error;
///
/// fn parse(text: &str) -> Result<u32, Error> {
///     Ok(text.parse::<u32>()?)
/// }
/// let error = parse("x").unwrap_err();
/// assert_eq!(error.error_type(), "core::num::error::ParseIntError");
/// assert_eq!(error.message(), "invalid digit found in string");
/// ```
///
/// A converted error's type is [`std::any::type_name`] of the source error,
/// with its whole path: many crates call their type `Error`, and
/// `serde_json::error::Error` says more than `Error` does (this is also what
/// aws-lambda-rust-runtime reports). The exact path is the compiler's and may
/// change between Rust releases; when callers match on the type, name it
/// yourself with [`Error::new`].
///
/// `Error` deliberately does not implement [`std::error::Error`] (as
/// `anyhow::Error` does not): that is what lets every error convert into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    error_type: String,
    message: String,
}

impl Error {
    /// The `errorType` of [`Error::msg`].
    pub const DEFAULT_TYPE: &'static str = "Error";

    /// An error with the given `errorType` and `errorMessage`.
    ///
    /// ```
    /// let error = nimbus_sdk::Error::new("InvalidOrder", "quantity must be positive");
    /// assert_eq!(error.error_type(), "InvalidOrder");
    /// ```
    pub fn new(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Error { error_type: error_type.into(), message: message.into() }
    }

    /// An error with only a message; its type is [`Error::DEFAULT_TYPE`].
    pub fn msg(message: impl Into<String>) -> Self {
        Error::new(Self::DEFAULT_TYPE, message)
    }

    /// Lambda's `errorType`.
    pub fn error_type(&self) -> &str {
        &self.error_type
    }

    /// Lambda's `errorMessage`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The body the platform reads from stdout after a non-zero exit:
    /// `{"errorMessage":"…","errorType":"…"}`.
    ///
    /// ```
    /// let error = nimbus_sdk::Error::new("Bad", "no");
    /// assert_eq!(error.to_json(), r#"{"errorMessage":"no","errorType":"Bad"}"#);
    /// ```
    pub fn to_json(&self) -> String {
        serde_json::json!({ "errorMessage": self.message, "errorType": self.error_type }).to_string()
    }
}

impl<E: std::error::Error> From<E> for Error {
    fn from(error: E) -> Self {
        Error::new(std::any::type_name::<E>(), error.to_string())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Custom;
    impl fmt::Display for Custom {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("custom \"failure\"")
        }
    }
    impl std::error::Error for Custom {}

    fn fails() -> Result<(), Error> {
        Err(Custom)?
    }

    #[test]
    fn question_mark_keeps_the_type_path_and_message() {
        let error = fails().unwrap_err();
        assert_eq!(error.error_type(), "nimbus_sdk::error::tests::Custom");
        assert_eq!(error.message(), "custom \"failure\"");
    }

    #[test]
    fn json_escapes_and_orders_fields_like_lambda() {
        let json = Error::from(Custom).to_json();
        assert_eq!(json, r#"{"errorMessage":"custom \"failure\"","errorType":"nimbus_sdk::error::tests::Custom"}"#);
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["errorMessage"], "custom \"failure\"");
    }

    #[test]
    fn serde_and_io_errors_convert() {
        let error: Error = serde_json::from_str::<u8>("[").unwrap_err().into();
        assert_eq!(error.error_type(), "serde_json::error::Error");
        let error: Error = std::io::Error::other("disk").into();
        assert_eq!(error.error_type(), "std::io::error::Error");
        assert_eq!(error.message(), "disk");
    }

    #[test]
    fn msg_uses_the_default_type() {
        assert_eq!(Error::msg("x").to_string(), "Error: x");
    }
}
