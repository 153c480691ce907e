//! The process's open-file limit (`RLIMIT_NOFILE`): raised to its hard
//! limit when the server starts, since every connection, SQLite, each
//! invocation's `/tmp` and `/var/task` and each stored zip take a file
//! descriptor; half of it is what connections may take by default.

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

/// Raises the soft limit to the hard one (when both are finite) and
/// returns the limit now in force (`None`: unlimited).
pub fn raise_to_hard_limit() -> Option<u64> {
    let limit = getrlimit(Resource::Nofile);
    if let (Some(current), Some(maximum)) = (limit.current, limit.maximum)
        && current < maximum
    {
        match setrlimit(Resource::Nofile, Rlimit { current: Some(maximum), maximum: Some(maximum) }) {
            Ok(()) => return Some(maximum),
            Err(error) => tracing::warn!(%error, current, maximum, "could not raise the open-file limit"),
        }
    }
    limit.current
}

/// Connections allowed when `--max-connections` is not given: half the
/// open-file limit, the other half left for storage and invocations.
pub fn default_max_connections(open_file_limit: Option<u64>) -> usize {
    let limit = open_file_limit.unwrap_or(1 << 20);
    usize::try_from(limit / 2).unwrap_or(usize::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_the_limit_at_least_one() {
        assert_eq!(default_max_connections(Some(20_000)), 10_000);
        assert_eq!(default_max_connections(Some(1)), 1);
        assert_eq!(default_max_connections(None), 1 << 19);
    }
}
