//! [`run`]: the whole life of one invocation, from stdin to stdout.

use crate::payload::{FromEvent, IntoResponse};
use crate::{Context, Error, panic_hook};
use std::io::{Read, Write};

/// Exit status of a failed invocation. Any non-zero status tells the
/// platform to read the error JSON from stdout.
const FAILURE_STATUS: i32 = 1;

/// Runs `handler` on this invocation's event: call it from `main`.
///
/// Reads the event from stdin and the [`Context`] from the environment,
/// calls the handler once, and then:
///
/// - on `Ok`, writes the response to stdout and **returns**, so that `main`
///   returns and the module's `_start` ends normally (calling
///   `std::process::exit(0)` would cost a `proc_exit` trap, ~13 µs per
///   invocation);
/// - on `Err`, writes `{"errorMessage","errorType"}` to stdout, logs it on
///   stderr and exits with status 1;
/// - on a panic, does the same with `errorType` `Runtime.Panic` and the
///   panic's message (see [`PANIC_ERROR`](crate::PANIC_ERROR)).
///
/// Events that do not parse are `Runtime.UnmarshalError`; responses that do
/// not serialize are `Runtime.MarshalError`.
///
/// ```no_run
/// use nimbus_sdk::{Context, Error};
///
/// fn handler(event: serde_json::Value, context: Context) -> Result<String, Error> {
///     Ok(format!("{} got {event}", context.function_name))
/// }
///
/// fn main() {
///     nimbus_sdk::run(handler)
/// }
/// ```
pub fn run<E, R, F>(handler: F)
where
    E: FromEvent,
    R: IntoResponse,
    F: FnOnce(E, Context) -> Result<R, Error>,
{
    panic_hook::install();
    let mut event = Vec::new();
    let result = match std::io::stdin().lock().read_to_end(&mut event) {
        Ok(_) => invoke(handler, event, Context::from_env()),
        Err(error) => Err(Error::new("Runtime.StdinError", format!("cannot read the event: {error}"))),
    };
    match result.and_then(|response| write_stdout(&response)) {
        Ok(()) => {}
        Err(error) => fail(&error),
    }
}

/// The handler's part of [`run`], without the process around it.
fn invoke<E, R, F>(handler: F, event: Vec<u8>, context: Context) -> Result<Vec<u8>, Error>
where
    E: FromEvent,
    R: IntoResponse,
    F: FnOnce(E, Context) -> Result<R, Error>,
{
    let event = E::from_event(event)?;
    handler(event, context)?.into_response()
}

fn write_stdout(bytes: &[u8]) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(bytes)?;
    Ok(stdout.flush()?)
}

/// Reports `error` as the invocation's outcome and exits non-zero.
pub(crate) fn fail(error: &Error) -> ! {
    crate::log!("ERROR {error}");
    // Nothing else has been written to stdout (the response is written
    // whole, at the end), so stdout holds exactly the error JSON.
    let _ = write_stdout(error.to_json().as_bytes());
    std::process::exit(FAILURE_STATUS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Raw;

    #[derive(serde::Deserialize)]
    struct Order {
        quantity: i64,
    }

    fn total(order: Order, context: Context) -> Result<serde_json::Value, Error> {
        if order.quantity <= 0 {
            return Err(Error::new("InvalidOrder", "quantity must be positive"));
        }
        Ok(serde_json::json!({ "total": order.quantity * 3, "memory": context.memory_mb }))
    }

    #[test]
    fn success_serializes_the_response() {
        let context = Context { memory_mb: 128, ..Context::default() };
        let response = invoke(total, br#"{"quantity":2}"#.to_vec(), context).unwrap();
        assert_eq!(response, br#"{"memory":128,"total":6}"#);
    }

    #[test]
    fn handler_errors_come_back_unchanged() {
        let error = invoke(total, br#"{"quantity":0}"#.to_vec(), Context::default()).unwrap_err();
        assert_eq!(error.to_json(), r#"{"errorMessage":"quantity must be positive","errorType":"InvalidOrder"}"#);
    }

    #[test]
    fn bad_events_never_reach_the_handler() {
        let error = invoke(total, b"not json".to_vec(), Context::default()).unwrap_err();
        assert_eq!(error.error_type(), crate::payload::UNMARSHAL_ERROR);
    }

    #[test]
    fn closures_and_raw_bytes_work_too() {
        let suffix = b"!".to_vec();
        let echo = move |event: Raw, _: Context| -> Result<Raw, Error> { Ok(Raw([event.0, suffix].concat())) };
        assert_eq!(invoke(echo, b"hi".to_vec(), Context::default()).unwrap(), b"hi!");
    }
}
