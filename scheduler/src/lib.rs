//! nimbus-scheduler: the registry of functions, versions and aliases, the
//! warm pools, concurrency limits, the invocation pipeline, the async queue,
//! triggers and metering. It sits between the gateway (HTTP) and the sandbox
//! (wasm); see `DESIGN.md`, "Layout" and "Data flow".
//!
//! Empty until the server issue fills it: nothing here pretends to work.
#![deny(missing_docs)]
