//! The dispatcher: a thread of its own that takes due events from the
//! queue a window at a time and starts their attempts.
//!
//! For each due event it resolves the function and qualifier again (an
//! alias with its weights, `$LATEST` as it is now), then: an event too old
//! to start, of a function that is gone, or of a function whose reserved
//! concurrency is 0 is settled at once; one that finds no free concurrency
//! waits and tries again later (synchronous invokes, which cannot wait,
//! thus keep the free capacity); any other gets a permit, its attempt is
//! counted durably, and it runs on the executor like a synchronous invoke.

use super::attempt::Attempt;
use super::policy::{Condition, Policy};
use super::record::LastResponse;
use super::settle::{Ended, settle};
use super::store::{self, EventWrite, QueuedEvent};
use crate::error::{Error, Result};
use crate::invocation::admit::Permit;
use crate::invocation::execute::{self, Job};
use crate::invocation::resolve::{self, Target};
use crate::invocation::warm_pool;
use crate::names::LATEST;
use crate::registry::catalog::{Catalog, now_ms};
use crate::state::State;
use rusqlite::Connection;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::{Notify, oneshot};

/// Most events handed out and not yet ended at once.
const WINDOW: usize = 1024;
/// Longest the dispatcher sleeps without looking at the queue.
const MAX_SLEEP: Duration = Duration::from_secs(1);

/// Starts the dispatcher's thread.
pub(super) fn spawn(
    state: Weak<State>,
    connection: Connection,
    wake: Arc<Notify>,
) -> Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("nimbus-dispatch".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build();
            match runtime {
                Ok(runtime) => runtime.block_on(dispatch(state, connection, wake)),
                Err(e) => tracing::error!(error = %e, "the event dispatcher could not start"),
            }
        })
        .map_err(|e| Error::service("starting the event dispatcher", e))
}

async fn dispatch(weak: Weak<State>, connection: Connection, wake: Arc<Notify>) {
    loop {
        let notified = wake.notified();
        let sleep = {
            let Some(state) = weak.upgrade() else { return };
            if state.events.stopping() {
                return;
            }
            match look(&state, &connection).await {
                Ok(None) => continue,
                Ok(Some(sleep)) => sleep,
                Err(e) => {
                    tracing::error!(error = %e, "reading the event queue failed");
                    MAX_SLEEP
                }
            }
        };
        tokio::select! {
            _ = notified => {}
            _ = tokio::time::sleep(sleep) => {}
        }
    }
}

/// Starts what is due; `None` when it may have left more due (look again
/// at once), else how long to sleep.
async fn look(state: &Arc<State>, connection: &Connection) -> Result<Option<Duration>> {
    let now = now_ms() as i64;
    let skip = state.events.in_flight().clone();
    let room = WINDOW.saturating_sub(skip.len());
    if room > 0 {
        let due = store::due(connection, now, room, &skip)?;
        if !due.is_empty() {
            let full = due.len() == room;
            start_batch(state, due, now).await;
            if full {
                return Ok(None);
            }
        }
    }
    let sleep = match store::next_due_at(connection)? {
        Some(at) if at <= now && room > 0 => return Ok(None),
        Some(at) => Duration::from_millis((at - now).max(1) as u64).min(MAX_SLEEP),
        None => MAX_SLEEP,
    };
    Ok(Some(sleep))
}

/// A due event that got a permit, about to run.
struct Admitted {
    event: QueuedEvent,
    target: Target,
    permit: Permit,
    policy: Policy,
}

async fn start_batch(state: &Arc<State>, due: Vec<QueuedEvent>, now: i64) {
    let catalog = state.registry.snapshot();
    let mut settled: Vec<(EventWrite, Option<String>)> = Vec::new();
    let mut admitted: Vec<Admitted> = Vec::new();
    for event in due {
        let config = catalog
            .functions
            .get(&event.function)
            .and_then(|f| f.event_configs.get(event.qualifier.as_deref().unwrap_or(LATEST)));
        let policy = Policy::new(config, state.config.retry_delay_scale);
        match admit(state, &catalog, &event, policy, now) {
            Decision::Run(target, permit) => admitted.push(Admitted { event, target, permit, policy }),
            Decision::Wait { due_at_ms, throttles } => {
                settled.push((EventWrite::Reschedule { id: event.id, due_at_ms, throttles, failure: None }, None))
            }
            Decision::End { condition, error } => {
                let writes = ended(state, &catalog, &event, condition, error, now);
                settled.extend(writes.into_iter().map(|w| (w, Some(event.function.clone()))));
            }
        }
    }
    drop(catalog);
    if !settled.is_empty() {
        let writes = settled.iter().map(|(w, f)| (w.clone(), f.as_deref())).collect();
        super::commit(state, None, writes, |committed| {
            if let Err(e) = committed {
                tracing::error!(error = %e, "settling events failed; they stay queued");
            }
        });
    }
    if admitted.is_empty() {
        return;
    }
    // Count the attempts durably before they run: one cut short by a crash
    // is then counted too.
    let starts = admitted.iter().map(|a| (EventWrite::Start { id: a.event.id, at_ms: now }, None)).collect();
    let (reply, counted) = oneshot::channel();
    {
        let mut in_flight = state.events.in_flight();
        in_flight.extend(admitted.iter().map(|a| a.event.id));
    }
    super::commit(state, None, starts, move |committed| drop(reply.send(committed)));
    if let Err(e) = counted.await.unwrap_or_else(|_| Err(Error::Service("the journal stopped".into()))) {
        tracing::error!(error = %e, "counting event attempts failed; they stay queued");
        let mut in_flight = state.events.in_flight();
        for a in &admitted {
            in_flight.remove(&a.event.id);
        }
        return;
    }
    for Admitted { event, target, permit, policy } in admitted {
        state.metrics.async_event_age.observe((now - event.enqueued_at_ms).max(0) as f64 / 1000.0);
        run(state, event, target, permit, policy).await;
    }
}

/// Hands one admitted event to the executor.
async fn run(state: &Arc<State>, event: QueuedEvent, target: Target, permit: Permit, policy: Policy) {
    let attempt = Attempt::new(Arc::clone(state), event, target.clone(), policy);
    let prepared = match warm_pool::ready(state, &target.name, &target.version).await {
        Ok(prepared) => prepared,
        Err(e) => {
            drop(permit);
            return execute::Completion::complete(Box::new(attempt), Err(e));
        }
    };
    let job = Job {
        prepared,
        request_id: attempt.request_id().to_string(),
        event: attempt.payload().to_vec(),
        tenant: target.function.tenant,
    };
    if let Err(e) = execute::execute(state, job, permit, Box::new(attempt)) {
        tracing::error!(error = %e, "an event attempt could not be queued on the executor");
    }
}

/// What the dispatcher does with one due event.
enum Decision {
    /// It runs now.
    Run(Target, Permit),
    /// It waits for concurrency.
    Wait { due_at_ms: i64, throttles: u32 },
    /// Its story ends here.
    End { condition: Condition, error: Option<(String, String)> },
}

fn admit(state: &State, catalog: &Catalog, event: &QueuedEvent, policy: Policy, now: i64) -> Decision {
    if policy.too_old(event.enqueued_at_ms, now) {
        return Decision::End { condition: Condition::EventAgeExceeded, error: None };
    }
    let sample = uuid::Uuid::parse_str(&event.request_id).map_or(0.0, |id| crate::invocation::sample_of(&id));
    let target =
        match resolve::target(catalog, &state.config.scope, &event.function, event.qualifier.as_deref(), sample) {
            Ok(target) => target,
            Err(e) => {
                return Decision::End {
                    condition: Condition::RetriesExhausted,
                    error: Some(("ResourceNotFoundException".into(), e.to_string())),
                };
            }
        };
    if target.function.reserved == Some(0) {
        return Decision::End { condition: Condition::ZeroReservedConcurrency, error: None };
    }
    match state.account.acquire(&target.function.concurrency, target.function.reserved) {
        Ok(permit) => Decision::Run(target, permit),
        Err(_) => {
            state.metrics.async_throttled.with_label_values(&[&event.function]).inc();
            match policy.after_throttle(event.throttles, event.enqueued_at_ms, now) {
                Ok(due_at_ms) => Decision::Wait { due_at_ms, throttles: event.throttles + 1 },
                Err(condition) => Decision::End { condition, error: None },
            }
        }
    }
}

/// The writes that end an event the dispatcher gives up on (it may have
/// run before: its last failure is told).
fn ended(
    state: &State,
    catalog: &Catalog,
    event: &QueuedEvent,
    condition: Condition,
    error: Option<(String, String)>,
    now: i64,
) -> Vec<EventWrite> {
    let last = event.last_failure.as_ref();
    let error = error.or_else(|| last.map(|f| (f.error_type.clone(), f.error_message.clone())));
    let ended = Ended {
        event,
        condition,
        attempts: event.attempts,
        response: last.map(|f| LastResponse { executed_version: &f.version, failed: true, payload: &f.response }),
        error: error.as_ref().map(|(t, m)| (t.as_str(), m.as_str())),
    };
    settle(state, catalog, &ended, now)
}
