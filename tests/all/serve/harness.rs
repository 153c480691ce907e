//! A `nimbus serve` child process, a minimal HTTP/1.1 client and the few
//! Lambda API calls the Rust tests make themselves.

use crate::cli::{arg, guest, nimbus};
use serde_json::{Value, json};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The line `nimbus serve` prints once it accepts connections.
const LISTENING: &str = "nimbus listening on http://";
/// How long the server may take to print [`LISTENING`].
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a graceful stop may take (in-flight invocations included).
const STOP_TIMEOUT: Duration = Duration::from_secs(35);

/// The role every test function gets (Lambda's role ARN pattern).
pub const ROLE: &str = "arn:aws:iam::000000000000:role/lambda-role";

/// How the server is told where to listen and keep its data.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Config {
    /// `--listen 127.0.0.1:0 --data-dir DIR`.
    Flags,
    /// `NIMBUS_LISTEN=127.0.0.1:0 NIMBUS_DATA_DIR=DIR`, no flags.
    Env,
}

/// A running `nimbus serve`; killed (SIGKILL) when dropped.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    stderr_path: PathBuf,
    _logs: tempfile::TempDir,
}

impl Server {
    /// Starts `nimbus serve --listen 127.0.0.1:0 --data-dir DATA_DIR` and
    /// waits for its `nimbus listening on http://…` line.
    pub fn start(data_dir: &Path) -> Server {
        Server::start_with(data_dir, Config::Flags)
    }

    /// [`Server::start`], configured by flags or by environment variables.
    pub fn start_with(data_dir: &Path, config: Config) -> Server {
        Server::launch(data_dir, config, &[])
    }

    /// [`Server::start`] with more `nimbus serve` flags (`--region`, …).
    pub fn start_with_flags(data_dir: &Path, flags: &[&str]) -> Server {
        Server::launch(data_dir, Config::Flags, flags)
    }

    fn launch(data_dir: &Path, config: Config, flags: &[&str]) -> Server {
        let logs = tempfile::tempdir().expect("a temp dir for the server's stderr");
        let stderr_path = logs.path().join("stderr.log");
        let stderr = File::create(&stderr_path).expect("create the stderr log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_nimbus"));
        command.arg("serve");
        for (name, _) in std::env::vars_os() {
            if name.to_str().is_some_and(|name| name.starts_with("NIMBUS_")) || name == "RUST_LOG" {
                command.env_remove(name);
            }
        }
        command.args(flags);
        match config {
            Config::Flags => {
                command.args(["--listen", "127.0.0.1:0", "--data-dir"]).arg(data_dir);
            }
            Config::Env => {
                command.env("NIMBUS_LISTEN", "127.0.0.1:0").env("NIMBUS_DATA_DIR", data_dir);
            }
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .spawn()
            .expect("start nimbus serve");

        // Read stdout on a thread of its own (and keep draining it, so the
        // server never blocks on a full pipe).
        let stdout = child.stdout.take().expect("stdout");
        let (lines_tx, lines_rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = lines_tx.send(line);
            }
        });
        let deadline = Instant::now() + START_TIMEOUT;
        let mut printed = Vec::new();
        let url = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines_rx.recv_timeout(left) {
                Ok(line) if line.trim_end().starts_with(LISTENING) => break line.trim_end().to_string(),
                Ok(line) => printed.push(line),
                Err(why) => {
                    let _ = child.kill();
                    let status = child.wait().ok();
                    panic!(
                        "nimbus serve did not print `{LISTENING}HOST:PORT` ({why:?}; exit {status:?}).\n\
                         stdout: {printed:?}\nstderr:\n{}",
                        tail(&std::fs::read_to_string(&stderr_path).unwrap_or_default(), 8000)
                    );
                }
            }
        };
        let url = url["nimbus listening on ".len()..].to_string();
        let addr = url["http://".len()..].trim_end_matches('/').to_string();
        assert!(addr.starts_with("127.0.0.1:"), "listening on {addr}, not on 127.0.0.1");
        assert!(!addr.ends_with(":0"), "the printed port is the bound one, not 0: {addr}");
        Server { child, addr, url, stderr_path, _logs: logs }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The end of what the server wrote to stderr.
    pub fn stderr(&self) -> String {
        tail(&std::fs::read_to_string(&self.stderr_path).unwrap_or_default(), 8000)
    }

    /// Sends `SIGNAL` (`TERM`, `INT`, `KILL`) with `kill(1)`.
    pub fn signal(&self, signal: &str) {
        let status =
            Command::new("kill").args([format!("-{signal}"), self.pid().to_string()]).status().expect("run kill");
        assert!(status.success(), "kill -{signal} {} failed", self.pid());
    }

    /// Waits up to `timeout` for the server to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for nimbus serve") {
                return status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("nimbus serve did not exit within {timeout:?}; stderr:\n{}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then asserts a clean exit (code 0) within 35 s.
    pub fn stop(self) {
        self.stop_with("TERM");
    }

    /// `kill -SIGNAL`, then asserts a clean exit (code 0) within 35 s.
    pub fn stop_with(mut self, signal: &str) {
        self.signal(signal);
        let status = self.wait_exit(STOP_TIMEOUT);
        assert_eq!(status.code(), Some(0), "exit after SIG{signal}: {status}; stderr:\n{}", self.stderr());
    }

    /// `kill -9`: no chance to flush anything.
    pub fn kill9(mut self) {
        self.child.kill().expect("SIGKILL nimbus serve");
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The last `max` bytes of `text` (on a char boundary).
pub fn tail(text: &str, max: usize) -> String {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_string()
}

/// The bundles the clients use: `DIR/{echo,loop,exit_error,print_env}.zip`
/// (and `stderr_flood.zip`), made by `nimbus bundle`.
pub fn bundles() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir for bundles");
    for name in ["echo", "loop", "exit_error", "print_env", "stderr_flood", "log_event", "sleep_two_seconds"] {
        bundle_file(dir.path(), &guest(name), name);
    }
    dir
}

/// A bundle of the guest `name` of `sandbox/tests/guests/`, made by `nimbus bundle`.
pub fn guest_zip(name: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("a temp dir for a bundle");
    std::fs::read(bundle_file(dir.path(), &guest(name), name)).expect("read bundle")
}

/// A bundle of a guest written as WAT text here, made by `nimbus bundle`.
pub fn wat_zip(wat: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("a temp dir for a bundle");
    let source = dir.path().join("guest.wat");
    std::fs::write(&source, wat).expect("write the guest's WAT");
    std::fs::read(bundle_file(dir.path(), &source, "guest")).expect("read bundle")
}

/// `nimbus bundle SOURCE -o DIR/NAME.zip`; returns the zip's path.
fn bundle_file(dir: &Path, source: &Path, name: &str) -> PathBuf {
    let out = dir.join(format!("{name}.zip"));
    let made = nimbus(dir, &["bundle", arg(source), "-o", arg(&out)], b"");
    assert_eq!(made.code, 0, "nimbus bundle {name}: {}", made.stderr);
    out
}

/// One HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics with the body when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}), HTTP {}: {}", self.status, self.text()))
    }
}

/// One request on a connection of its own (`Connection: close`).
pub fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> io::Result<Response> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    stream.set_write_timeout(Some(Duration::from_secs(60)))?;
    stream.set_nodelay(true)?;
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut message = head.into_bytes();
    message.extend_from_slice(body);
    stream.write_all(&message)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw)
}

fn bad(why: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.into())
}

fn parse_response(raw: &[u8]) -> io::Result<Response> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad(format!("no complete response head in {} bytes", raw.len())))?;
    let head = std::str::from_utf8(&raw[..end]).map_err(|_| bad("response head not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(format!("bad status line {status_line:?}")))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &raw[end + 4..];
    let find = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let body = if find("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        dechunk(rest)?
    } else if let Some(length) = find("content-length") {
        let length: usize = length.parse().map_err(|_| bad("bad content-length"))?;
        if rest.len() < length {
            return Err(bad(format!("body cut short: {} of {length} bytes", rest.len())));
        }
        rest[..length].to_vec()
    } else {
        rest.to_vec()
    };
    Ok(Response { status, headers, body })
}

fn dechunk(mut rest: &[u8]) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").ok_or_else(|| bad("chunk size line"))?;
        let size_text = std::str::from_utf8(&rest[..line_end]).map_err(|_| bad("chunk size"))?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| bad(format!("chunk size {size_text:?}")))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if rest.len() < size + 2 {
            return Err(bad("chunk cut short"));
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// Standard base64 with padding (what Lambda's JSON blobs use).
pub fn base64(data: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64 back to bytes (the log tail header); panics on anything else.
pub fn unbase64(text: &str) -> Vec<u8> {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut held = 0;
    let mut out = Vec::new();
    for byte in text.bytes().filter(|b| *b != b'=') {
        let value = TABLE.iter().position(|t| *t == byte).unwrap_or_else(|| panic!("not base64: {text}"));
        bits = (bits << 6) | value as u32;
        held += 6;
        if held >= 8 {
            held -= 8;
            out.push((bits >> held) as u8);
            bits &= (1 << held) - 1;
        }
    }
    out
}

/// The Lambda API, as far as the Rust tests need it.
pub struct Lambda<'a> {
    pub addr: &'a str,
}

impl Lambda<'_> {
    /// CreateFunction with `Code.ZipFile`; `extra` is merged into the body.
    /// Asserts 201.
    pub fn create(&self, name: &str, zip: &[u8], extra: Value) -> Value {
        let mut body = json!({
            "FunctionName": name,
            "Runtime": "provided.al2023",
            "Role": ROLE,
            "Handler": "function.wasm",
            "Code": { "ZipFile": base64(zip) },
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let body = serde_json::to_vec(&body).unwrap();
        let response =
            request(self.addr, "POST", "/2015-03-31/functions", &[("Content-Type", "application/json")], &body)
                .expect("CreateFunction");
        assert_eq!(response.status, 201, "CreateFunction {name}: {}", response.text());
        response.json()
    }

    /// Any Lambda API call with a JSON body (empty when `body` is null).
    pub fn call(&self, method: &str, path: &str, body: Value) -> Response {
        let body = if body.is_null() { Vec::new() } else { serde_json::to_vec(&body).unwrap() };
        request(self.addr, method, path, &[("Content-Type", "application/json")], &body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// GetFunction.
    pub fn get(&self, name: &str) -> io::Result<Response> {
        request(self.addr, "GET", &format!("/2015-03-31/functions/{name}"), &[], b"")
    }

    /// Invoke (RequestResponse).
    pub fn invoke(&self, name: &str, payload: &[u8]) -> io::Result<Response> {
        request(
            self.addr,
            "POST",
            &format!("/2015-03-31/functions/{name}/invocations"),
            &[("Content-Type", "application/json")],
            payload,
        )
    }

    /// `GET /nimbus/v1/usage?function=NAME[&QUERY]`; asserts 200.
    pub fn usage(&self, name: &str, query: &str) -> Value {
        let path = if query.is_empty() {
            format!("/nimbus/v1/usage?function={name}")
        } else {
            format!("/nimbus/v1/usage?function={name}&{query}")
        };
        let response = request(self.addr, "GET", &path, &[], b"").expect("GET usage");
        assert_eq!(response.status, 200, "GET {path}: {}", response.text());
        response.json()
    }
}

/// A JSON number as `u64`; panics with the document otherwise.
pub fn count(doc: &Value, key: &str) -> u64 {
    doc[key].as_u64().unwrap_or_else(|| panic!("{key} is not a count in {doc}"))
}

/// Reads a bundle made by [`bundles`].
pub fn zip(bundles: &Path, name: &str) -> Vec<u8> {
    std::fs::read(bundles.join(format!("{name}.zip"))).expect("read bundle")
}

#[test]
fn base64_matches_rfc_4648() {
    for (input, output) in
        [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("foobar", "Zm9vYmFy")]
    {
        assert_eq!(base64(input.as_bytes()), output);
        assert_eq!(unbase64(output), input.as_bytes());
    }
}

#[test]
fn responses_are_parsed_with_length_or_chunks() {
    let plain = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\nhi").unwrap();
    assert_eq!((plain.status, plain.body.as_slice(), plain.header("x-a")), (200, &b"hi"[..], Some("b")));
    let chunked =
        parse_response(b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
            .unwrap();
    assert_eq!((chunked.status, chunked.body.as_slice()), (404, &b"abcde"[..]));
    assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhi").is_err());
}
