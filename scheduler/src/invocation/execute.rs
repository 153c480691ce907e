//! The pipeline's execute stage: a typed job (the prepared version, the
//! request id, the event) run on the executor, its plain-data
//! [`InvocationResult`] handed to whoever asked for it.
//!
//! Whoever asks supplies a [`Completion`]: the synchronous pipeline meters
//! the result and answers its caller once the usage record is committed
//! (on the sandbox thread that ran it: one hand-off in all). Event sources
//! will supply their own. A worker process or another node can take the
//! place of this stage behind the same job and completion.

use super::admit::Permit;
use super::executor::TenantId;
use crate::error::{Error, Result, ThrottleReason};
use crate::state::{InFlight, State};
use nimbus_sandbox::{Invocation, InvocationResult, PreparedFunction};
use std::sync::Arc;
use tracing::Instrument as _;

/// One invocation to run.
pub(crate) struct Job {
    pub prepared: PreparedFunction,
    pub request_id: String,
    pub event: Vec<u8>,
    /// Its function, for fair sharing.
    pub tenant: TenantId,
}

/// What happens to a job's result.
pub(crate) trait Completion: Send + 'static {
    /// Whether nobody waits for the result any more (a synchronous caller
    /// that has gone): checked when the job's turn comes, before it runs.
    fn abandoned(&self) -> bool;

    /// Takes the result (on the sandbox thread that ran the job).
    fn complete(self: Box<Self>, result: Result<InvocationResult>);
}

/// Queues `job` on the executor; `permit` is held until it has run.
pub(crate) fn execute(state: &Arc<State>, job: Job, permit: Permit, completion: Box<dyn Completion>) -> Result<()> {
    let in_flight = InFlight::enter(state);
    let span = tracing::info_span!("sandbox.run", request_id = %job.request_id, function = %job.prepared.config().name);
    let memory_mb = job.prepared.config().memory_mb;
    let running = Arc::clone(state);
    let signal = state.executor.yield_signal();
    state.executor.spawn(
        job.tenant,
        memory_mb,
        async move {
            if completion.abandoned() {
                tracing::debug!("the caller has gone; not run");
                drop((permit, in_flight));
                return;
            }
            let invocation = Invocation { request_id: job.request_id, event: job.event, yield_signal: Some(signal) };
            let result = running.engine.run(&job.prepared, invocation).await.map_err(sandbox_error);
            drop(permit);
            completion.complete(result);
            drop(in_flight);
        }
        .instrument(span),
    )
}

/// What the sandbox's own failures mean to the caller.
fn sandbox_error(error: nimbus_sandbox::Error) -> Error {
    match error {
        nimbus_sandbox::Error::InstanceLimitExceeded { .. } => Error::TooManyRequests {
            reason: ThrottleReason::ConcurrentInvocationLimitExceeded,
            message: "Rate Exceeded.".into(),
            retry_after_s: 1,
        },
        other => Error::service("running the function", other),
    }
}
