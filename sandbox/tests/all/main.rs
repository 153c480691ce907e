//! The sandbox's integration tests, one binary with a module per area.

mod bundle;
mod direct_stdio;
mod guests;
mod host_calls;
mod invoke;
