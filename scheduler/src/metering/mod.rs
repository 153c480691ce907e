//! Metering: what each invocation used, recorded before it is answered.
//! Each invocation (each attempt of an event) is one [`UsageRecord`], which
//! the journal commits (`journal/`); logs are stored with it and framed on
//! read (`log_frame.rs`); Prometheus metrics count the same facts
//! (`metrics.rs`); usage and logs are read back for the extensions API
//! (`usage.rs`).

pub(crate) mod log_frame;
pub(crate) mod metrics;
mod usage;
pub(crate) mod usage_types;

use crate::invocation::resolve::Target;
use crate::invocation::types::InvocationType;
use crate::registry::catalog::now_ms;
use crate::state::State;
use nimbus_sandbox::InvocationResult;

/// What one invocation used and how it ended: a row of the usage ledger.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UsageRecord {
    pub request_id: String,
    pub function: String,
    pub version: String,
    pub started_at_ms: i64,
    pub duration_us: u64,
    pub billed_ms: u64,
    pub memory_mb: u32,
    pub max_memory_used_mb: u64,
    pub gb_seconds: f64,
    pub instructions: Option<u64>,
    /// `Success`, or the error type.
    pub outcome: String,
    /// The function's log (see `log_frame::body`); START, END and REPORT
    /// are rebuilt from this row when it is read.
    pub log: String,
    /// RequestResponse, or Event for an attempt of a queued event.
    pub invocation_type: InvocationType,
    /// 1 for a synchronous invocation; an event's attempt number.
    pub attempt: u32,
}

/// One invocation, metered.
pub(crate) struct Metered {
    /// What the ledger keeps.
    pub record: UsageRecord,
    /// The whole log, framed with START/END/REPORT, when asked for.
    pub framed_log: Option<String>,
}

/// How an invocation came to run, as its usage record says.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Invoked {
    pub invocation_type: InvocationType,
    pub attempt: u32,
}

impl Invoked {
    /// A synchronous invocation.
    pub(crate) const SYNC: Invoked = Invoked { invocation_type: InvocationType::RequestResponse, attempt: 1 };
}

/// Meters one invocation of `target`: its usage record (not yet committed)
/// and its metrics; with `frame_log`, its log as Lambda frames it.
pub(crate) fn meter(
    state: &State,
    target: &Target,
    request_id: &str,
    result: &InvocationResult,
    invoked: Invoked,
    frame_log: bool,
) -> Metered {
    let version = &target.version;
    let memory_mb = version.record.memory_size;
    let body = log_frame::body(request_id, result);
    let framed_log =
        frame_log.then(|| log_frame::framed(request_id, &version.version, &body, &result.metrics, memory_mb));
    let metrics = &result.metrics;
    let billed_ms = metrics.billed_duration_ms();
    let started_at_ms = metrics
        .started_at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or_else(|_| now_ms() as i64, |d| d.as_millis() as i64);
    let gb_seconds = f64::from(memory_mb) / 1024.0 * billed_ms as f64 / 1000.0;
    version.metrics.get_or_init(|| state.metrics.for_function(&target.name)).record(
        result.outcome.is_success(),
        metrics.duration_us as f64 / 1e6,
        metrics.cold_start,
        gb_seconds,
    );
    let record = UsageRecord {
        request_id: request_id.to_string(),
        function: target.name.clone(),
        version: version.version.clone(),
        started_at_ms,
        duration_us: metrics.duration_us,
        billed_ms,
        memory_mb,
        max_memory_used_mb: metrics.max_memory_used_mb(),
        gb_seconds,
        instructions: metrics.instructions,
        outcome: result.outcome.error_type().unwrap_or("Success").to_string(),
        log: body,
        invocation_type: invoked.invocation_type,
        attempt: invoked.attempt,
    };
    Metered { record, framed_log }
}
