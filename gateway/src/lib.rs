//! nimbus-gateway: HTTP — the Lambda-compatible API, function URLs, the
//! `/nimbus/v1` extensions, `/metrics` and `/healthz`. It talks to the
//! scheduler only; see `DESIGN.md`, "HTTP API".
//!
//! Empty until the server issue fills it: nothing here pretends to work.
#![deny(missing_docs)]
