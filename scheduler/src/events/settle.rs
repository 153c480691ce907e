//! What becomes of an event once its story has ended: on success, a record
//! to its `OnSuccess` destination; on failure, a record to its `OnFailure`
//! destination, else its raw event to the function's dead-letter target,
//! else an entry in the dead-letter store. Destinations are invoked
//! asynchronously, through the same queue, so they are durable and retried
//! too. Everything here is written in the same transaction that removes the
//! event.

use super::policy::Condition;
use super::record::{LastResponse, record};
use super::store::{DeadLetter, EventWrite, NewEvent, QueuedEvent};
use crate::names::{FunctionRef, LATEST};
use crate::registry::catalog::Catalog;
use crate::state::State;

/// How an event ended, with what its last attempt answered (if it ran).
pub(crate) struct Ended<'a> {
    pub event: &'a QueuedEvent,
    pub condition: Condition,
    /// Attempts made (Lambda's `approximateInvokeCount`).
    pub attempts: u32,
    pub response: Option<LastResponse<'a>>,
    /// The last error's type and message, when it failed.
    pub error: Option<(&'a str, &'a str)>,
}

/// The writes that settle an ended event (its removal included).
pub(crate) fn settle(state: &State, catalog: &Catalog, ended: &Ended<'_>, now_ms: i64) -> Vec<EventWrite> {
    let event = ended.event;
    let mut writes = vec![EventWrite::Remove { id: event.id }];
    let qualifier = event.qualifier.as_deref().unwrap_or(LATEST);
    let function = catalog.functions.get(&event.function);
    let config = function.and_then(|f| f.event_configs.get(qualifier));
    let success = ended.condition == Condition::Success;
    let destination = config.and_then(|c| if success { c.on_success.as_deref() } else { c.on_failure.as_deref() });
    let metrics = &state.metrics;
    if let Some(arn) = destination {
        let function_arn = state.config.scope.qualified_arn(&event.function, qualifier);
        let payload = record(
            &event.request_id,
            &function_arn,
            now_ms,
            ended.condition,
            ended.attempts,
            &event.payload,
            ended.response.clone(),
        );
        if let Some(queued) = follow_up(arn, payload, now_ms) {
            metrics.destination_deliveries.with_label_values(&[ended.condition.as_str()]).inc();
            writes.push(EventWrite::Enqueue(queued));
            return writes;
        }
        tracing::warn!(destination = arn, "a destination ARN that no longer parses; the event goes to dead letters");
    }
    if success {
        return writes;
    }
    let dead_letter_target = function
        .and_then(|f| match event.qualifier.as_deref() {
            Some(q) if crate::names::is_version(q) => f.version(q),
            _ => Some(&f.latest),
        })
        .and_then(|version| version.record.dead_letter_target.as_deref());
    if let Some(queued) = dead_letter_target.and_then(|arn| follow_up(arn, event.payload.clone(), now_ms)) {
        writes.push(EventWrite::Enqueue(queued));
        return writes;
    }
    metrics.dead_letters.with_label_values(&[&event.function]).inc();
    writes.push(EventWrite::KeepDeadLetter(DeadLetter {
        request_id: event.request_id.clone(),
        function: event.function.clone(),
        qualifier: event.qualifier.clone(),
        condition: ended.condition.as_str().to_string(),
        attempts: ended.attempts,
        first_attempt_ms: event.first_attempt_ms,
        last_attempt_ms: event.last_attempt_ms,
        error_type: ended.error.map(|(error_type, _)| error_type.to_string()),
        error_message: ended.error.map(|(_, message)| message.to_string()),
        payload: event.payload.clone(),
        failed_at_ms: now_ms,
    }));
    writes
}

/// A new event for the function `arn` names, due now.
fn follow_up(arn: &str, payload: Vec<u8>, now_ms: i64) -> Option<NewEvent> {
    let target = FunctionRef::parse(arn, None).ok()?;
    Some(NewEvent {
        request_id: uuid::Uuid::new_v4().to_string(),
        function: target.name,
        qualifier: target.qualifier,
        payload,
        enqueued_at_ms: now_ms,
        due_at_ms: now_ms,
        idempotency_key: None,
    })
}
