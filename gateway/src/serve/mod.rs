//! Running the router on a listener until told to stop, with limits on
//! what a client connection may hold (`Limits::connections`):
//!
//! - at most `max_connections` open at once: a connection beyond them is
//!   closed as soon as it is accepted, and the established ones keep
//!   working (each holds a slot of a semaphore until it ends);
//! - a request's head must arrive within `header_timeout` of its first
//!   byte, and a connection may wait at most `idle_timeout` for the next
//!   request ([`connection`]);
//! - a request body must keep up `min_body_bytes_per_second`
//!   ([`body_rate`]).
//!
//! hyper serves each connection (HTTP/1.1). Its own header timeout is not
//! used: it runs from the moment a connection waits for a head, so it
//! would also end idle keep-alive connections, which have a longer
//! timeout of their own.

pub(crate) mod body_rate;
mod connection;

use crate::{AppState, router};
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};

/// How long to wait before accepting again after `accept` itself failed
/// (e.g. out of file descriptors), so that the loop does not spin.
const ACCEPT_RETRY: Duration = Duration::from_millis(50);

/// Serves the API on `listener` until `shutdown` completes, then stops
/// accepting, lets in-flight requests finish and returns. Bind port 0 in
/// tests. The caller shuts the scheduler down afterwards.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let limits = state.limits().connections.clone();
    let address = listener.local_addr()?;
    let mut state = state;
    Arc::make_mut(&mut state.hosts).allow_address(address.ip());
    let router = router(state);
    let max_connections = limits.max_connections.clamp(1, u32::MAX as usize);
    let slots = Arc::new(Semaphore::new(max_connections));
    let stopping = Arc::new(Notify::new());
    let mut over_limit = OverLimit::default();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_RETRY).await;
                    continue;
                }
            },
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            // Closed at once: the established connections keep their slots.
            drop(stream);
            over_limit.count(max_connections);
            continue;
        };
        // Small JSON answers must not wait for Nagle's algorithm.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::trace!(%error, "could not set TCP_NODELAY");
        }
        // Made before the task starts, so that it hears a stop sent at any time after.
        let stop = Arc::clone(&stopping).notified_owned();
        tokio::spawn(connection::serve(stream, router.clone(), limits.clone(), stop, slot));
    }
    drop(listener);
    stopping.notify_waiters();
    // Every connection holds a slot until it has ended.
    let _all = slots.acquire_many(max_connections as u32).await;
    Ok(())
}

/// Says, at most once a minute, that connections were closed for being
/// over the limit.
#[derive(Default)]
struct OverLimit {
    closed: u64,
    last_said: Option<tokio::time::Instant>,
}

impl OverLimit {
    fn count(&mut self, max_connections: usize) {
        self.closed += 1;
        let now = tokio::time::Instant::now();
        if self.last_said.is_none_or(|said| now.duration_since(said) >= Duration::from_secs(60)) {
            tracing::warn!(
                closed = self.closed,
                "{max_connections} connections are open (--max-connections); closing new ones at once"
            );
            self.closed = 0;
            self.last_said = Some(now);
        }
    }
}
