//! `nimbus serve`, end to end: the real binary on a free loopback port,
//! driven by the real AWS clients (boto3, the AWS CLI: `tests/e2e/`) and by
//! a small HTTP client here for restarts, `kill -9`, SIGTERM, limits, flags,
//! usage arithmetic and metrics.

mod async_events;
mod clients;
mod code_updates;
mod concurrency;
mod durability;
mod extensions;
mod flags;
mod guests;
mod harness;
mod hostile_clients;
mod limits;
mod logs;
mod metrics;
mod observe;
mod reservations;
mod usage;
