//! The dead-letter store's API (`/nimbus/v1/dead-letters`): failed events
//! that had neither an `OnFailure` destination nor a dead-letter target,
//! listed, fetched, queued again or dropped. They survive restarts.

use super::record::as_json;
use super::store::{self, EventWrite, NewEvent, StoredDeadLetter};
use crate::error::{Error, Result};
use crate::model::{DeadLetterDetails, DeadLetterPage, DeadLetterSummary};
use crate::registry::catalog::now_ms;
use crate::state::State;
use std::sync::Arc;
use tokio::sync::oneshot;

/// Most dead letters one page holds.
pub(crate) const MAX_PAGE: usize = 100;

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn summary(stored: &StoredDeadLetter) -> DeadLetterSummary {
    let letter = &stored.letter;
    DeadLetterSummary {
        id: stored.id,
        request_id: letter.request_id.clone(),
        function: letter.function.clone(),
        qualifier: letter.qualifier.clone(),
        condition: letter.condition.clone(),
        attempts: letter.attempts,
        first_attempt: letter.first_attempt_ms.map(rfc3339),
        last_attempt: letter.last_attempt_ms.map(rfc3339),
        error_type: letter.error_type.clone(),
        error_message: letter.error_message.clone(),
        payload_bytes: letter.payload.len(),
        failed_at: rfc3339(letter.failed_at_ms),
    }
}

fn not_found(id: i64) -> Error {
    Error::NotFound(format!("No dead letter with id {id}"))
}

impl State {
    pub(crate) fn dead_letters(
        &self,
        function: Option<&str>,
        marker: Option<&str>,
        limit: Option<usize>,
    ) -> Result<DeadLetterPage> {
        let after = match marker {
            None => 0,
            Some(marker) => marker
                .parse::<i64>()
                .map_err(|_| Error::InvalidParameter(format!("The marker {marker} is not one this API gave.")))?,
        };
        let limit = limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
        let mut page = store::dead_letters(&self.registry.store.lock(), function, after, limit + 1)?;
        let more = page.len() > limit;
        page.truncate(limit);
        Ok(DeadLetterPage {
            next_marker: more.then(|| page.last().map(|d| d.id.to_string())).flatten(),
            dead_letters: page.iter().map(summary).collect(),
        })
    }

    pub(crate) fn dead_letter(&self, id: i64) -> Result<DeadLetterDetails> {
        let stored = store::dead_letter(&self.registry.store.lock(), id)?.ok_or_else(|| not_found(id))?;
        Ok(DeadLetterDetails { summary: summary(&stored), payload: as_json(&stored.letter.payload) })
    }
}

/// Queues a dead letter's event again (same request id, attempts from
/// zero) and drops it from the store, in one transaction.
pub(crate) async fn redrive(state: &Arc<State>, id: i64) -> Result<DeadLetterSummary> {
    let stored = store::dead_letter(&state.registry.store.lock(), id)?.ok_or_else(|| not_found(id))?;
    let now = now_ms() as i64;
    let letter = &stored.letter;
    let event = NewEvent {
        request_id: letter.request_id.clone(),
        function: letter.function.clone(),
        qualifier: letter.qualifier.clone(),
        payload: letter.payload.clone(),
        enqueued_at_ms: now,
        due_at_ms: now,
        idempotency_key: None,
    };
    let writes = vec![(EventWrite::ForgetDeadLetter { id }, None), (EventWrite::Enqueue(event), None)];
    let (reply, committed) = oneshot::channel();
    super::commit(state, None, writes, move |outcome| drop(reply.send(outcome)));
    committed.await.map_err(|_| Error::Service("redriving was lost".into()))??;
    Ok(summary(&stored))
}

/// Drops a dead letter.
pub(crate) async fn delete(state: &Arc<State>, id: i64) -> Result<()> {
    store::dead_letter(&state.registry.store.lock(), id)?.ok_or_else(|| not_found(id))?;
    let (reply, committed) = oneshot::channel();
    super::commit(state, None, vec![(EventWrite::ForgetDeadLetter { id }, None)], move |outcome| {
        drop(reply.send(outcome))
    });
    committed.await.map_err(|_| Error::Service("deleting was lost".into()))??;
    Ok(())
}
