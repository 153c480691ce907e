//! Concurrency as Lambda counts it: an account limit shared by functions
//! without a reservation, and per-function reserved concurrency. A request
//! that finds no free permit is refused at once (429), never queued.

use crate::error::{Error, Result, ThrottleReason};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// Unreserved concurrency that reservations must leave to the account
/// (Lambda: 100), scaled down for small accounts.
pub(crate) fn minimum_unreserved(account_limit: u32) -> u32 {
    100.min(account_limit / 10)
}

/// The account's counters.
#[derive(Debug)]
pub(crate) struct AccountConcurrency {
    limit: u32,
    /// Sum of every function's reservation.
    reserved_total: AtomicU32,
    /// Running invocations of functions without a reservation.
    unreserved_in_use: Arc<AtomicU32>,
    /// Running invocations of all functions.
    in_use: Arc<AtomicU32>,
}

/// One function's reservation and counter.
#[derive(Debug, Default)]
pub(crate) struct FunctionConcurrency {
    /// `None`: shares the account's unreserved pool.
    reserved: std::sync::Mutex<Option<u32>>,
    in_use: Arc<AtomicU32>,
}

impl FunctionConcurrency {
    pub(crate) fn new(reserved: Option<u32>) -> Arc<Self> {
        Arc::new(Self { reserved: std::sync::Mutex::new(reserved), in_use: Arc::default() })
    }

    pub(crate) fn reserved(&self) -> Option<u32> {
        *self.reserved.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running invocation's hold on concurrency; released on drop.
#[derive(Debug)]
pub(crate) struct Permit {
    counters: [Arc<AtomicU32>; 2],
}

impl Drop for Permit {
    fn drop(&mut self) {
        for counter in &self.counters {
            counter.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// Increments `counter` if it stays within `limit`.
fn try_take(counter: &AtomicU32, limit: u32) -> bool {
    counter.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < limit).then_some(n + 1)).is_ok()
}

impl AccountConcurrency {
    pub(crate) fn new(limit: u32) -> Self {
        Self { limit, reserved_total: AtomicU32::new(0), unreserved_in_use: Arc::default(), in_use: Arc::default() }
    }

    pub(crate) fn limit(&self) -> u32 {
        self.limit
    }

    /// What no function has reserved.
    pub(crate) fn unreserved(&self) -> u32 {
        self.limit.saturating_sub(self.reserved_total.load(Ordering::Acquire))
    }

    /// Running invocations.
    #[cfg(test)]
    pub(crate) fn in_use(&self) -> u32 {
        self.in_use.load(Ordering::Acquire)
    }

    /// A permit for one invocation of `function`, or a 429.
    pub(crate) fn acquire(&self, function: &FunctionConcurrency) -> Result<Permit> {
        let throttled = |reason: ThrottleReason, message: &str| Error::TooManyRequests {
            reason,
            message: message.to_string(),
            retry_after_s: 1,
        };
        let pool = match function.reserved() {
            Some(reserved) => {
                if !try_take(&function.in_use, reserved) {
                    return Err(throttled(
                        ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded,
                        "Rate Exceeded.",
                    ));
                }
                Arc::clone(&function.in_use)
            }
            None => {
                if !try_take(&self.unreserved_in_use, self.unreserved()) {
                    return Err(throttled(ThrottleReason::ConcurrentInvocationLimitExceeded, "Rate Exceeded."));
                }
                Arc::clone(&self.unreserved_in_use)
            }
        };
        self.in_use.fetch_add(1, Ordering::AcqRel);
        Ok(Permit { counters: [pool, Arc::clone(&self.in_use)] })
    }

    /// Sets (or with `None` removes) a function's reservation, keeping the
    /// account's minimum unreserved concurrency.
    pub(crate) fn reserve(&self, function: &FunctionConcurrency, reserved: Option<u32>) -> Result<()> {
        let mut current = function.reserved.lock().unwrap_or_else(|e| e.into_inner());
        let others = self.reserved_total.load(Ordering::Acquire) - current.unwrap_or(0);
        let minimum = minimum_unreserved(self.limit);
        if let Some(wanted) = reserved
            && others + wanted > self.limit - minimum
        {
            return Err(Error::InvalidParameter(format!(
                "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{minimum}]."
            )));
        }
        self.reserved_total.store(others + reserved.unwrap_or(0), Ordering::Release);
        *current = reserved;
        Ok(())
    }

    /// Forgets a deleted function's reservation.
    pub(crate) fn release_reservation(&self, function: &FunctionConcurrency) {
        let _ = self.reserve(function, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_zero_throttles_with_the_reserved_reason() {
        let account = AccountConcurrency::new(1000);
        let function = FunctionConcurrency::new(None);
        account.reserve(&function, Some(0)).unwrap();
        match account.acquire(&function) {
            Err(Error::TooManyRequests { reason, .. }) => {
                assert_eq!(reason, ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn permits_are_released_on_drop() {
        let account = AccountConcurrency::new(10);
        let function = FunctionConcurrency::new(None);
        let permits: Vec<_> = (0..10).map(|_| account.acquire(&function).unwrap()).collect();
        assert!(matches!(
            account.acquire(&function),
            Err(Error::TooManyRequests { reason: ThrottleReason::ConcurrentInvocationLimitExceeded, .. })
        ));
        assert_eq!(account.in_use(), 10);
        drop(permits);
        assert_eq!(account.in_use(), 0);
        assert!(account.acquire(&function).is_ok());
    }

    #[test]
    fn reservations_keep_the_unreserved_minimum() {
        let account = AccountConcurrency::new(1000);
        let a = FunctionConcurrency::new(None);
        assert!(account.reserve(&a, Some(900)).is_ok());
        assert_eq!(account.unreserved(), 100);
        let b = FunctionConcurrency::new(None);
        assert!(matches!(account.reserve(&b, Some(1)), Err(Error::InvalidParameter(_))));
        account.release_reservation(&a);
        assert_eq!(account.unreserved(), 1000);
    }

    #[test]
    fn reserved_functions_use_their_own_pool() {
        let account = AccountConcurrency::new(100);
        let reserved = FunctionConcurrency::new(None);
        account.reserve(&reserved, Some(2)).unwrap();
        let _a = account.acquire(&reserved).unwrap();
        let _b = account.acquire(&reserved).unwrap();
        assert!(account.acquire(&reserved).is_err());
        let other = FunctionConcurrency::new(None);
        assert!(account.acquire(&other).is_ok());
    }
}
