//! `nimbus serve` under clients nobody wants: sockets that trickle a byte
//! now and then or sit idle, more connections than it takes, requests for
//! hosts it does not serve, and a listen address beyond loopback.

use super::harness::{Lambda, Server, guest_zip};
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const SLOW_SOCKETS: usize = 1_500;
const IDLE_SOCKETS: usize = 500;
/// The header timeout the server is given, short so that the test is.
const HEADER_TIMEOUT: Duration = Duration::from_secs(2);
/// More than a close takes past its timeout on a loaded machine.
const SLACK: Duration = Duration::from_millis(1_500);
const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

/// Raises this process's open-file limit to its hard limit (the test
/// holds some 2,000 sockets) and returns it.
fn raise_open_file_limit() -> u64 {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if let (Some(current), Some(maximum)) = (limit.current, limit.maximum)
        && current < maximum
    {
        setrlimit(Resource::Nofile, Rlimit { current: Some(maximum), maximum: Some(maximum) })
            .expect("raise the open-file limit");
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

/// Reads one `/healthz` answer (`ok`, with a length) off a kept connection.
async fn read_ok(stream: &mut tokio::net::TcpStream) {
    use tokio::io::AsyncReadExt;
    let mut answer = Vec::new();
    let mut buffer = [0u8; 512];
    while !answer.ends_with(b"\r\n\r\nok") {
        let n = stream.read(&mut buffer).await.expect("read the answer");
        assert!(n > 0, "closed before the answer: {}", String::from_utf8_lossy(&answer));
        answer.extend_from_slice(&buffer[..n]);
    }
}

#[test]
fn slow_and_idle_sockets_do_not_starve_a_new_client() {
    let limit = raise_open_file_limit();
    assert!(
        limit >= 2 * (SLOW_SOCKETS + IDLE_SOCKETS) as u64,
        "an open-file limit of {limit} is too low for this test"
    );
    let data = tempfile::tempdir().unwrap();
    let server = Server::start_with_flags(data.path(), &["--header-timeout", "2"]);
    let addr = server.addr.clone();
    Lambda { addr: &addr }.create("echo", &guest_zip("echo"), json!({}));

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let idle_left_open = runtime.block_on(async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        // Keep-alive connections that made one request, then sit idle.
        let mut idle = Vec::with_capacity(IDLE_SOCKETS);
        for _ in 0..IDLE_SOCKETS {
            let mut stream = tokio::net::TcpStream::connect(&addr).await.expect("connect an idle socket");
            stream.write_all(HEALTHZ).await.unwrap();
            read_ok(&mut stream).await;
            idle.push(stream);
        }
        // Slow sockets: one byte of a head, then one every 10 s; each
        // reports how long after its first byte the server closed it.
        let started = Arc::new(AtomicUsize::new(0));
        let slow: Vec<_> = (0..SLOW_SOCKETS)
            .map(|_| {
                let (addr, started) = (addr.clone(), Arc::clone(&started));
                tokio::spawn(async move {
                    let mut stream = tokio::net::TcpStream::connect(&addr).await.expect("connect a slow socket");
                    let head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
                    stream.write_all(&head[..1]).await.unwrap();
                    let first_byte = Instant::now();
                    started.fetch_add(1, Ordering::SeqCst);
                    let mut byte = [0u8; 1];
                    for next in &head[1..] {
                        tokio::select! {
                            read = stream.read(&mut byte) => {
                                assert!(!matches!(read, Ok(n) if n > 0), "the server answered a head it never got");
                                return first_byte.elapsed();
                            }
                            () = tokio::time::sleep(Duration::from_secs(10)) => {
                                let _ = stream.write_all(std::slice::from_ref(next)).await;
                            }
                        }
                    }
                    panic!("the whole head was sent: the server never closed the slow socket");
                })
            })
            .collect();
        while started.load(Ordering::SeqCst) < SLOW_SOCKETS {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }

        // Meanwhile, a new client is answered at once.
        let client = addr.clone();
        let (healthz, invoke) = tokio::task::spawn_blocking(move || {
            let api = Lambda { addr: &client };
            let asked = Instant::now();
            let healthz = api.call("GET", "/healthz", json!(null));
            let healthz = (healthz.status, healthz.text(), asked.elapsed());
            let asked = Instant::now();
            let invoke = api.invoke("echo", br#"{"during":"the flood"}"#).expect("invoke");
            (healthz, (invoke.status, invoke.text(), asked.elapsed()))
        })
        .await
        .unwrap();
        assert_eq!((healthz.0, healthz.1.as_str()), (200, "ok"));
        assert!(healthz.2 < Duration::from_secs(1), "/healthz took {:?}", healthz.2);
        assert_eq!((invoke.0, invoke.1.as_str()), (200, r#"{"during":"the flood"}"#));
        assert!(invoke.2 < Duration::from_secs(1), "Invoke took {:?}", invoke.2);

        for task in slow {
            let closed_after = task.await.expect("a slow socket's task");
            assert!(
                closed_after <= HEADER_TIMEOUT + SLACK,
                "a slow socket was closed {closed_after:?} after its first byte"
            );
            assert!(closed_after >= HEADER_TIMEOUT - Duration::from_millis(100), "closed after {closed_after:?}");
        }
        // The idle ones are still open (the idle timeout is 120 s) and answer.
        let mut answering = 0;
        for stream in &mut idle {
            stream.write_all(HEALTHZ).await.unwrap();
            read_ok(stream).await;
            answering += 1;
        }
        answering
    });
    assert_eq!(idle_left_open, IDLE_SOCKETS);
    server.stop();
}

/// Sends `/healthz` on a kept connection and reads its answer.
fn healthz_on(stream: &mut TcpStream) -> String {
    stream.write_all(HEALTHZ).unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 512];
    while !answer.ends_with(b"\r\n\r\nok") {
        let n = stream.read(&mut buffer).unwrap();
        assert!(n > 0, "closed before the answer");
        answer.extend_from_slice(&buffer[..n]);
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// `Max open files` of a process: soft and hard.
fn open_file_limits(pid: u32) -> (String, String) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).expect("read the server's limits");
    let line = limits.lines().find(|line| line.starts_with("Max open files")).expect("a Max open files line");
    let fields: Vec<&str> = line["Max open files".len()..].split_whitespace().collect();
    (fields[0].to_string(), fields[1].to_string())
}

#[test]
fn connections_beyond_max_connections_are_closed_at_once() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start_with_flags(data.path(), &["--max-connections", "2"]);
    let (soft, hard) = open_file_limits(server.pid());
    assert_eq!(soft, hard, "the server raised its open-file limit to the hard limit");
    let mut established: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(&server.addr).unwrap()).collect();
    for stream in &mut established {
        assert!(healthz_on(stream).starts_with("HTTP/1.1 200 OK"));
    }
    let mut third = TcpStream::connect(&server.addr).unwrap();
    third.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let asked = Instant::now();
    let mut byte = [0u8; 1];
    let read = third.read(&mut byte);
    assert!(matches!(read, Ok(0)) || read.is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset));
    assert!(asked.elapsed() < Duration::from_secs(1), "closed after {:?}", asked.elapsed());
    for stream in &mut established {
        assert!(healthz_on(stream).starts_with("HTTP/1.1 200 OK"), "an established connection stopped answering");
    }
    server.stop();
}

/// One request with a `Host` (and more headers) of the caller's choosing.
fn get_with(addr: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut head = format!("GET {path} HTTP/1.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    let body = answer.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default();
    (status, body)
}

#[test]
fn foreign_hosts_and_other_sites_are_refused_and_allowed_hosts_answered() {
    let data = tempfile::tempdir().unwrap();
    let server =
        Server::start_with_flags(data.path(), &["--allowed-host", "nimbus.internal", "--allowed-host", "10.9.8.7"]);
    let addr = server.addr.as_str();
    assert_eq!(get_with(addr, "/2015-03-31/functions", &[("Host", addr)]).0, 200);
    assert_eq!(get_with(addr, "/2015-03-31/functions", &[("Host", "nimbus.internal:7700")]).0, 200);
    assert_eq!(get_with(addr, "/2015-03-31/functions", &[("Host", "10.9.8.7")]).0, 200);
    assert_eq!(
        get_with(addr, "/metrics", &[("Host", "rebound.example:7700")]),
        (
            403,
            json!({ "message": "Host 'rebound.example' is not a host this server answers to; start nimbus serve with --allowed-host rebound.example to allow it." }).to_string()
        )
    );
    let (status, body) = get_with(addr, "/nimbus/v1/usage", &[("Host", addr), ("Sec-Fetch-Site", "cross-site")]);
    assert_eq!((status, body.contains("Sec-Fetch-Site: cross-site")), (403, true), "{body}");
    let (status, _) = get_with(addr, "/2015-03-31/functions", &[("Host", addr), ("Origin", "https://nimbus.internal")]);
    assert_eq!(status, 200);
    assert!(!server.stderr().contains("no authentication"), "a loopback server does not warn:\n{}", server.stderr());
    server.stop();
}

#[test]
fn a_listen_address_beyond_loopback_warns_that_the_api_has_no_authentication() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_nimbus"))
        .args(["serve", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(data.path())
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nimbus serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("the listening line");
    let address = line.trim().strip_prefix("nimbus listening on http://").expect("the listening line").to_string();
    assert!(address.starts_with("0.0.0.0:"), "{line}");
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let warning = format!(
        "nimbus: warning: listening on {address}, beyond this machine: the API has no authentication yet, so anyone who can reach it can deploy, read and invoke functions"
    );
    assert_eq!(stderr.lines().filter(|l| l.contains("warning")).collect::<Vec<_>>(), [warning.as_str()], "{stderr}");
}
