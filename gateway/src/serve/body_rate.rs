//! A request body held to a minimum rate, so that a client cannot keep a
//! connection (and the handler reading its body) for hours by sending a
//! byte now and then.
//!
//! The clock starts the first time the body has nothing to give: from
//! then on, the bytes received must keep up `bytes_per_second`, with an
//! allowance of `grace` (so the deadline for the n-th byte is
//! `start + grace + n / rate`). A body that arrives whole with its head
//! never starts the clock and costs nothing more.

use axum::body::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// The error a body too slow ends with (the handler answers 408).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BodyTooSlow {
    /// The rate it fell below.
    pub(crate) bytes_per_second: u64,
}

impl fmt::Display for BodyTooSlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "The request body arrived slower than {} bytes per second.", self.bytes_per_second)
    }
}

impl std::error::Error for BodyTooSlow {}

/// Whether `error`, or an error it wraps, is [`BodyTooSlow`].
pub(crate) fn too_slow(error: &(dyn std::error::Error + 'static)) -> Option<BodyTooSlow> {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(slow) = error.downcast_ref::<BodyTooSlow>() {
            return Some(*slow);
        }
        next = error.source();
    }
    None
}

pin_project_lite::pin_project! {
    /// `Incoming` with a minimum rate.
    pub(crate) struct MinRate {
        #[pin]
        inner: Incoming,
        bytes_per_second: u64,
        grace: Duration,
        // Set the first time the body had nothing to give.
        clock: Option<Clock>,
    }
}

struct Clock {
    started: Instant,
    received: u64,
    /// Boxed: most bodies never need one.
    timer: Pin<Box<Sleep>>,
    /// What `timer` is set to; `None` once it has fired.
    armed: Option<Instant>,
}

impl MinRate {
    pub(crate) fn new(inner: Incoming, bytes_per_second: u64, grace: Duration) -> Self {
        Self { inner, bytes_per_second: bytes_per_second.max(1), grace, clock: None }
    }
}

impl Clock {
    fn deadline(&self, bytes_per_second: u64, grace: Duration) -> Instant {
        self.started + grace + Duration::from_secs_f64(self.received as f64 / bytes_per_second as f64)
    }
}

impl Body for MinRate {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.project();
        match this.inner.poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let (Some(clock), Some(data)) = (this.clock.as_mut(), frame.data_ref()) {
                    clock.received += data.len() as u64;
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(error.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                let (rate, grace) = (*this.bytes_per_second, *this.grace);
                let clock = this.clock.get_or_insert_with(|| {
                    let started = Instant::now();
                    let timer = Box::pin(tokio::time::sleep_until(started + grace));
                    Clock { started, received: 0, timer, armed: None }
                });
                loop {
                    let deadline = clock.deadline(rate, grace);
                    // The deadline only moves later: the timer is set
                    // again only once it has fired.
                    if clock.armed.is_none() {
                        clock.timer.as_mut().reset(deadline);
                        clock.armed = Some(deadline);
                    }
                    if clock.timer.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    clock.armed = None;
                    if deadline <= Instant::now() {
                        return Poll::Ready(Some(Err(Box::new(BodyTooSlow { bytes_per_second: rate }))));
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
