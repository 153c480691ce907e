//! HTTP API (payload format 2.0) and function URL requests and responses.

use super::null_as_default;
use crate::Error;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

type Map = BTreeMap<String, String>;

/// An HTTP request as API Gateway's HTTP API (payload format 2.0) and
/// Lambda function URLs deliver it.
///
/// ```
/// use nimbus_sdk::events::{HttpRequest, HttpResponse};
/// use nimbus_sdk::{Context, Error};
///
/// fn handler(request: HttpRequest, _: Context) -> Result<HttpResponse, Error> {
///     let who = request.query("name").unwrap_or("world");
///     Ok(HttpResponse::text(200, format!("{} {} says hello to {who}", request.method(), request.path())))
/// }
/// # let _ = handler;
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HttpRequest {
    /// The payload format, `"2.0"`.
    pub version: String,
    /// The matched route, e.g. `"GET /items/{id}"`; `"$default"` for
    /// function URLs.
    pub route_key: String,
    /// The path as the client sent it, percent-encoding included.
    pub raw_path: String,
    /// The query string without `?`, as the client sent it.
    pub raw_query_string: String,
    /// The request's cookies, one `name=value` each (not in `headers`).
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub cookies: Vec<String>,
    /// Headers, names in lower case; repeated headers joined with `,`.
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "Map::is_empty")]
    pub headers: Map,
    /// Query parameters, decoded; repeated ones joined with `,`.
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "Map::is_empty")]
    pub query_string_parameters: Map,
    /// The route's path parameters (`{id}` in `/items/{id}`); empty for
    /// function URLs, which have no routes.
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "Map::is_empty")]
    pub path_parameters: Map,
    /// The API stage's variables.
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "Map::is_empty")]
    pub stage_variables: Map,
    /// Who called, how, and when.
    pub request_context: RequestContext,
    /// The body, base64 when [`is_base64_encoded`](Self::is_base64_encoded);
    /// see [`body_bytes`](Self::body_bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Whether `body` is base64 (binary content types).
    pub is_base64_encoded: bool,
}

/// [`HttpRequest::request_context`]: the gateway's view of the request.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequestContext {
    /// The AWS account id (`"anonymous"` for unauthenticated function URLs).
    pub account_id: String,
    /// The API id, or the function URL's id.
    pub api_id: String,
    /// Mutual TLS details, when the client presented a certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication: Option<serde_json::Value>,
    /// What the authorizer established (`jwt`, `iam` or `lambda`); its shape
    /// depends on the authorizer, so it is left as JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorizer: Option<serde_json::Value>,
    /// The host name the client called.
    pub domain_name: String,
    /// The first label of `domain_name`.
    pub domain_prefix: String,
    /// Method, path, protocol, source address and user agent.
    pub http: RequestHttp,
    /// The gateway's id for this request.
    pub request_id: String,
    /// The matched route, as in [`HttpRequest::route_key`].
    pub route_key: String,
    /// The stage, `"$default"` for function URLs.
    pub stage: String,
    /// When the request arrived, as `12/Mar/2020:19:03:58 +0000`.
    pub time: String,
    /// When the request arrived, in Unix epoch milliseconds.
    pub time_epoch: i64,
}

/// [`RequestContext::http`]: the HTTP request line and the client.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequestHttp {
    /// `GET`, `POST`, …
    pub method: String,
    /// The decoded path.
    pub path: String,
    /// `HTTP/1.1`, …
    pub protocol: String,
    /// The client's IP address.
    pub source_ip: String,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl HttpRequest {
    /// The request method, e.g. `"GET"`.
    pub fn method(&self) -> &str {
        &self.request_context.http.method
    }

    /// The decoded request path (falling back to `raw_path`).
    pub fn path(&self) -> &str {
        match self.request_context.http.path.as_str() {
            "" => &self.raw_path,
            path => path,
        }
    }

    /// A header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// A query parameter's value.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query_string_parameters.get(name).map(String::as_str)
    }

    /// A path parameter's value.
    pub fn path_parameter(&self, name: &str) -> Option<&str> {
        self.path_parameters.get(name).map(String::as_str)
    }

    /// The body's bytes, base64-decoded when the gateway encoded it; empty
    /// when there is no body.
    pub fn body_bytes(&self) -> Result<Vec<u8>, Error> {
        let body = self.body.as_deref().unwrap_or_default();
        if self.is_base64_encoded { Ok(BASE64.decode(body)?) } else { Ok(body.as_bytes().to_vec()) }
    }

    /// The body parsed as JSON (after base64 decoding if needed).
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        Ok(serde_json::from_slice(&self.body_bytes()?)?)
    }
}

/// The response an HTTP API or function URL function returns.
///
/// ```
/// use nimbus_sdk::events::HttpResponse;
///
/// let response = HttpResponse::json(201, &serde_json::json!({"id": 7}))
///     .unwrap()
///     .with_header("location", "/items/7");
/// assert_eq!(
///     serde_json::to_string(&response).unwrap(),
///     r#"{"statusCode":201,"headers":{"content-type":"application/json","location":"/items/7"},"body":"{\"id\":7}","isBase64Encoded":false}"#
/// );
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status_code: u16,
    /// Response headers (lower-case names by convention).
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "Map::is_empty")]
    pub headers: Map,
    /// `Set-Cookie` values, one cookie each.
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub cookies: Vec<String>,
    /// The body, base64 when `is_base64_encoded`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Whether `body` is base64 that the gateway decodes before sending.
    pub is_base64_encoded: bool,
}

impl HttpResponse {
    /// A response with this status and no body.
    pub fn new(status_code: u16) -> Self {
        HttpResponse { status_code, ..Self::default() }
    }

    /// A `text/plain; charset=utf-8` response.
    pub fn text(status_code: u16, body: impl Into<String>) -> Self {
        let mut response = Self::new(status_code).with_header("content-type", "text/plain; charset=utf-8");
        response.body = Some(body.into());
        response
    }

    /// An `application/json` response holding `value`.
    pub fn json<T: Serialize + ?Sized>(status_code: u16, value: &T) -> Result<Self, Error> {
        let mut response = Self::new(status_code).with_header("content-type", "application/json");
        response.body = Some(serde_json::to_string(value)?);
        Ok(response)
    }

    /// A binary response: `bytes` base64-encoded, with this content type.
    pub fn binary(status_code: u16, content_type: &str, bytes: &[u8]) -> Self {
        let mut response = Self::new(status_code).with_header("content-type", content_type);
        response.body = Some(BASE64.encode(bytes));
        response.is_base64_encoded = true;
        response
    }

    /// The response with one more header (replacing one of the same name).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }

    /// The response with one more cookie (`name=value; attributes`).
    pub fn with_cookie(mut self, cookie: impl Into<String>) -> Self {
        self.cookies.push(cookie.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::round_trip::assert_round_trip;

    #[test]
    fn http_api_v2_sample_round_trips() {
        let request: HttpRequest = assert_round_trip(include_str!("samples/http-api-v2.json"));
        assert_eq!(request.method(), "POST");
        assert_eq!(request.path(), "/my/path");
        assert_eq!(request.header("Header2"), Some("value1,value2"));
        assert_eq!(request.query("parameter1"), Some("value1,value2"));
        assert_eq!(request.path_parameter("parameter1"), Some("value1"));
        assert_eq!(request.cookies, ["cookie1", "cookie2"]);
        assert_eq!(request.request_context.time_epoch, 1583348638390);
        assert_eq!(request.body_bytes().unwrap(), b"Hello from Lambda");
        assert_eq!(request.request_context.authorizer.as_ref().unwrap()["jwt"]["scopes"][0], "scope1");
    }

    #[test]
    fn function_url_sample_with_nulls_round_trips() {
        let request: HttpRequest = assert_round_trip(include_str!("samples/function-url.json"));
        assert!(request.path_parameters.is_empty());
        assert_eq!(request.request_context.domain_prefix, "<url-id>");
        assert_eq!(request.body.as_deref(), Some("Hello from client!"));
    }

    #[test]
    fn base64_bodies_decode_and_bad_ones_are_errors() {
        let mut request =
            HttpRequest { body: Some("eyJpZCI6MX0=".into()), is_base64_encoded: true, ..HttpRequest::default() };
        assert_eq!(request.json::<serde_json::Value>().unwrap(), serde_json::json!({"id": 1}));
        request.body = Some("***".into());
        assert_eq!(request.body_bytes().unwrap_err().error_type(), "base64::decode::DecodeError");
        assert_eq!(HttpRequest::default().body_bytes().unwrap(), b"");
    }

    #[test]
    fn responses_use_lambdas_field_names() {
        let response = HttpResponse::binary(200, "image/png", &[0x89, b'P']).with_cookie("a=1; Secure");
        let json = serde_json::to_value(&response).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "statusCode": 200,
                "headers": {"content-type": "image/png"},
                "cookies": ["a=1; Secure"],
                "body": "iVA=",
                "isBase64Encoded": true
            })
        );
        let sample = r#"{"statusCode":404,"headers":null,"body":"gone","isBase64Encoded":false}"#;
        let parsed: HttpResponse = serde_json::from_str(sample).unwrap();
        assert_eq!(parsed, HttpResponse { body: Some("gone".into()), ..HttpResponse::new(404) });
        assert_eq!(
            serde_json::to_string(&HttpResponse::new(204)).unwrap(),
            r#"{"statusCode":204,"isBase64Encoded":false}"#
        );
    }
}
