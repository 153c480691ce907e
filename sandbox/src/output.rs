//! Capped in-memory stdout and stderr for one invocation.
//!
//! wasmtime-wasi's `MemoryOutputPipe` fails a write that crosses its capacity
//! without saying by how much, and cannot keep a prefix; the response needs
//! the former to be an error and the log needs the latter, so both are here.

use bytes::Bytes;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError};

/// What a stream does once its capacity is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Overflow {
    /// Stop the guest: the response may not be truncated.
    Trap,
    /// Keep the first bytes, count and drop the rest: logs must not kill.
    Truncate,
}

/// Raised (as a trap) when the guest writes more response than allowed.
#[derive(Debug)]
pub(crate) struct ResponseTooLarge;

impl std::fmt::Display for ResponseTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("response exceeds the size limit")
    }
}

impl std::error::Error for ResponseTooLarge {}

#[derive(Debug, Default)]
struct Buffer {
    kept: Vec<u8>,
    dropped: u64,
}

/// A cloneable handle on one capped buffer; the guest writes through one
/// clone, the host reads the result through another.
#[derive(Debug, Clone)]
pub(crate) struct CappedOutput {
    capacity: usize,
    overflow: Overflow,
    buffer: Arc<Mutex<Buffer>>,
}

impl CappedOutput {
    pub(crate) fn new(capacity: usize, overflow: Overflow) -> Self {
        Self { capacity, overflow, buffer: Arc::default() }
    }

    fn lock(&self) -> MutexGuard<'_, Buffer> {
        // A poisoned lock only means a writer panicked mid-append; the bytes
        // kept so far are still the best answer we have.
        self.buffer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What happens once it is full.
    pub(crate) fn overflow(&self) -> Overflow {
        self.overflow
    }

    /// Appends what fits; returns how many bytes did not fit.
    pub(crate) fn append(&self, bytes: &[u8]) -> usize {
        let mut buffer = self.lock();
        let room = self.capacity.saturating_sub(buffer.kept.len());
        let taken = room.min(bytes.len());
        buffer.kept.extend_from_slice(&bytes[..taken]);
        let rest = bytes.len() - taken;
        buffer.dropped += rest as u64;
        rest
    }

    /// Bytes that did not fit.
    pub(crate) fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    /// Takes the kept bytes out, leaving the buffer empty.
    pub(crate) fn take(&self) -> Vec<u8> {
        std::mem::take(&mut self.lock().kept)
    }
}

impl IsTerminal for CappedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CappedOutput {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }

    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
}

#[async_trait::async_trait]
impl OutputStream for CappedOutput {
    fn write(&mut self, bytes: Bytes) -> Result<(), StreamError> {
        if self.append(&bytes) > 0 && self.overflow == Overflow::Trap {
            return Err(StreamError::Trap(wasmtime::Error::new(ResponseTooLarge)));
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }

    fn check_write(&mut self) -> Result<usize, StreamError> {
        // Always accept a full chunk so that the overflow is seen by `write`,
        // where it can be counted (log) or reported (response).
        Ok(64 * 1024)
    }
}

#[async_trait::async_trait]
impl Pollable for CappedOutput {
    async fn ready(&mut self) {}
}

impl AsyncWrite for CappedOutput {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.append(buf) > 0 && self.overflow == Overflow::Trap {
            return Poll::Ready(Err(io::Error::other(ResponseTooLarge)));
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_keeps_the_prefix_and_counts_the_rest() {
        let out = CappedOutput::new(4, Overflow::Truncate);
        let mut writer = out.clone();
        writer.write(Bytes::from_static(b"abc")).unwrap();
        writer.write(Bytes::from_static(b"defg")).unwrap();
        assert_eq!(out.take(), b"abcd");
        assert_eq!(out.dropped(), 3);
    }

    #[test]
    fn trap_mode_fails_the_write_that_overflows() {
        let out = CappedOutput::new(4, Overflow::Trap);
        let mut writer = out.clone();
        writer.write(Bytes::from_static(b"abcd")).unwrap();
        match writer.write(Bytes::from_static(b"e")) {
            Err(StreamError::Trap(e)) => assert!(e.is::<ResponseTooLarge>()),
            other => panic!("expected a trap, got {other:?}"),
        }
    }
}
