//! The benchmark's baseline: the smallest axum server, answering `POST /`
//! with a fixed JSON body. `scripts/bench-http.sh` drives it with `wrk`
//! next to `nimbus serve`, to show what the HTTP stack alone costs.
//!
//!     cargo run --release -p nimbus-gateway --example raw_hello -- 127.0.0.1:0
//!
//! It prints `raw_hello listening on http://HOST:PORT` once it accepts
//! connections, and exits on SIGINT/SIGTERM.

use axum::{Router, http::header, response::IntoResponse, routing::post};

const BODY: &str = r#"{"message":"hello","from":"raw_hello"}"#;

async fn hello(body: axum::body::Bytes) -> impl IntoResponse {
    // Read the request body like the real server does, then answer.
    let _ = body.len();
    ([(header::CONTENT_TYPE, "application/json")], BODY)
}

async fn shutdown() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

#[tokio::main]
async fn main() {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".to_string());
    let listener = tokio::net::TcpListener::bind(&addr).await.unwrap_or_else(|e| panic!("bind {addr}: {e}"));
    println!("raw_hello listening on http://{}", listener.local_addr().expect("local address"));
    let app = Router::new().route("/", post(hello));
    axum::serve(listener, app).with_graceful_shutdown(shutdown()).await.expect("serve");
}
