//! Logging: whole lines to stderr, which the platform keeps per invocation.
//!
//! No levels, no subscriber, no timestamps: the platform already knows the
//! invocation and the time. Use [`log!`](crate::log!) as you would `eprintln!`.

use std::fmt;
use std::io::Write;

/// Writes one formatted line to stderr.
///
/// ```
/// nimbus_sdk::log!("processed {} records", 3);
/// ```
///
/// Never write logs to stdout: stdout is the function's response.
#[macro_export]
macro_rules! log {
    ($($arg:tt)*) => {
        $crate::log::write_line(::core::format_args!($($arg)*))
    };
}

/// Writes `line` and a newline to stderr in one write, so that lines stay
/// whole. Errors are ignored: a log line is never worth failing the
/// invocation for. Called by [`log!`](crate::log!).
#[doc(hidden)]
pub fn write_line(line: fmt::Arguments<'_>) {
    let mut text = line.to_string();
    text.push('\n');
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
