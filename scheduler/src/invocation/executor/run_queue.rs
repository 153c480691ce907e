//! The executor's run queue: which ready invocation runs next, so that every
//! function with work gets its share of the sandbox CPU whatever number of
//! invocations it has.
//!
//! Each function (a *tenant*) has a FIFO of ready tasks and a virtual time:
//! the CPU time its tasks have used, scaled by its weight. The next task is
//! the oldest ready one of the tenant with the least virtual time, so over
//! any stretch where several tenants are ready, each receives CPU in
//! proportion to its weight (weighted fair queuing, as Linux's CFS does for
//! threads). A tenant that was idle comes back at the current minimum: it
//! gets no credit for the time it did not want the CPU, and no penalty.
//!
//! The weight is the memory size in units of 128 MB (Lambda gives CPU in
//! proportion to memory): a 1024 MB function's time counts an eighth as
//! much as a 128 MB one's.
//!
//! When a task is picked, its tenant is charged a whole slice in advance
//! (and the difference settled once the task is polled), so that several
//! sandbox threads do not all pick the same tenant at once.

use super::task::Task;
use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

/// A function's identity for fair sharing.
pub(crate) type TenantId = u64;

/// The memory size (MB) whose CPU time counts one for one.
const REFERENCE_MEMORY_MB: u64 = 128;

/// One tenant's ready tasks and virtual time.
struct Tenant {
    vtime: u64,
    ready: VecDeque<Arc<Task>>,
    /// Tasks of this tenant being polled now.
    running: u32,
    /// The key it has in `order` while it has ready tasks.
    ordered_at: Option<u64>,
}

/// Ready tasks by tenant, in fair order.
pub(crate) struct RunQueue {
    tenants: HashMap<TenantId, Tenant>,
    /// Tenants with ready tasks, least virtual time first.
    order: BTreeSet<(u64, TenantId)>,
    /// The virtual time of the last tenant picked: where a tenant that
    /// was idle comes back in.
    min_vtime: u64,
    /// The advance charged when a task is picked (one time slice).
    slice: Duration,
    ready: usize,
}

/// Virtual time for `spent` of CPU at `memory_mb`.
fn scaled(spent: Duration, memory_mb: u32) -> u64 {
    let ns = u64::try_from(spent.as_nanos()).unwrap_or(u64::MAX);
    ns.saturating_mul(REFERENCE_MEMORY_MB) / u64::from(memory_mb.max(1))
}

impl RunQueue {
    pub(crate) fn new(slice: Duration) -> Self {
        Self { tenants: HashMap::new(), order: BTreeSet::new(), min_vtime: 0, slice, ready: 0 }
    }

    /// Ready tasks not being polled.
    pub(crate) fn ready(&self) -> usize {
        self.ready
    }

    /// Adds a ready task at the back of its tenant's queue.
    pub(crate) fn push(&mut self, task: Arc<Task>) {
        let min_vtime = self.min_vtime;
        let tenant = match self.tenants.entry(task.tenant) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                entry.insert(Tenant { vtime: min_vtime, ready: VecDeque::new(), running: 0, ordered_at: None })
            }
        };
        let id = task.tenant;
        tenant.ready.push_back(task);
        self.ready += 1;
        self.reorder(id);
    }

    /// The next task to poll: the oldest ready task of the tenant with the
    /// least virtual time. Its tenant is charged a slice in advance.
    pub(crate) fn pop(&mut self) -> Option<Arc<Task>> {
        let &(vtime, id) = self.order.first()?;
        self.min_vtime = self.min_vtime.max(vtime);
        let tenant = self.tenants.get_mut(&id).expect("ordered tenants exist");
        let task = tenant.ready.pop_front().expect("ordered tenants have ready tasks");
        tenant.running += 1;
        tenant.vtime = tenant.vtime.saturating_add(scaled(self.slice, task.memory_mb));
        self.ready -= 1;
        self.reorder(id);
        Some(task)
    }

    /// Settles a task's poll: it used `spent` of CPU (the advance charged
    /// by `pop` is given back); `again` puts it back at the end of its
    /// tenant's queue (it yielded and is ready at once).
    pub(crate) fn polled(&mut self, task: Arc<Task>, spent: Duration, again: bool) {
        let id = task.tenant;
        let Some(tenant) = self.tenants.get_mut(&id) else { return };
        tenant.running = tenant.running.saturating_sub(1);
        tenant.vtime = tenant
            .vtime
            .saturating_sub(scaled(self.slice, task.memory_mb))
            .saturating_add(scaled(spent, task.memory_mb));
        if again {
            tenant.ready.push_back(task);
            self.ready += 1;
        }
        self.reorder(id);
    }

    /// Puts a tenant where its virtual time says (or drops it once it has
    /// nothing ready and nothing running).
    fn reorder(&mut self, id: TenantId) {
        let Some(tenant) = self.tenants.get_mut(&id) else { return };
        if let Some(at) = tenant.ordered_at.take() {
            self.order.remove(&(at, id));
        }
        if !tenant.ready.is_empty() {
            tenant.ordered_at = Some(tenant.vtime);
            self.order.insert((tenant.vtime, id));
        } else if tenant.running == 0 {
            self.tenants.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLICE: Duration = Duration::from_millis(1);

    fn task(tenant: TenantId, memory_mb: u32) -> Arc<Task> {
        Task::new(tenant, memory_mb, Box::pin(async {}), super::super::task::tests::nowhere())
    }

    /// Runs the queue for `rounds` picks, each task using `cost(tenant)`
    /// and staying ready; returns how much CPU each tenant got.
    fn share(queue: &mut RunQueue, rounds: usize, cost: impl Fn(TenantId) -> Duration) -> HashMap<TenantId, Duration> {
        let mut got: HashMap<TenantId, Duration> = HashMap::new();
        for _ in 0..rounds {
            let task = queue.pop().expect("work is ready");
            let spent = cost(task.tenant);
            *got.entry(task.tenant).or_default() += spent;
            queue.polled(task, spent, true);
        }
        got
    }

    #[test]
    fn tenants_share_by_function_not_by_task_count() {
        let mut queue = RunQueue::new(SLICE);
        for _ in 0..8 {
            queue.push(task(1, 128));
        }
        queue.push(task(2, 128));
        let got = share(&mut queue, 2000, |tenant| if tenant == 1 { SLICE } else { Duration::from_micros(10) });
        let ratio = got[&1].as_secs_f64() / got[&2].as_secs_f64();
        assert!((0.9..1.1).contains(&ratio), "eight tasks of one function against one of another: {got:?}");
    }

    #[test]
    fn memory_weights_the_share() {
        let mut queue = RunQueue::new(SLICE);
        queue.push(task(1, 1024));
        queue.push(task(2, 128));
        let got = share(&mut queue, 900, |_| SLICE);
        let ratio = got[&1].as_secs_f64() / got[&2].as_secs_f64();
        assert!((7.5..8.5).contains(&ratio), "1024 MB against 128 MB: {got:?}");
    }

    #[test]
    fn an_idle_tenant_returns_at_the_current_minimum() {
        let mut queue = RunQueue::new(SLICE);
        queue.push(task(1, 128));
        share(&mut queue, 100, |_| SLICE);
        // Tenant 2 was idle all along: it runs next, but only once before
        // tenant 1 runs again (no credit banked while idle).
        queue.push(task(2, 128));
        let next = queue.pop().unwrap();
        assert_eq!(next.tenant, 2);
        queue.polled(next, SLICE, true);
        let picks: Vec<TenantId> = (0..4)
            .map(|_| {
                let task = queue.pop().unwrap();
                let tenant = task.tenant;
                queue.polled(task, SLICE, true);
                tenant
            })
            .collect();
        assert!(picks.contains(&1) && picks.contains(&2), "{picks:?}");
    }

    #[test]
    fn finished_tenants_are_forgotten_and_counts_stay_right() {
        let mut queue = RunQueue::new(SLICE);
        queue.push(task(1, 128));
        queue.push(task(1, 128));
        assert_eq!(queue.ready(), 2);
        let a = queue.pop().unwrap();
        let b = queue.pop().unwrap();
        assert_eq!(queue.ready(), 0);
        assert!(queue.pop().is_none());
        queue.polled(a, Duration::from_micros(5), false);
        queue.polled(b, Duration::from_micros(5), false);
        assert!(queue.tenants.is_empty() && queue.order.is_empty());
    }

    #[test]
    fn two_threads_do_not_both_take_the_same_tenant_while_another_waits() {
        let mut queue = RunQueue::new(SLICE);
        for _ in 0..4 {
            queue.push(task(1, 128));
        }
        queue.push(task(2, 128));
        let first = queue.pop().unwrap();
        let second = queue.pop().unwrap();
        assert_ne!(first.tenant, second.tenant, "the advance charge moves tenant 1 behind tenant 2");
    }
}
