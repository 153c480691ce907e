//! End-to-end tests: the real `nimbus` binary, started as a user would.

mod cli;
mod cli_bundle;
mod cli_run;
mod serve;
