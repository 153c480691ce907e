//! Asynchronous invocation: durable events, retries, destinations, dead
//! letters and idempotency keys.
//!
//! An Event invoke is answered (202) once its event is committed to the
//! queue (`store.rs`, through the journal's group commit). A dispatcher
//! (`dispatcher.rs`) takes due events from disk a window at a time, admits
//! each as a synchronous invoke is admitted but never fails one for
//! throttling (it waits and tries again), and runs it on the same executor,
//! metered and logged the same way; the attempt's end (`attempt.rs`) is
//! committed with its usage record: the event is done, retried later
//! (`policy.rs`), or settled — a record to a destination, its raw event to
//! a dead-letter function, or the dead-letter store (`settle.rs`,
//! `record.rs`). Every event that got a 202 runs or reaches its failure
//! handling, across `kill -9` and restarts; only an attempt cut short by a
//! crash may run again, and it is counted.

mod attempt;
pub(crate) mod dead_letters;
mod dispatcher;
pub(crate) mod model;
pub(crate) mod policy;
mod record;
mod settle;
pub(crate) mod store;

use crate::error::{Error, Result};
use crate::invocation::resolve;
use crate::invocation::types::{InvokeRequest, InvokeResponse};
use crate::journal::{Committed, Entry};
use crate::registry::catalog::now_ms;
use crate::state::State;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use store::{EventWrite, NewEvent};
use tokio::sync::{Notify, oneshot};

/// Longest idempotency key (the and the header's limit).
const MAX_IDEMPOTENCY_KEY: usize = 256;

/// What the event machinery shares.
pub(crate) struct Events {
    /// Wakes the dispatcher: events may be due.
    wake: Arc<Notify>,
    stopping: AtomicBool,
    /// Events handed to the executor whose attempt has not ended.
    in_flight: Mutex<HashSet<i64>>,
    /// The dispatcher thread, once started.
    dispatcher: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Events {
    pub(crate) fn new() -> Self {
        Self {
            wake: Arc::new(Notify::new()),
            stopping: AtomicBool::new(false),
            in_flight: Mutex::new(HashSet::new()),
            dispatcher: Mutex::new(None),
        }
    }

    fn in_flight(&self) -> MutexGuard<'_, HashSet<i64>> {
        self.in_flight.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Tells the dispatcher to look for due events.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops dispatching (running attempts finish; the rest stays queued)
    /// and waits for the dispatcher to end.
    pub(crate) fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        self.wake.notify_one();
        let dispatcher = self.dispatcher.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(dispatcher) = dispatcher {
            let _ = dispatcher.join();
        }
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }
}

/// Starts the dispatcher (after a crash, attempts that were running are
/// queued again first).
pub(crate) fn start(state: &Arc<State>) -> Result<()> {
    let connection = crate::registry::store::connect(&state.config.data_dir.join("registry.sqlite3"))?;
    let interrupted = store::requeue_interrupted(&connection)?;
    if interrupted > 0 {
        tracing::warn!(interrupted, "attempts cut short by the last stop will run again");
    }
    for (function, queued) in store::queued_by_function(&connection)? {
        state.metrics.async_queued.with_label_values(&[&function]).set(queued);
    }
    let handle = dispatcher::spawn(Arc::downgrade(state), connection, Arc::clone(&state.events.wake))?;
    *state.events.dispatcher.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
    Ok(())
}

/// Commits `writes` (with `usage`, when an attempt ran) in one
/// transaction; once committed, moves the queued gauges, calls `then` and
/// wakes the dispatcher (unless all it wrote was attempts starting).
pub(crate) fn commit(
    state: &Arc<State>,
    usage: Option<crate::metering::UsageRecord>,
    writes: Vec<(EventWrite, Option<&str>)>,
    then: impl FnOnce(Result<Committed>) + Send + 'static,
) {
    let mut deltas: HashMap<String, i64> = HashMap::new();
    for (write, function) in &writes {
        match write {
            EventWrite::Enqueue(event) => *deltas.entry(event.function.clone()).or_default() += 1,
            EventWrite::Remove { .. } => {
                if let Some(function) = function {
                    *deltas.entry(function.to_string()).or_default() -= 1;
                }
            }
            _ => {}
        }
    }
    // Counting attempts that start makes nothing due and frees no room:
    // the dispatcher's own commits do not wake it.
    let wakes = writes.iter().any(|(write, _)| !matches!(write, EventWrite::Start { .. }));
    let mut entries: Vec<Entry> = usage.into_iter().map(Entry::Usage).collect();
    entries.extend(writes.into_iter().map(|(write, _)| Entry::Event(write)));
    let committed_state = Arc::clone(state);
    state.journal.submit(
        entries,
        Box::new(move |committed: Result<Committed>| {
            if let Ok(done) = &committed
                && done.duplicate_of.is_none()
            {
                for (function, delta) in deltas {
                    committed_state.metrics.async_queued.with_label_values(&[&function]).add(delta);
                }
            }
            // After `then`, which may release the event's place in the
            // dispatcher's window.
            then(committed);
            if wakes {
                committed_state.events.wake();
            }
        }),
    );
}

/// An Event invoke: checks it as Invoke does, queues it durably and
/// answers with its request id (the first one, for a repeated idempotency
/// key) once it is committed.
pub(crate) async fn invoke_async(state: &Arc<State>, request: InvokeRequest) -> Result<InvokeResponse> {
    let limit = state.config.limits.max_async_payload_bytes;
    if request.payload.len() > limit {
        return Err(Error::RequestTooLarge(format!(
            "{} byte payload is too large for the Event invocation type (limit {limit} bytes)",
            request.payload.len()
        )));
    }
    if let Some(key) = &request.idempotency_key
        && (key.is_empty()
            || key.len() > MAX_IDEMPOTENCY_KEY
            || !key.bytes().all(|b| b.is_ascii_graphic() || b == b' '))
    {
        return Err(Error::InvalidParameter(format!(
            "X-Nimbus-Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII characters."
        )));
    }
    let request_id = request
        .request_id
        .as_deref()
        .and_then(|id| uuid::Uuid::parse_str(id).ok())
        .unwrap_or_else(uuid::Uuid::new_v4)
        .to_string();
    // Resolved now only to refuse a missing function or qualifier: the
    // event keeps its qualifier, resolved again at each attempt.
    let catalog = state.registry.snapshot();
    let target = resolve::target(&catalog, &state.config.scope, &request.function, request.qualifier.as_deref(), 0.0)?;
    let qualifier = crate::names::FunctionRef::parse(&request.function, request.qualifier.as_deref())?.qualifier;
    drop(catalog);
    let now = now_ms() as i64;
    let event = NewEvent {
        request_id: request_id.clone(),
        function: target.name,
        qualifier,
        payload: request.payload,
        enqueued_at_ms: now,
        due_at_ms: now,
        idempotency_key: request.idempotency_key,
    };
    let (reply, committed) = oneshot::channel();
    commit(state, None, vec![(EventWrite::Enqueue(event), None)], move |outcome| drop(reply.send(outcome)));
    let committed = committed.await.map_err(|_| Error::Service("queueing the event was lost".into()))??;
    Ok(InvokeResponse {
        request_id: committed.duplicate_of.unwrap_or(request_id),
        executed_version: String::new(),
        payload: Vec::new(),
        function_error: None,
        log_tail: None,
    })
}
