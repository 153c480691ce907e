//! Panics become a `Runtime.Panic` function error instead of a trap.
//!
//! Guests are built with `panic = "abort"`, so there is nothing to catch:
//! the hook runs before the abort, and it never returns. It reports the
//! error and exits with a non-zero status, because the platform reads the
//! error JSON after a non-zero exit but treats an abort (a trap) as
//! `Runtime.Trap` whatever stdout holds.

use crate::Error;
use std::any::Any;

/// `errorType` of an invocation whose handler panicked.
pub const PANIC_ERROR: &str = "Runtime.Panic";

/// Installs the hook. The default hook still runs first, so the log keeps
/// the usual `thread 'main' panicked at src/main.rs:…` line.
pub(crate) fn install() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default_hook(info);
        crate::run::fail(&panic_error(info.payload()))
    }));
}

/// The error for a panic with this payload: its message when it has one.
fn panic_error(payload: &(dyn Any + Send)) -> Error {
    let message = if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "the handler panicked".to_string()
    };
    Error::new(PANIC_ERROR, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_and_formatted_messages_are_kept() {
        assert_eq!(panic_error(&"boom").message(), "boom");
        assert_eq!(panic_error(&format!("index {} out of range", 7)).message(), "index 7 out of range");
        assert_eq!(panic_error(&42_u8).message(), "the handler panicked");
        assert_eq!(panic_error(&"x").error_type(), PANIC_ERROR);
    }
}
