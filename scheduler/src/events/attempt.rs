//! One attempt of a queued event: how it ended decides what becomes of the
//! event, committed with the attempt's usage record in one transaction —
//! done (and its `OnSuccess` destination told), retried later, or settled
//! as a failure.

use super::policy::{Condition, Policy};
use super::record::LastResponse;
use super::settle::{Ended, settle};
use super::store::{EventWrite, Failure, QueuedEvent};
use crate::error::{Error, Result};
use crate::invocation::execute::Completion;
use crate::invocation::resolve::Target;
use crate::invocation::types::InvocationType;
use crate::metering::{self, Invoked};
use crate::registry::catalog::now_ms;
use crate::state::State;
use nimbus_sandbox::{InvocationResult, Outcome};
use std::sync::Arc;

/// An event's attempt, running.
pub(super) struct Attempt {
    state: Arc<State>,
    event: QueuedEvent,
    target: Target,
    policy: Policy,
}

impl Attempt {
    pub(super) fn new(state: Arc<State>, event: QueuedEvent, target: Target, policy: Policy) -> Self {
        Self { state, event, target, policy }
    }

    pub(super) fn request_id(&self) -> &str {
        &self.event.request_id
    }

    pub(super) fn payload(&self) -> &[u8] {
        &self.event.payload
    }
}

impl Completion for Attempt {
    fn abandoned(&self) -> bool {
        false
    }

    fn complete(self: Box<Self>, result: Result<InvocationResult>) {
        let Attempt { state, mut event, target, policy } = *self;
        let now = now_ms() as i64;
        let number = event.attempts + 1;
        event.attempts = number;
        event.first_attempt_ms.get_or_insert(now);
        event.last_attempt_ms = Some(now);
        let function = event.function.clone();
        let id = event.id;
        let (usage, mut writes) = match result {
            Ok(result) => {
                let invoked = Invoked { invocation_type: InvocationType::Event, attempt: number };
                let metered = metering::meter(&state, &target, &event.request_id, &result, invoked, false);
                (Some(metered.record), decide(&state, &event, &target, policy, &result, now))
            }
            // The sandbox had no free instance slot: as a throttle, this
            // attempt does not count against the retries.
            Err(Error::TooManyRequests { .. }) => {
                let writes = match policy.after_throttle(event.throttles, event.enqueued_at_ms, now) {
                    Ok(due_at_ms) => {
                        vec![EventWrite::Reschedule { id, due_at_ms, throttles: event.throttles + 1, failure: None }]
                    }
                    Err(condition) => {
                        let catalog = state.registry.snapshot();
                        let ended = Ended { event: &event, condition, attempts: number, response: None, error: None };
                        settle(&state, &catalog, &ended, now)
                    }
                };
                (None, writes)
            }
            Err(e) => {
                let failure = Failure {
                    version: target.version.version.clone(),
                    error_type: "ServiceException".into(),
                    error_message: e.to_string(),
                    response: serde_json::to_vec(&serde_json::json!({
                        "errorMessage": e.to_string(),
                        "errorType": "ServiceException",
                    }))
                    .unwrap_or_default(),
                };
                (None, after_failure(&state, &event, policy, failure, now))
            }
        };
        // An attempt that ran gave its function's concurrency back.
        if usage.is_some() {
            writes.push(EventWrite::WakeThrottled { function: function.clone(), at_ms: now });
        }
        let tagged = writes
            .into_iter()
            .map(|write| {
                let removes = matches!(write, EventWrite::Remove { .. });
                (write, removes.then_some(function.as_str()))
            })
            .collect();
        let finished = Arc::clone(&state);
        super::commit(&state, usage, tagged, move |committed| {
            finished.events.in_flight().remove(&id);
            if let Err(e) = committed {
                tracing::error!(error = %e, "recording an event attempt failed; the event will run again");
            }
        });
    }
}

/// What an attempt that ran comes to.
fn decide(
    state: &State,
    event: &QueuedEvent,
    target: &Target,
    policy: Policy,
    result: &InvocationResult,
    now: i64,
) -> Vec<EventWrite> {
    let version = &target.version.version;
    match &result.outcome {
        Outcome::Success { response } => {
            let catalog = state.registry.snapshot();
            let ended = Ended {
                event,
                condition: Condition::Success,
                attempts: event.attempts,
                response: Some(LastResponse { executed_version: version, failed: false, payload: response }),
                error: None,
            };
            settle(state, &catalog, &ended, now)
        }
        failed => {
            let failure = Failure {
                version: version.clone(),
                error_type: failed.error_type().unwrap_or_default().to_string(),
                error_message: failed.error_message().unwrap_or_default(),
                response: failed.error_json().unwrap_or_default().into_bytes(),
            };
            after_failure(state, event, policy, failure, now)
        }
    }
}

/// A failed attempt: a retry when one is allowed in time, else the end.
fn after_failure(state: &State, event: &QueuedEvent, policy: Policy, failure: Failure, now: i64) -> Vec<EventWrite> {
    match policy.after_failure(event.attempts, event.enqueued_at_ms, now) {
        Ok(due_at_ms) => {
            state.metrics.async_retries.with_label_values(&[&event.function]).inc();
            vec![EventWrite::Reschedule { id: event.id, due_at_ms, throttles: 0, failure: Some(failure) }]
        }
        Err(condition) => {
            let catalog = state.registry.snapshot();
            let ended = Ended {
                event,
                condition,
                attempts: event.attempts,
                response: Some(LastResponse {
                    executed_version: &failure.version,
                    failed: true,
                    payload: &failure.response,
                }),
                error: Some((&failure.error_type, &failure.error_message)),
            };
            settle(state, &catalog, &ended, now)
        }
    }
}
