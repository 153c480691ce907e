//! One client connection: hyper serves it, and a watchdog closes it when
//! a request's head takes longer than the header timeout (from its first
//! byte) or when it waits longer than the idle timeout for the next
//! request (from the end of the last answer, or from its opening).
//!
//! Where the connection is is kept in one atomic word ([`Phase`]): the
//! socket wrapper marks the first byte of a head, the service marks the
//! start and the end of each request, and the watchdog reads it whenever
//! the connection's task wakes. Its timer is only moved earlier at once;
//! when it fires, it is set again from the phase the connection is in by
//! then, so a request costs two clock reads and no timer operation.

use super::body_rate::MinRate;
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use nimbus_scheduler::ConnectionLimits;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, futures::OwnedNotified};
use tokio::time::{Instant, Sleep};
use tower::Service;

/// Serves `stream` until the client closes it, a timeout closes it, or
/// `stop` asks for a graceful end (after the request in progress). The
/// connection's `slot` is given back when it ends.
pub(super) async fn serve(
    stream: TcpStream,
    router: Router,
    limits: ConnectionLimits,
    stop: OwnedNotified,
    _slot: OwnedSemaphorePermit,
) {
    let phase = Arc::new(Phase::new());
    let io = TokioIo::new(Watched { stream, phase: Arc::clone(&phase) });
    let service = PerRequest { router, phase: Arc::clone(&phase), limits: limits.clone() };
    let mut builder = http1::Builder::new();
    builder.header_read_timeout(None);
    let connection = builder.serve_connection(io, service);
    let watched = Watchdog {
        timer: tokio::time::sleep_until(phase.origin + limits.idle_timeout),
        armed: Some(phase.origin + limits.idle_timeout),
        connection,
        phase,
        limits,
    };
    tokio::pin!(watched, stop);
    tokio::select! {
        () = &mut watched => return,
        () = &mut stop => {}
    }
    watched.as_mut().project().connection.graceful_shutdown();
    watched.await;
}

/// Where a connection is: waiting for a request since some time, reading
/// its head since some time, or busy with a request. One word: the phase
/// in the top two bits, the time in milliseconds since `origin` below.
struct Phase {
    origin: Instant,
    word: AtomicU64,
}

const IDLE: u64 = 0;
const HEAD: u64 = 1 << 62;
const BUSY: u64 = 2 << 62;
const PHASE_BITS: u64 = 3 << 62;

impl Phase {
    fn new() -> Self {
        Self { origin: Instant::now(), word: AtomicU64::new(IDLE) }
    }

    fn since_origin(&self) -> u64 {
        let elapsed = self.origin.elapsed().as_millis();
        u64::try_from(elapsed).unwrap_or(u64::MAX) & !PHASE_BITS
    }

    /// Bytes arrived: when the connection was waiting, a head has begun.
    fn bytes_arrived(&self) {
        if self.word.load(Ordering::Relaxed) & PHASE_BITS == IDLE {
            self.word.store(HEAD | self.since_origin(), Ordering::Relaxed);
        }
    }

    /// A request's head has arrived: no timeout of the connection's runs
    /// while it is answered (its body has its own, see `MinRate`).
    fn busy(&self) {
        self.word.store(BUSY, Ordering::Relaxed);
    }

    /// The answer is made: the connection waits for the next request.
    fn idle(&self) {
        self.word.store(IDLE | self.since_origin(), Ordering::Relaxed);
    }

    /// When the connection times out where it is now, and which timeout.
    fn deadline(&self, limits: &ConnectionLimits) -> Option<(Instant, &'static str)> {
        let word = self.word.load(Ordering::Relaxed);
        let since = self.origin + Duration::from_millis(word & !PHASE_BITS);
        match word & PHASE_BITS {
            IDLE => Some((since + limits.idle_timeout, "idle")),
            HEAD => Some((since + limits.header_timeout, "header")),
            _ => None,
        }
    }
}

/// The socket, noting when bytes arrive.
struct Watched {
    stream: TcpStream,
    phase: Arc<Phase>,
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.stream).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            self.phase.bytes_arrived();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Each request: marked busy, its body held to the minimum rate, then
/// given to the router; marked idle once answered.
struct PerRequest {
    router: Router,
    phase: Arc<Phase>,
    limits: ConnectionLimits,
}

impl hyper::service::Service<hyper::Request<Incoming>> for PerRequest {
    type Response = Response;
    type Error = Infallible;
    type Future = Answering;

    fn call(&self, request: hyper::Request<Incoming>) -> Answering {
        self.phase.busy();
        let limits = &self.limits;
        let request: Request =
            request.map(|body| Body::new(MinRate::new(body, limits.min_body_bytes_per_second, limits.header_timeout)));
        Answering { answer: self.router.clone().call(request), phase: Arc::clone(&self.phase) }
    }
}

pin_project_lite::pin_project! {
    /// The router's answer; the connection is idle once it is made.
    struct Answering {
        #[pin]
        answer: axum::routing::future::RouteFuture<Infallible>,
        phase: Arc<Phase>,
    }
}

impl Future for Answering {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let answer = ready!(this.answer.poll(cx));
        this.phase.idle();
        Poll::Ready(answer)
    }
}

type Connection = http1::Connection<TokioIo<Watched>, PerRequest>;

pin_project_lite::pin_project! {
    /// The connection, ended when its phase's deadline passes.
    struct Watchdog {
        #[pin]
        connection: Connection,
        #[pin]
        timer: Sleep,
        // What `timer` is set to; `None` once it has fired.
        armed: Option<Instant>,
        phase: Arc<Phase>,
        limits: ConnectionLimits,
    }
}

impl Future for Watchdog {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        if let Poll::Ready(served) = this.connection.poll(cx) {
            if let Err(error) = served {
                tracing::debug!(%error, "connection ended with an error");
            }
            return Poll::Ready(());
        }
        loop {
            let Some((deadline, timeout)) = this.phase.deadline(this.limits) else { return Poll::Pending };
            if this.armed.is_none_or(|armed| deadline < armed) {
                this.timer.as_mut().reset(deadline);
                *this.armed = Some(deadline);
            }
            if this.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            *this.armed = None;
            // The phase may have moved on since the timer was set.
            if this.phase.deadline(this.limits).is_some_and(|(deadline, _)| deadline <= Instant::now()) {
                tracing::debug!(timeout, "closing a connection past its timeout");
                return Poll::Ready(());
            }
        }
    }
}
