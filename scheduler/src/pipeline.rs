//! The synchronous invocation pipeline: resolve → permit → sandbox thread →
//! meter → commit the usage record → answer.

use crate::catalog::{VersionEntry, now_ms};
use crate::error::{Error, Result, ThrottleReason};
use crate::invoke_types::{InvocationType, InvokeRequest, InvokeResponse};
use crate::ledger::UsageRecord;
use crate::log_frame;
use crate::names::{FunctionRef, LATEST};
use crate::resolve;
use crate::state::State;
use crate::warm_pool;
use nimbus_sandbox::limits::MAX_SYNC_PAYLOAD_BYTES;
use nimbus_sandbox::{Invocation, InvocationResult, Outcome};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How much of the log `X-Amz-Log-Result` carries (Lambda: 4 KB).
const LOG_TAIL_BYTES: usize = 4 * 1024;

/// Counts an invocation as in flight until dropped.
struct InFlight<'a>(&'a State);

impl<'a> InFlight<'a> {
    fn enter(state: &'a State) -> Self {
        state.in_flight.fetch_add(1, Ordering::AcqRel);
        state.metrics.concurrent.inc();
        Self(state)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.metrics.concurrent.dec();
        if self.0.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.drained.notify_waiters();
        }
    }
}

/// A uniform draw in [0, 1) from the request id's random bits (a v4 UUID),
/// for weighted aliases: no second random source needed.
fn sample_of(request_id: &uuid::Uuid) -> f64 {
    let bits = u64::from_le_bytes(request_id.as_bytes()[..8].try_into().expect("16-byte uuid"));
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

pub(crate) async fn invoke_sync(state: &Arc<State>, request: InvokeRequest) -> Result<InvokeResponse> {
    if request.payload.len() > MAX_SYNC_PAYLOAD_BYTES {
        return Err(Error::RequestTooLarge(format!(
            "Request must be smaller than {MAX_SYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation"
        )));
    }
    let scope = &state.config.scope;
    let fref = FunctionRef::parse(&request.function, request.qualifier.as_deref())?;
    let request_uuid =
        request.request_id.as_deref().and_then(|id| uuid::Uuid::parse_str(id).ok()).unwrap_or_else(uuid::Uuid::new_v4);
    let request_id = request_uuid.to_string();
    let (version, concurrency) = {
        let catalog = state.read();
        let entry = catalog.functions.get(&fref.name).ok_or_else(|| {
            resolve::function_not_found(scope, &fref.name, Some(fref.qualifier.as_deref().unwrap_or(LATEST)))
        })?;
        let version = resolve::version(entry, scope, &fref.name, fref.qualifier.as_deref(), sample_of(&request_uuid))?;
        (version, Arc::clone(&entry.concurrency))
    };
    if request.invocation_type == InvocationType::DryRun {
        return Ok(InvokeResponse {
            request_id,
            executed_version: version.version.clone(),
            payload: Vec::new(),
            function_error: None,
            log_tail: None,
        });
    }

    let _in_flight = InFlight::enter(state);
    let permit = state.account.acquire(&concurrency).inspect_err(|_| {
        state.metrics.throttles.with_label_values(&[&fref.name]).inc();
    })?;
    version.touch();
    let span =
        tracing::info_span!("sandbox.run", request_id = %request_id, function = %fref.name, version = %version.version);
    let (reply, answer) = tokio::sync::oneshot::channel::<Result<Finished>>();
    let job_state = Arc::clone(state);
    let job_version = Arc::clone(&version);
    let job_request_id = request_id.clone();
    state.threads.submit(move || {
        let _entered = span.enter();
        let result = run(&job_state, &fref.name, &job_version, &job_request_id, request.payload);
        drop(permit);
        let result = match result {
            Ok(result) => result,
            Err(e) => return drop(reply.send(Err(e))),
        };
        let memory_mb = job_version.record.memory_size;
        let body = log_frame::body(&job_request_id, &result);
        let log = request
            .tail_log
            .then(|| log_frame::framed(&job_request_id, &job_version.version, &body, &result.metrics, memory_mb));
        let record = usage_record(&job_request_id, &fref.name, &job_version.version, memory_mb, &result, body);
        record_metrics(&job_state, &fref.name, &job_version, &result, record.gb_seconds);
        let finished = Finished { outcome: result.outcome, log };
        // The request is answered once the record is committed.
        let on_commit = Box::new(move |committed: Result<()>| drop(reply.send(committed.map(|()| finished))));
        job_state.ledger.submit(record, on_commit);
    })?;
    let finished = answer.await.map_err(|_| Error::Service("the invocation was lost".into()))??;

    let (payload, function_error) = match finished.outcome {
        Outcome::Success { response } => (response, None),
        failed => (failed.error_json().unwrap_or_default().into_bytes(), Some("Unhandled".to_string())),
    };
    Ok(InvokeResponse {
        request_id,
        executed_version: version.version.clone(),
        payload,
        function_error,
        log_tail: finished.log.map(|log| tail(&log, LOG_TAIL_BYTES).to_string()),
    })
}

/// An invocation that ran and whose usage record is committed.
struct Finished {
    outcome: Outcome,
    /// The whole log, when the caller asked for its tail.
    log: Option<String>,
}

/// Runs one invocation on this (sandbox) thread.
fn run(
    state: &State,
    name: &str,
    version: &VersionEntry,
    request_id: &str,
    event: Vec<u8>,
) -> Result<InvocationResult> {
    let prepared = warm_pool::warm(&state.engine, &state.store, name, version)?;
    state.engine.invoke(&prepared, Invocation { request_id: request_id.to_string(), event }).map_err(|e| match e {
        nimbus_sandbox::Error::InstanceLimitExceeded { .. } => Error::TooManyRequests {
            reason: ThrottleReason::ConcurrentInvocationLimitExceeded,
            message: "Rate Exceeded.".into(),
            retry_after_s: 1,
        },
        other => Error::service("running the function", other),
    })
}

fn usage_record(
    request_id: &str,
    function: &str,
    version: &str,
    memory_mb: u32,
    result: &InvocationResult,
    log: String,
) -> UsageRecord {
    let metrics = &result.metrics;
    let billed_ms = metrics.billed_duration_ms();
    let started_at_ms = metrics
        .started_at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or_else(|_| now_ms() as i64, |d| d.as_millis() as i64);
    UsageRecord {
        request_id: request_id.to_string(),
        function: function.to_string(),
        version: version.to_string(),
        started_at_ms,
        duration_us: metrics.duration_us,
        billed_ms,
        memory_mb,
        max_memory_used_mb: metrics.max_memory_used_mb(),
        gb_seconds: f64::from(memory_mb) / 1024.0 * billed_ms as f64 / 1000.0,
        instructions: metrics.instructions,
        outcome: result.outcome.error_type().unwrap_or("Success").to_string(),
        log,
    }
}

fn record_metrics(state: &State, function: &str, version: &VersionEntry, result: &InvocationResult, gb_seconds: f64) {
    version.metrics.get_or_init(|| state.metrics.for_function(function)).record(
        result.outcome.is_success(),
        result.metrics.duration_us as f64 / 1e6,
        result.metrics.cold_start,
        gb_seconds,
    );
}

/// The last `max` bytes of `text`, starting on a character boundary.
fn tail(text: &str, max: usize) -> &str {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// Waits until no invocation is in flight, or `grace` has passed.
pub(crate) async fn drain(state: &State, grace: Duration) {
    let deadline = tokio::time::Instant::now() + grace;
    loop {
        let drained = state.drained.notified();
        if state.in_flight.load(Ordering::Acquire) == 0 {
            return;
        }
        if tokio::time::timeout_at(deadline, drained).await.is_err() {
            tracing::warn!(in_flight = state.in_flight.load(Ordering::Acquire), "shutdown grace period over");
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_end_on_a_char_boundary() {
        assert_eq!(tail("héllo", 4), "llo");
        assert_eq!(tail("abc", 10), "abc");
    }

    #[test]
    fn samples_are_in_the_unit_interval() {
        for _ in 0..1000 {
            let s = sample_of(&uuid::Uuid::new_v4());
            assert!((0.0..1.0).contains(&s));
        }
    }
}
