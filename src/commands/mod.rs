//! One file per subcommand, each a clap `Args` struct with `execute`.

pub mod bundle;
pub mod run;
pub mod serve;
