//! A router over a real scheduler, requests and answers, and guests as WAT.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use base64::Engine as _;
use http_body_util::BodyExt as _;
use nimbus_gateway::{AppState, router};
use nimbus_scheduler::{Scheduler, SchedulerConfig};
use serde_json::{Value, json};
use tower::ServiceExt as _;

pub const ROLE: &str = "arn:aws:iam::000000000000:role/lambda-role";

/// Echoes the event to stdout and logs one line to stderr.
pub const ECHO: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 512) "echo says hi\n")
  (func (export "_start")
    (local $n i32) (local $ptr i32) (local $written i32)
    (i32.store (i32.const 16) (i32.const 512))
    (i32.store (i32.const 20) (i32.const 13))
    (drop (call $fd_write (i32.const 2) (i32.const 16) (i32.const 1) (i32.const 24)))
    (loop $read
      (i32.store (i32.const 0) (i32.const 1024))
      (i32.store (i32.const 4) (i32.const 64512))
      (if (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)) (then (return)))
      (local.set $n (i32.load (i32.const 8)))
      (if (i32.eqz (local.get $n)) (then (return)))
      (local.set $ptr (i32.const 1024))
      (loop $write
        (i32.store (i32.const 16) (local.get $ptr))
        (i32.store (i32.const 20) (local.get $n))
        (if (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)) (then (return)))
        (local.set $written (i32.load (i32.const 24)))
        (if (i32.eqz (local.get $written)) (then (return)))
        (local.set $ptr (i32.add (local.get $ptr) (local.get $written)))
        (local.set $n (i32.sub (local.get $n) (local.get $written)))
        (br_if $write (local.get $n)))
      (br $read)))
)
"#;

/// Writes Lambda's error JSON and exits with status 3.
pub const FAIL: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "{\"errorMessage\":\"bad input\",\"errorType\":\"InputError\"}")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 53))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.const 3)))
)
"#;

/// A bundle zip of a WAT guest.
pub fn zip(wat: &str) -> Vec<u8> {
    nimbus_sandbox::build_bundle(&wat::parse_str(wat).expect("valid WAT"), None, None).expect("a bundle")
}

/// The zip as CreateFunction's `ZipFile`.
pub fn zip_base64(wat: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(zip(wat))
}

/// A router over its own scheduler and data directory.
pub struct App {
    pub router: Router,
    _dir: tempfile::TempDir,
}

/// What the router answered.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().expect("text header"))
    }

    /// Asserts a Lambda error: status, `x-amzn-ErrorType` and the whole
    /// body (see [`error_body`]).
    #[track_caller]
    pub fn assert_error(&self, status: u16, error_type: &str, message: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        assert_eq!(self.header("x-amzn-errortype"), Some(error_type), "{}", self.text());
        assert_eq!(self.json(), error_body(status, error_type, message), "the body of {status} {error_type}");
        assert!(self.header("x-amzn-requestid").is_some_and(|id| !id.is_empty()), "no request id");
    }
}

/// The body AWS sends with an error: Lambda's model spells the message
/// member `Message` for some types and `message` for others; errors from
/// AWS's front end (`ValidationException`, unknown operations, refused
/// hosts) carry `message` alone.
pub fn error_body(status: u16, error_type: &str, message: &str) -> Value {
    let fault = if status >= 500 { "Service" } else { "User" };
    match error_type {
        "ResourceNotFoundException" | "ServiceException" => json!({ "Type": fault, "Message": message }),
        "ValidationException" | "UnknownOperationException" | "AccessDeniedException" | "RequestTimeoutException" => {
            json!({ "message": message })
        }
        _ => json!({ "Type": fault, "message": message }),
    }
}

/// The state of a scheduler on a temporary directory (kept as long as the
/// `TempDir`), its configuration changed by `adjust` (e.g. its limits).
pub async fn state(adjust: impl FnOnce(&mut SchedulerConfig)) -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut config = SchedulerConfig::new(dir.path());
    config.sandbox_threads = 1;
    config.account_concurrency = 10;
    adjust(&mut config);
    let scheduler = tokio::task::spawn_blocking(move || Scheduler::open(config))
        .await
        .expect("open task")
        .expect("open the scheduler");
    (AppState::new(scheduler).expect("register metrics"), dir)
}

impl App {
    pub async fn new() -> App {
        App::with(|_| {}).await
    }

    /// An app whose scheduler's configuration `adjust` may change (e.g. its limits).
    pub async fn with(adjust: impl FnOnce(&mut SchedulerConfig)) -> App {
        let (state, dir) = state(adjust).await;
        App { router: router(state), _dir: dir }
    }

    /// One request.
    pub async fn call(&self, method: &str, uri: &str, headers: &[(&str, &str)], body: impl Into<Body>) -> Reply {
        let mut request = Request::builder().method(Method::from_bytes(method.as_bytes()).unwrap()).uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self.router.clone().oneshot(request.body(body.into()).unwrap()).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("a body").to_bytes().to_vec();
        Reply { status, headers, body }
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.call("GET", uri, &[], Body::empty()).await
    }

    pub async fn delete(&self, uri: &str) -> Reply {
        self.call("DELETE", uri, &[], Body::empty()).await
    }

    /// A JSON request as boto3 sends it.
    pub async fn send_json(&self, method: &str, uri: &str, body: Value) -> Reply {
        self.call(method, uri, &[("content-type", "application/json")], body.to_string()).await
    }

    /// CreateFunction of a WAT guest; asserts 201.
    pub async fn create(&self, name: &str, wat: &str) -> Value {
        let reply = self
            .send_json(
                "POST",
                "/2015-03-31/functions",
                json!({ "FunctionName": name, "Role": ROLE, "Runtime": "provided.al2023", "Code": { "ZipFile": zip_base64(wat) } }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        reply.json()
    }

    /// Invoke with headers.
    pub async fn invoke(&self, path_and_query: &str, headers: &[(&str, &str)], payload: impl Into<Body>) -> Reply {
        let (name, query) = path_and_query.split_once('?').map_or((path_and_query, ""), |(n, q)| (n, q));
        let query = if query.is_empty() { String::new() } else { format!("?{query}") };
        self.call("POST", &format!("/2015-03-31/functions/{name}/invocations{query}"), headers, payload).await
    }
}
