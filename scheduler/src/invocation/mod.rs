//! The invocation pipeline, in stages:
//! resolve (`resolve.rs`: name and qualifier to one version) → admit
//! (`admit.rs`: a concurrency permit, at once or waiting) → execute
//! (`execute.rs`: a typed job on the fair executor, `executor/`) → meter and
//! commit (`metering/`: the usage record, durable before the answer) →
//! answer (`answer.rs`). Synchronous invokes enter here; event sources will
//! enter at admit, with a completion of their own.

pub(crate) mod admit;
mod answer;
pub(crate) mod execute;
pub(crate) mod executor;
pub(crate) mod resolve;
pub(crate) mod types;
pub(crate) mod warm_pool;

use crate::error::{Error, Result};
use crate::metering;
use crate::state::State;
use answer::Finished;
use execute::{Completion, Job};
use nimbus_sandbox::InvocationResult;
use resolve::Target;
use std::sync::Arc;
use tokio::sync::oneshot;
use types::{InvocationType, InvokeRequest, InvokeResponse};

/// A uniform draw in [0, 1) from the request id's random bits (a v4 UUID),
/// for weighted aliases: no second random source needed.
fn sample_of(request_id: &uuid::Uuid) -> f64 {
    let bits = u64::from_le_bytes(request_id.as_bytes()[..8].try_into().expect("16-byte uuid"));
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Invoke, synchronously: runs the function and answers once its usage
/// record is committed; a throttle is a 429 at once, never a wait.
pub(crate) async fn invoke_sync(state: &Arc<State>, request: InvokeRequest) -> Result<InvokeResponse> {
    let limits = &state.config.limits;
    if request.payload.len() > limits.max_sync_payload_bytes {
        return Err(Error::RequestTooLarge(format!(
            "Request must be smaller than {} bytes for the InvokeFunction operation",
            limits.max_sync_payload_bytes
        )));
    }
    let request_uuid =
        request.request_id.as_deref().and_then(|id| uuid::Uuid::parse_str(id).ok()).unwrap_or_else(uuid::Uuid::new_v4);
    let request_id = request_uuid.to_string();
    let catalog = state.registry.snapshot();
    let target = resolve::target(
        &catalog,
        &state.config.scope,
        &request.function,
        request.qualifier.as_deref(),
        sample_of(&request_uuid),
    )?;
    drop(catalog);
    let executed_version = target.version.version.clone();
    if request.invocation_type == InvocationType::DryRun {
        return Ok(answer::dry_run(request_id, executed_version));
    }

    let (concurrency, reserved) = (&target.function.concurrency, target.function.reserved);
    let permit = match request.wait_for_capacity {
        None => state.account.acquire(concurrency, reserved),
        Some(wait) => state.account.acquire_within(concurrency, reserved, tokio::time::Instant::now() + wait).await,
    }
    .inspect_err(|_| state.metrics.throttles.with_label_values(&[&target.name]).inc())?;
    target.version.touch();
    let prepared = warm_pool::ready(state, &target.name, &target.version).await?;
    let (reply, answered) = oneshot::channel();
    let job = Job { prepared, request_id: request_id.clone(), event: request.payload, tenant: target.function.tenant };
    let completion =
        Answer { state: Arc::clone(state), target, request_id: request_id.clone(), tail_log: request.tail_log, reply };
    execute::execute(state, job, permit, Box::new(completion))?;
    let finished = answered.await.map_err(|_| Error::Service("the invocation was lost".into()))??;
    Ok(answer::response(request_id, executed_version, finished, limits.log_tail_bytes))
}

/// A synchronous caller's completion: meter the result, commit its usage
/// record and answer the caller once the record is durable.
struct Answer {
    state: Arc<State>,
    target: Target,
    request_id: String,
    tail_log: bool,
    reply: oneshot::Sender<Result<Finished>>,
}

impl Completion for Answer {
    fn abandoned(&self) -> bool {
        self.reply.is_closed()
    }

    fn complete(self: Box<Self>, result: Result<InvocationResult>) {
        let Answer { state, target, request_id, tail_log, reply } = *self;
        let result = match result {
            Ok(result) => result,
            Err(e) => return drop(reply.send(Err(e))),
        };
        let metered = metering::meter(&state, &target, &request_id, &result, tail_log);
        let finished = Finished { outcome: result.outcome, log: metered.framed_log };
        state.ledger.submit(metered.record, Box::new(move |committed| drop(reply.send(committed.map(|()| finished)))));
    }
}

/// Waits until no invocation is in flight, or `grace` has passed.
pub(crate) async fn drain(state: &State, grace: std::time::Duration) {
    use std::sync::atomic::Ordering;
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
    fn samples_are_in_the_unit_interval() {
        for _ in 0..1000 {
            let s = sample_of(&uuid::Uuid::new_v4());
            assert!((0.0..1.0).contains(&s));
        }
    }
}
