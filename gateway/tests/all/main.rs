//! The gateway's router, driven without a socket (`tower::ServiceExt::oneshot`)
//! over a real scheduler on a temporary directory.

mod account;
mod aws_answers;
mod bad_input;
mod browsers;
mod concurrency;
mod connection_limits;
mod connections;
mod errors;
mod extensions;
mod functions;
mod invoke;
mod metrics;
mod raw_http;
mod support;
mod versions_aliases;
