//! Running the router on a listener until told to stop.

use crate::{AppState, router};
use axum::serve::ListenerExt;
use std::future::Future;
use std::io;

/// Serves the API on `listener` until `shutdown` completes, then stops
/// accepting, lets in-flight requests finish and returns. Bind port 0 in
/// tests. The caller shuts the scheduler down afterwards.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    // Small JSON answers must not wait for Nagle's algorithm.
    let listener = listener.tap_io(|stream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::trace!(%error, "could not set TCP_NODELAY");
        }
    });
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}
