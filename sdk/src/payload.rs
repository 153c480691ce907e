//! How event bytes become a handler's argument and its result becomes
//! response bytes: JSON through serde, or [`Raw`] bytes untouched.

use crate::Error;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// `errorType` when the event does not parse as the handler's event type.
pub const UNMARSHAL_ERROR: &str = "Runtime.UnmarshalError";
/// `errorType` when the handler's response cannot be serialized.
pub const MARSHAL_ERROR: &str = "Runtime.MarshalError";

/// The event and response as bytes, with no JSON parsing: for functions
/// that take or return something else (CSV, an image, plain text).
///
/// ```
/// use nimbus_sdk::{Context, Error, Raw};
///
/// fn shout(event: Raw, _: Context) -> Result<Raw, Error> {
///     Ok(Raw(event.0.to_ascii_uppercase()))
/// }
/// # let _ = shout;
/// // fn main() { nimbus_sdk::run(shout) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Raw(pub Vec<u8>);

/// What a handler can take as its event: any `serde` type (parsed from
/// JSON), or [`Raw`].
///
/// Empty input (only whitespace) parses as JSON `null`, so a handler of `()`
/// or `Option<T>` accepts an invocation without a payload.
pub trait FromEvent: Sized {
    /// Builds the event from stdin's bytes.
    fn from_event(bytes: Vec<u8>) -> Result<Self, Error>;
}

/// What a handler can return as its response: any `serde` type (written as
/// JSON), or [`Raw`].
pub trait IntoResponse {
    /// The bytes to write to stdout.
    fn into_response(self) -> Result<Vec<u8>, Error>;
}

impl<T: DeserializeOwned> FromEvent for T {
    fn from_event(bytes: Vec<u8>) -> Result<Self, Error> {
        let json: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"null" } else { &bytes };
        serde_json::from_slice(json).map_err(|error| {
            Error::new(UNMARSHAL_ERROR, format!("the event is not a valid {}: {error}", std::any::type_name::<T>()))
        })
    }
}

impl<T: Serialize> IntoResponse for T {
    fn into_response(self) -> Result<Vec<u8>, Error> {
        serde_json::to_vec(&self)
            .map_err(|error| Error::new(MARSHAL_ERROR, format!("cannot serialize the response: {error}")))
    }
}

impl FromEvent for Raw {
    fn from_event(bytes: Vec<u8>) -> Result<Self, Error> {
        Ok(Raw(bytes))
    }
}

impl IntoResponse for Raw {
    fn into_response(self) -> Result<Vec<u8>, Error> {
        Ok(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Greeting {
        name: String,
    }

    #[test]
    fn json_events_parse_and_report_the_type_on_failure() {
        let event = Greeting::from_event(br#"{"name":"x"}"#.to_vec()).unwrap();
        assert_eq!(event, Greeting { name: "x".into() });
        let error = Greeting::from_event(br#"{"name":1}"#.to_vec()).unwrap_err();
        assert_eq!(error.error_type(), UNMARSHAL_ERROR);
        assert!(error.message().contains("Greeting"), "{}", error.message());
        assert!(error.message().contains("invalid type"), "{}", error.message());
    }

    #[test]
    fn empty_input_is_null() {
        <()>::from_event(b" \n".to_vec()).unwrap();
        assert_eq!(Option::<Greeting>::from_event(Vec::new()).unwrap(), None);
    }

    #[test]
    fn raw_bytes_pass_through_both_ways() {
        let bytes = vec![0, 159, 146, 150];
        assert_eq!(Raw::from_event(bytes.clone()).unwrap(), Raw(bytes.clone()));
        assert_eq!(Raw(bytes.clone()).into_response().unwrap(), bytes);
    }

    #[test]
    fn responses_serialize_as_json() {
        assert_eq!("hi".into_response().unwrap(), br#""hi""#);
        assert_eq!(().into_response().unwrap(), b"null");
        let map = BTreeMap::from([("b", 2), ("a", 1)]);
        assert_eq!(map.into_response().unwrap(), br#"{"a":1,"b":2}"#);
    }

    #[test]
    fn unserializable_responses_are_marshal_errors() {
        let map = BTreeMap::from([((1, 2), "tuple keys are not JSON")]);
        assert_eq!(map.into_response().unwrap_err().error_type(), MARSHAL_ERROR);
    }
}
