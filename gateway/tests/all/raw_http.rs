//! `nimbus_gateway::serve` on a loopback port, and a raw HTTP/1.1 client
//! that keeps its connection, to see what an answer does to the connection
//! itself (which `oneshot` on the router cannot show).

use crate::support::{ECHO, ROLE, error_body, state, zip_base64};
use nimbus_scheduler::SchedulerConfig;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long one exchange may take (7 MiB over loopback takes milliseconds).
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(30);

/// The API served on `127.0.0.1:0` until [`Served::stop`].
pub struct Served {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<io::Result<()>>,
    _dir: tempfile::TempDir,
}

impl Served {
    /// Serves a fresh scheduler's API, its configuration changed by `adjust`.
    pub async fn start(adjust: impl FnOnce(&mut SchedulerConfig)) -> Served {
        let (state, dir) = state(adjust).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let addr = listener.local_addr().expect("the bound address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(nimbus_gateway::serve(listener, state, async move {
            let _ = stopped.await;
        }));
        Served { addr, stop, task, _dir: dir }
    }

    /// A new connection.
    pub async fn connect(&self) -> Connection {
        let stream = TcpStream::connect(self.addr).await.expect("connect");
        stream.set_nodelay(true).expect("TCP_NODELAY");
        let (reader, writer) = stream.into_split();
        Connection { reader: BufReader::new(reader), writer, host: self.addr.to_string() }
    }

    /// Graceful shutdown; asserts `serve` returned `Ok`.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let served = tokio::time::timeout(EXCHANGE_TIMEOUT, self.task).await.expect("serve returns after shutdown");
        served.expect("the serve task").expect("serve ends without an error");
    }
}

/// One HTTP answer, and whether sending the request failed while it came.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// An error writing the request (the server stopped reading it).
    pub write_error: Option<io::Error>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts Lambda's error: status, `x-amzn-ErrorType` and the body.
    #[track_caller]
    pub fn assert_error(&self, status: u16, error_type: &str, message: &str) {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(self.header("x-amzn-errortype"), Some(error_type), "{:?}", self.headers);
        let body: serde_json::Value = serde_json::from_slice(&self.body).expect("a JSON error body");
        assert_eq!(body, error_body(status, error_type, message));
    }

    /// Asserts the answer leaves the connection open: no `Connection:
    /// close`, and the whole request was sent.
    #[track_caller]
    pub fn assert_keeps_the_connection(&self) {
        assert_eq!(self.header("connection"), None, "{:?}", self.headers);
        assert!(self.write_error.is_none(), "sending the request failed: {:?}", self.write_error);
    }
}

/// A kept-alive HTTP/1.1 connection.
pub struct Connection {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    host: String,
}

impl Connection {
    /// Sends one request and reads its answer at the same time, as a client
    /// does that reads an early answer while its body is still going out.
    pub async fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
        let mut head = format!("{method} {path} HTTP/1.1\r\nhost: {}\r\ncontent-length: {}\r\n", self.host, body.len());
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let writer = &mut self.writer;
        let write = async move {
            writer.write_all(head.as_bytes()).await?;
            writer.write_all(body).await?;
            writer.flush().await
        };
        let exchange = async { tokio::join!(write, read_answer(&mut self.reader)) };
        let (written, answer) = tokio::time::timeout(EXCHANGE_TIMEOUT, exchange)
            .await
            .unwrap_or_else(|_| panic!("{method} {path}: no answer within {EXCHANGE_TIMEOUT:?}"));
        let mut answer = answer.unwrap_or_else(|e| panic!("{method} {path}: no answer ({e}); sending: {written:?}"));
        answer.write_error = written.err();
        answer
    }

    /// CreateFunction of the echo guest; asserts 201.
    pub async fn create_echo(&mut self, name: &str) {
        let body = serde_json::json!({ "FunctionName": name, "Role": ROLE, "Code": { "ZipFile": zip_base64(ECHO) } });
        let answer = self.send("POST", "/2015-03-31/functions", &[], body.to_string().as_bytes()).await;
        assert_eq!(answer.status, 201, "{}", answer.text());
    }

    /// Invokes `name` with `payload` on this connection; asserts 200 and the
    /// echoed payload.
    pub async fn assert_echo(&mut self, name: &str, payload: &str) {
        let answer =
            self.send("POST", &format!("/2015-03-31/functions/{name}/invocations"), &[], payload.as_bytes()).await;
        assert_eq!((answer.status, answer.text().as_str()), (200, payload), "{:?}", answer.headers);
    }

    /// Writes raw bytes (part of a request, as a slow client does).
    pub async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes).await?;
        self.writer.flush().await
    }

    /// Sends `head`, then `chunk` every `every` (at most `chunks` times,
    /// and until writing fails), while reading the answer; returns it and
    /// how long after the head it came.
    pub async fn send_slowly(
        &mut self,
        head: &[u8],
        chunk: &[u8],
        every: Duration,
        chunks: usize,
    ) -> (Answer, Duration) {
        let started = tokio::time::Instant::now();
        let writer = &mut self.writer;
        let write = async move {
            writer.write_all(head).await?;
            for _ in 0..chunks {
                tokio::time::sleep(every).await;
                writer.write_all(chunk).await?;
            }
            Ok::<(), io::Error>(())
        };
        let read = async {
            let answer = read_answer(&mut self.reader).await;
            (answer, started.elapsed())
        };
        let (_, (answer, took)) = tokio::time::timeout(EXCHANGE_TIMEOUT, async { tokio::join!(write, read) })
            .await
            .expect("an answer in time");
        (answer.expect("an answer"), took)
    }

    /// Reads one answer.
    pub async fn answer(&mut self) -> Answer {
        tokio::time::timeout(EXCHANGE_TIMEOUT, read_answer(&mut self.reader))
            .await
            .expect("an answer in time")
            .expect("an answer")
    }

    /// How long until the server closes the connection (an end of stream
    /// or a reset), if it does within `limit`; panics on any byte.
    pub async fn time_until_closed(&mut self, limit: Duration) -> Option<Duration> {
        let started = tokio::time::Instant::now();
        let mut byte = [0u8; 1];
        match tokio::time::timeout(limit, self.reader.read(&mut byte)).await {
            Ok(Ok(0)) | Ok(Err(_)) => Some(started.elapsed()),
            Ok(Ok(_)) => panic!("the server sent a byte nobody asked for: {byte:?}"),
            Err(_) => None,
        }
    }

    /// Whether the server closed the connection (an end of stream or a
    /// reset) rather than waiting for another request, within 10 s.
    pub async fn closed_by_server(&mut self) -> bool {
        let mut byte = [0u8; 1];
        match tokio::time::timeout(Duration::from_secs(10), self.reader.read(&mut byte)).await {
            Ok(Ok(0)) | Ok(Err(_)) => true,
            Ok(Ok(_)) => panic!("the server sent a byte nobody asked for: {byte:?}"),
            Err(_) => false,
        }
    }
}

/// A JSON document of exactly `size` bytes (at least 8).
pub fn json_of(size: usize) -> Vec<u8> {
    format!(r#"{{"x":"{}"}}"#, "a".repeat(size - 8)).into_bytes()
}

async fn read_answer(reader: &mut BufReader<OwnedReadHalf>) -> io::Result<Answer> {
    let mut status_line = String::new();
    if reader.read_line(&mut status_line).await? == 0 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the connection closed before an answer"));
    }
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("status line {status_line:?}")))?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let length = headers.iter().find(|(name, _)| name == "content-length").map(|(_, value)| value.parse::<usize>());
    let length = length
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no content-length"))?
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await?;
    Ok(Answer { status, headers, body, write_error: None })
}

#[test]
fn json_of_is_that_many_bytes_of_json() {
    for size in [8, 9, 1024] {
        let json = json_of(size);
        assert_eq!(json.len(), size);
        serde_json::from_slice::<serde_json::Value>(&json).expect("JSON");
    }
}
