//! The sandbox's integration tests, one binary with a module per area.

mod bundle;
mod guests;
mod invoke;
