//! Write Nimbus functions in Rust.
//!
//! A Nimbus function is a WASI preview-1 command (`wasm32-wasip1`): the
//! event arrives on stdin, the response leaves on stdout, logs go to stderr,
//! and a non-zero exit with `{"errorMessage","errorType"}` on stdout is an
//! error (the whole contract is `docs/abi.md`). This crate does that plumbing
//! so that a function is one plain function:
//!
//! ```no_run
//! use nimbus_sdk::serde::{Deserialize, Serialize};
//! use nimbus_sdk::{Context, Error, log};
//!
//! #[derive(Deserialize)]
//! #[serde(crate = "nimbus_sdk::serde")]
//! struct Request {
//!     name: String,
//! }
//!
//! #[derive(Serialize)]
//! #[serde(crate = "nimbus_sdk::serde")]
//! struct Response {
//!     message: String,
//! }
//!
//! fn handler(request: Request, context: Context) -> Result<Response, Error> {
//!     if request.name.is_empty() {
//!         return Err(Error::new("InvalidName", "name must not be empty"));
//!     }
//!     log!("{} greets {}", context.function_name, request.name);
//!     Ok(Response { message: format!("Hello, {}!", request.name) })
//! }
//!
//! fn main() {
//!     nimbus_sdk::run(handler)
//! }
//! ```
//!
//! Build it for `wasm32-wasip1` (`scripts/build-guests.sh` shows how, with
//! or without rustup), bundle it and run it:
//!
//! ```sh
//! nimbus bundle target/wasm32-wasip1/release/hello.wasm -o hello.zip
//! echo '{"name":"x"}' | nimbus run hello.zip --event -    # {"message":"Hello, x!"}
//! ```
//!
//! What the crate gives you:
//!
//! - [`run`]: reads the event, calls the handler, writes the response or the
//!   error; a panic becomes a `Runtime.Panic` error with its message.
//! - [`Context`]: request id, function name and version, memory, deadline.
//! - [`Error`]: any `std::error::Error` converts with `?`.
//! - [`log!`]: a line on stderr.
//! - [`events`]: Lambda's event and response types (HTTP API and function
//!   URLs, SQS, S3, EventBridge), so existing Lambda payloads just work.
//! - [`Raw`]: bytes in or out instead of JSON.
//!
//! The crate re-exports [`serde`] and [`serde_json`], so a function needs no
//! other dependency: derive with `#[serde(crate = "nimbus_sdk::serde")]`.
#![deny(missing_docs)]

mod context;
mod error;
pub mod events;
#[doc(hidden)]
pub mod log;
mod panic_hook;
mod payload;
mod run;

pub use context::Context;
pub use error::Error;
pub use panic_hook::PANIC_ERROR;
pub use payload::{FromEvent, IntoResponse, MARSHAL_ERROR, Raw, UNMARSHAL_ERROR};
pub use run::run;

#[doc(no_inline)]
pub use serde;
#[doc(no_inline)]
pub use serde_json;
