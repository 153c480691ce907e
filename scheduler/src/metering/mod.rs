//! Metering: what each invocation used, recorded before it is answered.
//! The usage ledger (`ledger.rs`) commits one record per invocation; logs
//! are stored with it and framed on read (`log_frame.rs`); Prometheus
//! metrics count the same facts (`metrics.rs`); usage and logs are read
//! back for the extensions API (`usage.rs`).

pub(crate) mod ledger;
pub(crate) mod log_frame;
pub(crate) mod metrics;
mod usage;
pub(crate) mod usage_types;

use crate::invocation::resolve::Target;
use crate::registry::catalog::now_ms;
use crate::state::State;
use ledger::UsageRecord;
use nimbus_sandbox::InvocationResult;

/// One invocation, metered.
pub(crate) struct Metered {
    /// What the ledger keeps.
    pub record: UsageRecord,
    /// The whole log, framed with START/END/REPORT, when asked for.
    pub framed_log: Option<String>,
}

/// Meters one invocation of `target`: its usage record (not yet committed)
/// and its metrics; with `frame_log`, its log as Lambda frames it.
pub(crate) fn meter(
    state: &State,
    target: &Target,
    request_id: &str,
    result: &InvocationResult,
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
    };
    Metered { record, framed_log }
}
