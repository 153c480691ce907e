//! Admission: concurrency as Lambda counts it — an account limit shared by
//! the functions without a reservation, and per-function reserved
//! concurrency. A synchronous invocation that finds no free permit is
//! refused at once (429, as Lambda); work that can wait (queued events)
//! waits for one, up to a deadline.

use crate::error::{Error, Result, ThrottleReason};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use tokio::sync::Notify;

/// Unreserved concurrency that reservations must leave to the account
/// (Lambda: 100), scaled down for small accounts.
pub(crate) fn minimum_unreserved(account_limit: u32) -> u32 {
    100.min(account_limit / 10)
}

/// The account's counters.
#[derive(Debug)]
pub(crate) struct AccountConcurrency {
    limit: u32,
    /// Sum of every function's reservation (set from the registry after
    /// each change; 64 bits, so no sum of `u32`s wraps).
    reserved_total: AtomicU64,
    counters: Arc<Counters>,
}

/// What permits count and how waiters hear of a release.
#[derive(Debug, Default)]
struct Counters {
    /// Running invocations of functions without a reservation.
    unreserved_in_use: AtomicU32,
    /// Running invocations of all functions.
    in_use: AtomicU32,
    /// Tasks waiting for a permit.
    waiters: AtomicUsize,
    released: Notify,
}

/// One function's running invocations (its reservation is in the registry).
#[derive(Debug, Default)]
pub(crate) struct FunctionConcurrency {
    in_use: AtomicU32,
}

impl FunctionConcurrency {
    pub(crate) fn new() -> Arc<Self> {
        Arc::default()
    }
}

/// Which pool a permit was taken from.
#[derive(Debug)]
enum Pool {
    Reserved(Arc<FunctionConcurrency>),
    Unreserved,
}

/// A running invocation's hold on concurrency; released on drop.
#[derive(Debug)]
pub(crate) struct Permit {
    pool: Pool,
    counters: Arc<Counters>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        match &self.pool {
            Pool::Reserved(function) => function.in_use.fetch_sub(1, Ordering::AcqRel),
            Pool::Unreserved => self.counters.unreserved_in_use.fetch_sub(1, Ordering::AcqRel),
        };
        self.counters.in_use.fetch_sub(1, Ordering::AcqRel);
        if self.counters.waiters.load(Ordering::Acquire) > 0 {
            self.counters.released.notify_waiters();
        }
    }
}

/// Increments `counter` if it stays within `limit`.
fn try_take(counter: &AtomicU32, limit: u32) -> bool {
    counter.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < limit).then_some(n + 1)).is_ok()
}

/// Counts a waiter while it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(waiters: &'a AtomicUsize) -> Self {
        waiters.fetch_add(1, Ordering::AcqRel);
        Self(waiters)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl AccountConcurrency {
    pub(crate) fn new(limit: u32) -> Self {
        Self { limit, reserved_total: AtomicU64::new(0), counters: Arc::default() }
    }

    pub(crate) fn limit(&self) -> u32 {
        self.limit
    }

    /// What no function has reserved.
    pub(crate) fn unreserved(&self) -> u32 {
        let reserved = self.reserved_total.load(Ordering::Acquire);
        u32::try_from(u64::from(self.limit).saturating_sub(reserved)).unwrap_or(0)
    }

    /// Running invocations.
    #[cfg(test)]
    pub(crate) fn in_use(&self) -> u32 {
        self.counters.in_use.load(Ordering::Acquire)
    }

    /// Sets the sum of the reservations (after a registry change).
    pub(crate) fn set_reserved_total(&self, total: u64) {
        self.reserved_total.store(total, Ordering::Release);
    }

    /// Whether `others` (the other functions' reservations) plus `wanted`
    /// leave the account its minimum unreserved concurrency.
    pub(crate) fn check_reservation(&self, others: u64, wanted: u32) -> Result<()> {
        let minimum = minimum_unreserved(self.limit);
        let allowed = u64::from(self.limit - minimum);
        if others.checked_add(u64::from(wanted)).is_none_or(|total| total > allowed) {
            return Err(Error::InvalidParameter(format!(
                "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{minimum}]."
            )));
        }
        Ok(())
    }

    /// A permit for one invocation of `function` (reserving `reserved`), or
    /// a 429 at once.
    pub(crate) fn acquire(&self, function: &Arc<FunctionConcurrency>, reserved: Option<u32>) -> Result<Permit> {
        let pool = match reserved {
            Some(reserved) => {
                if !try_take(&function.in_use, reserved) {
                    return Err(throttled(ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded));
                }
                Pool::Reserved(Arc::clone(function))
            }
            None => {
                if !try_take(&self.counters.unreserved_in_use, self.unreserved()) {
                    return Err(throttled(ThrottleReason::ConcurrentInvocationLimitExceeded));
                }
                Pool::Unreserved
            }
        };
        self.counters.in_use.fetch_add(1, Ordering::AcqRel);
        Ok(Permit { pool, counters: Arc::clone(&self.counters) })
    }

    /// A permit, waiting for one to be released until `deadline`; the 429
    /// [`AccountConcurrency::acquire`] would give once the deadline passes.
    pub(crate) async fn acquire_within(
        &self,
        function: &Arc<FunctionConcurrency>,
        reserved: Option<u32>,
        deadline: tokio::time::Instant,
    ) -> Result<Permit> {
        let _waiting = Waiting::enter(&self.counters.waiters);
        loop {
            // Listen before trying, so that a release in between is not missed.
            let released = self.counters.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            match self.acquire(function, reserved) {
                Err(Error::TooManyRequests { .. }) => {}
                taken => return taken,
            }
            if tokio::time::timeout_at(deadline, released).await.is_err() {
                return self.acquire(function, reserved);
            }
        }
    }
}

fn throttled(reason: ThrottleReason) -> Error {
    Error::TooManyRequests { reason, message: "Rate Exceeded.".into(), retry_after_s: 1 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn reserved_zero_throttles_with_the_reserved_reason() {
        let account = AccountConcurrency::new(1000);
        let function = FunctionConcurrency::new();
        match account.acquire(&function, Some(0)) {
            Err(Error::TooManyRequests { reason, .. }) => {
                assert_eq!(reason, ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn permits_are_released_on_drop() {
        let account = AccountConcurrency::new(10);
        let function = FunctionConcurrency::new();
        let permits: Vec<_> = (0..10).map(|_| account.acquire(&function, None).unwrap()).collect();
        assert!(matches!(
            account.acquire(&function, None),
            Err(Error::TooManyRequests { reason: ThrottleReason::ConcurrentInvocationLimitExceeded, .. })
        ));
        assert_eq!(account.in_use(), 10);
        drop(permits);
        assert_eq!(account.in_use(), 0);
        assert!(account.acquire(&function, None).is_ok());
    }

    #[test]
    fn reservations_keep_the_unreserved_minimum_without_overflow() {
        let account = AccountConcurrency::new(1000);
        assert!(account.check_reservation(0, 900).is_ok());
        account.set_reserved_total(900);
        assert_eq!(account.unreserved(), 100);
        let refused = account.check_reservation(900, 1).unwrap_err();
        assert_eq!(
            refused,
            Error::InvalidParameter(
                "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].".into()
            )
        );
        assert!(account.check_reservation(u64::from(u32::MAX), u32::MAX).is_err(), "no wrap-around");
        account.set_reserved_total(u64::from(u32::MAX) * 2);
        assert_eq!(account.unreserved(), 0, "a stored state that no longer fits leaves nothing unreserved");
    }

    #[test]
    fn reserved_functions_use_their_own_pool() {
        let account = AccountConcurrency::new(100);
        let reserved = FunctionConcurrency::new();
        account.set_reserved_total(2);
        let _a = account.acquire(&reserved, Some(2)).unwrap();
        let _b = account.acquire(&reserved, Some(2)).unwrap();
        assert!(account.acquire(&reserved, Some(2)).is_err());
        let other = FunctionConcurrency::new();
        assert!(account.acquire(&other, None).is_ok());
    }

    #[tokio::test]
    async fn a_waiting_acquire_gets_the_next_released_permit_or_times_out() {
        let account = Arc::new(AccountConcurrency::new(1));
        let function = FunctionConcurrency::new();
        let held = account.acquire(&function, None).unwrap();
        let soon = tokio::time::Instant::now() + Duration::from_millis(50);
        assert!(matches!(account.acquire_within(&function, None, soon).await, Err(Error::TooManyRequests { .. })));

        let waiter = {
            let (account, function) = (Arc::clone(&account), Arc::clone(&function));
            tokio::spawn(async move {
                let later = tokio::time::Instant::now() + Duration::from_secs(30);
                account.acquire_within(&function, None, later).await.map(drop)
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "it waits while the permit is held");
        // Released from another thread, as a sandbox thread does.
        std::thread::spawn(move || drop(held)).join().unwrap();
        tokio::time::timeout(Duration::from_secs(10), waiter).await.unwrap().unwrap().unwrap();
    }
}
