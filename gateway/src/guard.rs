//! Who may talk to the API: the defence of a server on loopback against
//! the web pages its user visits.
//!
//! A page on any site can send requests to `127.0.0.1:7700`. Through DNS
//! rebinding (its own name, re-resolved to 127.0.0.1) it can even read the
//! answers, since the browser then takes the server for the page's own
//! origin. So every request must name a host this server answers to
//! ([`AllowedHosts`]: loopback names and addresses, the listen address,
//! `--allowed-host` names and the function-URL domain), and requests a
//! browser marks as coming from another site (`Sec-Fetch-Site`, or an
//! `Origin` that is not an allowed host) are refused. Function URLs, which
//! are meant for browsers, are exempt from the second rule: they follow
//! their own CORS configuration.
//!
//! The checks read three headers in place and allocate nothing unless
//! they refuse.

use crate::body::Refusal;
use crate::error::AppError;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, header};
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::{Layer, Service};

const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");
/// Most characters of a refused host or origin a message repeats.
const MAX_SHOWN_CHARS: usize = 256;

/// The hosts the API answers to.
#[derive(Debug, Clone)]
pub struct AllowedHosts {
    /// Names given with `--allowed-host`, compared without regard to case.
    names: Vec<String>,
    /// Addresses the server listens on.
    addresses: Vec<IpAddr>,
    /// Function URLs are `<url-id>.<function_url_domain>`.
    function_url_domain: String,
}

impl AllowedHosts {
    /// Loopback names and addresses, and the function-URL domain of
    /// `region` (`lambda-url.<region>.localhost`).
    pub fn new(region: &str) -> Self {
        Self { names: Vec::new(), addresses: Vec::new(), function_url_domain: format!("lambda-url.{region}.localhost") }
    }

    /// Also answers to `name` (a host name or an address, without a port).
    pub fn allow_name(&mut self, name: &str) {
        let name = name.trim().trim_end_matches('.');
        match name.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            Ok(address) => self.allow_address(address),
            Err(_) => self.names.push(name.to_ascii_lowercase()),
        }
    }

    /// Also answers to `address` (the one it listens on; the unspecified
    /// address names no host).
    pub fn allow_address(&mut self, address: IpAddr) {
        if !address.is_unspecified() && !self.addresses.contains(&address) {
            self.addresses.push(address);
        }
    }

    /// Whether `host` (without its port) is one the API answers to.
    pub fn allows(&self, host: &str) -> bool {
        if let Ok(address) = host.parse::<IpAddr>() {
            return address.to_canonical().is_loopback() || self.addresses.contains(&address);
        }
        is_loopback_name(host)
            || self.is_function_url_host(host)
            || self.names.iter().any(|name| name.eq_ignore_ascii_case(host))
    }

    /// Whether `host` is a function URL's (`<url-id>.<function-url domain>`).
    pub fn is_function_url_host(&self, host: &str) -> bool {
        let domain = &self.function_url_domain;
        host.len() > domain.len() + 1
            && host.is_char_boundary(host.len() - domain.len() - 1)
            && host[host.len() - domain.len()..].eq_ignore_ascii_case(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
    }
}

/// `localhost` and the names under it, which resolve to loopback only
/// (RFC 6761; browsers never ask DNS for them).
fn is_loopback_name(host: &str) -> bool {
    const LOCALHOST: &str = "localhost";
    host.eq_ignore_ascii_case(LOCALHOST)
        || (host.len() > LOCALHOST.len() + 1
            && host.is_char_boundary(host.len() - LOCALHOST.len())
            && host[host.len() - LOCALHOST.len()..].eq_ignore_ascii_case(LOCALHOST)
            && host.as_bytes()[host.len() - LOCALHOST.len() - 1] == b'.')
}

/// The host of an authority (`host`, `host:port`, `[v6]:port`), without a
/// trailing dot.
fn host_of(authority: &str) -> &str {
    let host = match authority.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or(rest, |(inside, _)| inside),
        None => match authority.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
            _ => authority,
        },
    };
    host.strip_suffix('.').unwrap_or(host)
}

/// What kind of request passed the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A call of the API (Lambda's, `/nimbus/v1`, `/metrics`, `/healthz`).
    Api,
    /// A request to a function URL: browsers may send it from any site.
    FunctionUrl,
}

/// Checks a request's `Host`, `Sec-Fetch-Site` and `Origin`.
pub(crate) fn check(hosts: &AllowedHosts, authority: Option<&str>, headers: &HeaderMap) -> Result<Verdict, AppError> {
    // A browser always sends `Host`; a client without one is no browser.
    let host = match headers.get(header::HOST) {
        Some(value) => Some(value.to_str().map_err(|_| refused_host(&String::from_utf8_lossy(value.as_bytes())))?),
        None => authority,
    }
    .map(host_of);
    if let Some(host) = host {
        if !hosts.allows(host) {
            return Err(refused_host(host));
        }
        if hosts.is_function_url_host(host) {
            return Ok(Verdict::FunctionUrl);
        }
    }
    if let Some(site) = headers.get(SEC_FETCH_SITE)
        && (site == "cross-site" || site == "same-site")
    {
        return Err(AppError::Forbidden(format!(
            "Requests from web pages of other sites are refused (Sec-Fetch-Site: {}).",
            String::from_utf8_lossy(site.as_bytes())
        )));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("null");
        let host = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")).map(host_of);
        match host {
            Some(host) if hosts.allows(host) => {}
            Some(host) => {
                return Err(AppError::Forbidden(format!(
                    "Requests from the web origin '{}' are refused; start nimbus serve with --allowed-host {} to allow them.",
                    shown(origin),
                    shown(host)
                )));
            }
            None => {
                return Err(AppError::Forbidden(format!(
                    "Requests from the web origin '{}' are refused.",
                    shown(origin)
                )));
            }
        }
    }
    Ok(Verdict::Api)
}

fn refused_host(host: &str) -> AppError {
    let host = shown(host);
    AppError::Forbidden(format!(
        "Host '{host}' is not a host this server answers to; start nimbus serve with --allowed-host {host} to allow it."
    ))
}

/// `text` cut after [`MAX_SHOWN_CHARS`] characters, on one line.
fn shown(text: &str) -> String {
    let cut: String = text.chars().take(MAX_SHOWN_CHARS).flat_map(char::escape_debug).collect();
    if text.chars().nth(MAX_SHOWN_CHARS).is_some() { format!("{cut}...") } else { cut }
}

/// Puts [`check`] in front of each route.
#[derive(Clone)]
pub(crate) struct GuardLayer {
    hosts: Arc<AllowedHosts>,
}

impl GuardLayer {
    pub(crate) fn new(hosts: Arc<AllowedHosts>) -> Self {
        Self { hosts }
    }
}

impl<S> Layer<S> for GuardLayer {
    type Service = Guarded<S>;

    fn layer(&self, inner: S) -> Guarded<S> {
        Guarded { inner, hosts: Arc::clone(&self.hosts) }
    }
}

/// A route behind the guard.
#[derive(Clone)]
pub(crate) struct Guarded<S> {
    inner: S,
    hosts: Arc<AllowedHosts>,
}

impl<S> Service<Request> for Guarded<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Checked<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let refusal = match check(&self.hosts, request.uri().authority().map(|a| a.as_str()), request.headers()) {
            Ok(Verdict::Api) => return Checked::Passed { answer: self.inner.call(request) },
            // The place of function URLs, once they exist. A function
            // URL's host never reaches the API: its requests skip the
            // cross-site checks.
            Ok(Verdict::FunctionUrl) => AppError::UnknownOperation("No function URL answers at this host.".into()),
            Err(error) => error,
        };
        Checked::Refused { answer: Some(Refusal::before_body(refusal, request.headers())) }
    }
}

pin_project_lite::pin_project! {
    /// The route's answer, or the refusal.
    #[project = CheckedProjection]
    pub(crate) enum Checked<F> {
        /// The request passed.
        Passed { #[pin] answer: F },
        /// The request was refused (taken once answered).
        Refused { answer: Option<Refusal> },
    }
}

impl<F> Future for Checked<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            CheckedProjection::Passed { answer } => answer.poll(cx),
            CheckedProjection::Refused { answer } => {
                Poll::Ready(Ok(answer.take().expect("polled after it answered").into_response()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn hosts() -> AllowedHosts {
        let mut hosts = AllowedHosts::new("us-east-1");
        hosts.allow_name("Nimbus.Internal");
        hosts.allow_address("192.0.2.7".parse().unwrap());
        hosts
    }

    #[test]
    fn hosts_are_read_from_authorities() {
        assert_eq!(host_of("localhost:7700"), "localhost");
        assert_eq!(host_of("[::1]:7700"), "::1");
        assert_eq!(host_of("[::1]"), "::1");
        assert_eq!(host_of("example.com."), "example.com");
        assert_eq!(host_of("127.0.0.1"), "127.0.0.1");
    }

    #[test]
    fn loopback_listen_address_given_names_and_function_urls_are_allowed() {
        let hosts = hosts();
        for allowed in [
            "localhost",
            "LOCALHOST",
            "api.localhost",
            "127.0.0.1",
            "127.9.9.9",
            "::1",
            "::ffff:127.0.0.1",
            "192.0.2.7",
            "nimbus.internal",
            "abc123.lambda-url.us-east-1.localhost",
        ] {
            assert!(hosts.allows(allowed), "{allowed}");
        }
        for refused in ["evil.example", "localhost.evil.example", "evillocalhost", "10.0.0.1", "::2", "0.0.0.0", ""] {
            assert!(!hosts.allows(refused), "{refused}");
        }
        assert!(hosts.is_function_url_host("abc.lambda-url.us-east-1.localhost"));
        assert!(!hosts.is_function_url_host("lambda-url.us-east-1.localhost"));
        assert!(!hosts.is_function_url_host("abc.lambda-url.eu-west-1.localhost"));
    }

    #[test]
    fn cross_site_requests_are_refused_and_function_urls_exempt() {
        let hosts = hosts();
        let headers = |pairs: &[(&'static str, &'static str)]| -> HeaderMap {
            pairs.iter().map(|(n, v)| (HeaderName::from_static(n), HeaderValue::from_static(v))).collect()
        };
        let verdict = |pairs: &[(&'static str, &'static str)]| check(&hosts, None, &headers(pairs));
        assert_eq!(verdict(&[]), Ok(Verdict::Api));
        assert_eq!(verdict(&[("host", "127.0.0.1:7700"), ("sec-fetch-site", "same-origin")]), Ok(Verdict::Api));
        assert_eq!(verdict(&[("origin", "http://localhost:3000")]), Ok(Verdict::Api));
        for refused in [
            &[("host", "evil.example")][..],
            &[("sec-fetch-site", "cross-site")],
            &[("sec-fetch-site", "same-site")],
            &[("origin", "https://evil.example")],
            &[("origin", "null")],
        ] {
            assert!(matches!(verdict(refused), Err(AppError::Forbidden(_))), "{refused:?}");
        }
        let url = [("host", "abc.lambda-url.us-east-1.localhost"), ("origin", "https://evil.example")];
        assert_eq!(verdict(&url), Ok(Verdict::FunctionUrl));
        assert!(matches!(check(&hosts, Some("evil.example"), &HeaderMap::new()), Err(AppError::Forbidden(_))));
    }

    #[test]
    fn refusals_are_one_line_and_cut() {
        let long = "e".repeat(10_000);
        let AppError::Forbidden(message) = refused_host(&format!("{long}\nx")) else { panic!() };
        assert!(!message.contains('\n') && message.len() < 700, "{message}");
    }
}
