//! The scheduler driven as the gateway drives it, on a real data directory.

mod control;
mod fairness;
mod invoke;
mod storage_failures;
mod support;
