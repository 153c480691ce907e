//! The synchronous invocation pipeline: resolve → permit → sandbox thread →
//! meter → commit the usage record → answer.

use crate::catalog::now_ms;
use crate::error::{Error, Result, ThrottleReason};
use crate::invoke_types::{InvocationType, InvokeRequest, InvokeResponse};
use crate::ledger::UsageRecord;
use crate::names::{FunctionRef, LATEST};
use crate::resolve;
use crate::state::State;
use crate::warm_pool;
use nimbus_sandbox::limits::MAX_SYNC_PAYLOAD_BYTES;
use nimbus_sandbox::{Invocation, InvocationResult, Outcome};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tracing::Instrument;

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
    let request_uuid = request
        .request_id
        .as_deref()
        .and_then(|id| uuid::Uuid::parse_str(id).ok())
        .unwrap_or_else(uuid::Uuid::new_v4);
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
    let span = tracing::info_span!("sandbox.run", request_id = %request_id, function = %fref.name, version = %version.version);
    let job_state = Arc::clone(state);
    let job_version = Arc::clone(&version);
    let job_name = fref.name.clone();
    let job_request_id = request_id.clone();
    let result = state
        .threads
        .run(move || -> Result<InvocationResult> {
            let prepared = warm_pool::warm(&job_state.engine, &job_state.store, &job_name, &job_version)?;
            job_state
                .engine
                .invoke(&prepared, Invocation { request_id: job_request_id, event: request.payload })
                .map_err(|e| match e {
                    nimbus_sandbox::Error::InstanceLimitExceeded { .. } => Error::TooManyRequests {
                        reason: ThrottleReason::ConcurrentInvocationLimitExceeded,
                        message: "Rate Exceeded.".into(),
                        retry_after_s: 1,
                    },
                    other => Error::service("running the function", other),
                })
        })
        .instrument(span)
        .await??;
    drop(permit);

    let memory_mb = version.record.memory_size;
    let log = full_log(&request_id, &version.version, &result, memory_mb);
    let record = usage_record(&request_id, &fref.name, &version.version, memory_mb, &result, &log);
    record_metrics(state, &fref.name, &result, &record);
    state.ledger.commit(record).await?;

    let (payload, function_error) = match result.outcome {
        Outcome::Success { response } => (response, None),
        failed => (failed.error_json().unwrap_or_default().into_bytes(), Some("Unhandled".to_string())),
    };
    Ok(InvokeResponse {
        request_id,
        executed_version: version.version.clone(),
        payload,
        function_error,
        log_tail: request.tail_log.then(|| tail(&log, LOG_TAIL_BYTES).to_string()),
    })
}

/// The log as Lambda frames it: START, the function's lines, the platform's
/// error if any, END and REPORT.
fn full_log(request_id: &str, version: &str, result: &InvocationResult, memory_mb: u32) -> String {
    let mut log = format!("START RequestId: {request_id} Version: {version}\n");
    log.push_str(&String::from_utf8_lossy(&result.log));
    if !log.ends_with('\n') {
        log.push('\n');
    }
    if !result.outcome.is_success()
        && !matches!(result.outcome, Outcome::FunctionError { .. })
        && let Some(message) = result.outcome.error_message()
    {
        log.push_str(&format!("RequestId: {request_id} Error: {message}\n"));
    }
    log.push_str(&format!("END RequestId: {request_id}\n"));
    log.push_str(&result.metrics.report_line(request_id, memory_mb));
    log.push('\n');
    log
}

fn usage_record(
    request_id: &str,
    function: &str,
    version: &str,
    memory_mb: u32,
    result: &InvocationResult,
    log: &str,
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
        log: log.to_string(),
    }
}

fn record_metrics(state: &State, function: &str, result: &InvocationResult, record: &UsageRecord) {
    let metrics = &state.metrics;
    let outcome = if result.outcome.is_success() { "success" } else { "error" };
    metrics.invocations.with_label_values(&[function, outcome]).inc();
    metrics
        .duration
        .with_label_values(&[function])
        .observe(result.metrics.duration_us as f64 / 1e6);
    if result.metrics.cold_start {
        metrics.cold_starts.with_label_values(&[function]).inc();
    }
    metrics.billed_gb_seconds.with_label_values(&[function]).inc_by(record.gb_seconds);
    metrics.billed_gb_seconds_all.inc_by(record.gb_seconds);
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
