//! When an event is tried again, as Lambda does it: a function error is
//! retried up to `MaximumRetryAttempts` times (default 2), about one minute
//! and then two minutes later; an event that found no free concurrency
//! waits and tries again (from about a second, doubling up to five
//! minutes), never failing for it; and no attempt starts once the event is
//! older than `MaximumEventAgeInSeconds` (default six hours).
//! `--retry-delay-scale` multiplies every delay, so that tests and demos
//! run in milliseconds.

use crate::registry::catalog::EventConfigRecord;
use std::time::Duration;

/// Lambda's default `MaximumRetryAttempts`.
pub(crate) const DEFAULT_RETRIES: u32 = 2;
/// Lambda's default `MaximumEventAgeInSeconds`.
pub(crate) const DEFAULT_MAX_AGE_S: u32 = 21_600;
/// The delay before the first retry after a throttle.
const FIRST_THROTTLE_DELAY: Duration = Duration::from_secs(1);
/// The longest delay between throttled tries.
const MAX_THROTTLE_DELAY: Duration = Duration::from_secs(300);

/// How an event's story ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Condition {
    /// An attempt succeeded.
    Success,
    /// Its last allowed attempt failed (or its function is gone).
    RetriesExhausted,
    /// The next attempt would have started after its maximum age.
    EventAgeExceeded,
    /// Its function's reserved concurrency is 0: it never runs.
    ZeroReservedConcurrency,
}

impl Condition {
    /// Lambda's spelling, as destination records carry it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Condition::Success => "Success",
            Condition::RetriesExhausted => "RetriesExhausted",
            Condition::EventAgeExceeded => "EventAgeExceeded",
            Condition::ZeroReservedConcurrency => "ZeroReservedConcurrency",
        }
    }
}

/// One event's retry settings (its qualifier's configuration, or Lambda's
/// defaults) and the node's delay scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Policy {
    pub max_retries: u32,
    pub max_age_ms: i64,
    pub scale: f64,
}

impl Policy {
    pub(crate) fn new(config: Option<&EventConfigRecord>, scale: f64) -> Self {
        Self {
            max_retries: config.and_then(|c| c.maximum_retry_attempts).unwrap_or(DEFAULT_RETRIES),
            max_age_ms: i64::from(config.and_then(|c| c.maximum_event_age_in_seconds).unwrap_or(DEFAULT_MAX_AGE_S))
                * 1000,
            scale,
        }
    }

    fn scaled(&self, delay: Duration) -> i64 {
        (delay.as_secs_f64() * 1000.0 * self.scale).round() as i64
    }

    /// After attempt number `attempts` failed at `now_ms`: when the next
    /// attempt is due, or how the event ends.
    pub(crate) fn after_failure(&self, attempts: u32, enqueued_at_ms: i64, now_ms: i64) -> Result<i64, Condition> {
        if attempts > self.max_retries {
            return Err(Condition::RetriesExhausted);
        }
        let wait = Duration::from_secs(60 * u64::from(attempts.max(1)));
        self.due_within_age(now_ms + self.scaled(wait), enqueued_at_ms)
    }

    /// After its `throttles`th try in a row found no free concurrency: when
    /// to try again, or how the event ends.
    pub(crate) fn after_throttle(&self, throttles: u32, enqueued_at_ms: i64, now_ms: i64) -> Result<i64, Condition> {
        let wait = FIRST_THROTTLE_DELAY.saturating_mul(1u32 << throttles.min(16)).min(MAX_THROTTLE_DELAY);
        self.due_within_age(now_ms + self.scaled(wait), enqueued_at_ms)
    }

    /// Whether an attempt may start at `now_ms`.
    pub(crate) fn too_old(&self, enqueued_at_ms: i64, now_ms: i64) -> bool {
        now_ms - enqueued_at_ms > self.max_age_ms
    }

    fn due_within_age(&self, due_at_ms: i64, enqueued_at_ms: i64) -> Result<i64, Condition> {
        if self.too_old(enqueued_at_ms, due_at_ms) { Err(Condition::EventAgeExceeded) } else { Ok(due_at_ms) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(retries: u32, age_s: u32, scale: f64) -> Policy {
        Policy::new(
            Some(&EventConfigRecord {
                maximum_retry_attempts: Some(retries),
                maximum_event_age_in_seconds: Some(age_s),
                on_success: None,
                on_failure: None,
                last_modified_ms: 0,
            }),
            scale,
        )
    }

    #[test]
    fn defaults_are_lambdas() {
        let default = Policy::new(None, 1.0);
        assert_eq!((default.max_retries, default.max_age_ms), (2, 21_600_000));
    }

    #[test]
    fn function_errors_are_retried_a_minute_then_two_minutes_later() {
        let p = policy(2, 21_600, 1.0);
        assert_eq!(p.after_failure(1, 0, 1_000), Ok(61_000));
        assert_eq!(p.after_failure(2, 0, 70_000), Ok(190_000));
        assert_eq!(p.after_failure(3, 0, 200_000), Err(Condition::RetriesExhausted));
        assert_eq!(policy(0, 21_600, 1.0).after_failure(1, 0, 1_000), Err(Condition::RetriesExhausted));
    }

    #[test]
    fn the_scale_shrinks_every_delay() {
        let p = policy(2, 21_600, 0.001);
        assert_eq!(p.after_failure(1, 0, 0), Ok(60));
        assert_eq!(p.after_failure(2, 0, 0), Ok(120));
        assert_eq!(p.after_throttle(0, 0, 0), Ok(1));
        assert_eq!(p.after_throttle(20, 0, 0), Ok(300), "throttle delays stop doubling at five minutes");
    }

    #[test]
    fn an_attempt_past_the_maximum_age_ends_the_event_even_with_retries_left() {
        let p = policy(2, 60, 1.0);
        assert_eq!(p.after_failure(1, 0, 10_000), Err(Condition::EventAgeExceeded));
        assert_eq!(p.after_throttle(0, 0, 58_000), Ok(59_000));
        assert_eq!(p.after_throttle(1, 0, 59_000), Err(Condition::EventAgeExceeded));
    }
}
