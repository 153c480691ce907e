//! `nimbus serve`: the Lambda-compatible server.
//!
//! It opens the data directory, binds, prints one line
//! (`nimbus listening on http://HOST:PORT`, with the bound port) and serves
//! until SIGTERM or SIGINT. Then it stops accepting, lets in-flight requests
//! finish and flushes the ledger, all within one grace period, and exits 0.

use crate::open_files;
use anyhow::{Context, bail};
use clap::Args;
use nimbus_gateway::AppState;
use nimbus_scheduler::names::ArnScope;
use nimbus_scheduler::{ConnectionLimits, Limits, Prices, Scheduler, SchedulerConfig};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::time::Instant;

/// How long in-flight requests and the ledger flush may take after a stop signal.
const GRACE: Duration = Duration::from_secs(30);

/// Serve the Lambda API (and `/nimbus/v1`, `/metrics`, `/healthz`) over HTTP.
#[derive(Debug, Args)]
pub struct ServeCommand {
    /// The address to listen on (port 0 picks a free port).
    #[arg(long, env = "NIMBUS_LISTEN", default_value = "127.0.0.1:7700")]
    listen: String,
    /// Where functions, code, compiled modules and the usage ledger live.
    #[arg(long, env = "NIMBUS_DATA_DIR", default_value = "./nimbus-data")]
    data_dir: PathBuf,
    /// The account's concurrency limit (Lambda's default: 1000).
    #[arg(long, env = "NIMBUS_ACCOUNT_CONCURRENCY", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    account_concurrency: u32,
    /// The region in ARNs.
    #[arg(long, env = "NIMBUS_REGION", default_value = "us-east-1")]
    region: String,
    /// The account id in ARNs (twelve digits).
    #[arg(long, env = "NIMBUS_ACCOUNT_ID", default_value = "000000000000", value_parser = parse_account_id)]
    account_id: String,
    /// OS threads that run wasm (default: half the cores, at least one).
    #[arg(long, env = "NIMBUS_SANDBOX_THREADS", value_parser = clap::value_parser!(u32).range(1..))]
    sandbox_threads: Option<u32>,
    /// Threads that serve HTTP (default: half the cores, at least one).
    #[arg(long, env = "NIMBUS_HTTP_THREADS", value_parser = clap::value_parser!(u32).range(1..))]
    http_threads: Option<u32>,
    /// Count instructions per invocation (slower; kept in each usage record).
    #[arg(long, env = "NIMBUS_FUEL_METERING")]
    fuel_metering: bool,
    /// Dollars per request, for usage costs (Lambda x86: $0.20 per million).
    #[arg(long, env = "NIMBUS_PRICE_PER_REQUEST", default_value_t = Prices::default().per_request_usd)]
    price_per_request: f64,
    /// Dollars per GB-second, for usage costs (Lambda x86: $0.0000166667).
    #[arg(long, env = "NIMBUS_PRICE_PER_GB_SECOND", default_value_t = Prices::default().per_gb_second_usd)]
    price_per_gb_second: f64,
    /// Multiplies every retry and throttle delay of asynchronous events
    /// (0.001 turns Lambda's minutes into milliseconds, for tests and demos).
    #[arg(long, env = "NIMBUS_RETRY_DELAY_SCALE", default_value_t = 1.0, value_parser = parse_scale)]
    retry_delay_scale: f64,
    /// The largest event of an asynchronous (Event) invoke, in bytes.
    #[arg(long, env = "NIMBUS_MAX_ASYNC_PAYLOAD_BYTES", default_value_t = Limits::default().max_async_payload_bytes)]
    max_async_payload_bytes: usize,
    /// Another host name (or address) the API answers to, besides loopback
    /// names and addresses and the listen address; repeatable.
    #[arg(long = "allowed-host", value_name = "NAME", env = "NIMBUS_ALLOWED_HOSTS", value_delimiter = ',')]
    allowed_hosts: Vec<String>,
    /// Seconds a request's head may take to arrive, from its first byte.
    #[arg(long, value_name = "SECONDS", env = "NIMBUS_HEADER_TIMEOUT", default_value = "30", value_parser = parse_seconds)]
    header_timeout: Duration,
    /// Seconds a connection may wait for its next request.
    #[arg(long, value_name = "SECONDS", env = "NIMBUS_IDLE_TIMEOUT", default_value = "120", value_parser = parse_seconds)]
    idle_timeout: Duration,
    /// The slowest a request body may arrive, after an allowance of the
    /// header timeout (slower: 408 and the connection closed).
    #[arg(long, value_name = "BYTES_PER_SECOND", env = "NIMBUS_MIN_BODY_RATE", default_value_t = ConnectionLimits::default().min_body_bytes_per_second, value_parser = clap::value_parser!(u64).range(1..))]
    min_body_rate: u64,
    /// Connections open at once; more are closed as soon as they are
    /// accepted (default: half the open-file limit, which the server
    /// raises to its hard limit at start).
    #[arg(long, env = "NIMBUS_MAX_CONNECTIONS", value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: Option<u32>,
}

fn parse_scale(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(scale) if scale.is_finite() && scale > 0.0 => Ok(scale),
        _ => Err(format!("a delay scale is a positive number, not '{text}'")),
    }
}

/// Connections the kernel may hold before the server accepts them (it
/// caps this at `net.core.somaxconn`). A burst of connections beyond the
/// queue has its handshakes dropped and retried a second later; tokio's
/// default of 1,024 is soon reached by a crowd of slow clients.
const LISTEN_BACKLOG: u32 = 4096;

/// A listener on the first address `address` resolves to that binds.
async fn listen(address: &str) -> std::io::Result<tokio::net::TcpListener> {
    let mut last_error = None;
    for addr in tokio::net::lookup_host(address).await? {
        let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
        socket.set_reuseaddr(true)?;
        match socket.bind(addr).and_then(|()| socket.listen(LISTEN_BACKLOG)) {
            Ok(listener) => return Ok(listener),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| std::io::Error::other("the address resolves to nothing")))
}

/// A positive number of seconds (fractions allowed), at most a day.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds <= 86_400.0 => Ok(Duration::from_secs_f64(seconds)),
        _ => Err(format!("expected a number of seconds above 0 and at most 86400, not '{text}'")),
    }
}

/// Runs the server on `runtime` until it stops; anything still running past
/// the grace period is then abandoned.
fn serve_on(runtime: tokio::runtime::Runtime, command: ServeCommand) -> anyhow::Result<ExitCode> {
    let result = runtime.block_on(command.serve());
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

fn parse_account_id(text: &str) -> Result<String, String> {
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_string())
    } else {
        Err(format!("an account id is twelve digits, not '{text}'"))
    }
}

impl ServeCommand {
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        // HTTP and wasm share the cores: each pool gets half of them by
        // default (measured on 2 cores: one thread each serves ~5% more
        // than two each, which contend with each other and with clients).
        let http_threads = self.http_threads.map_or_else(nimbus_scheduler::half_the_cores, |n| n as usize);
        if http_threads > 1 {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .worker_threads(http_threads)
                .thread_name("nimbus-http")
                .build()
                .context("starting the async runtime")?;
            return serve_on(runtime, self);
        }
        // One thread: Tokio's single-threaded scheduler, on a thread of its
        // own, has no work-stealing to pay for.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name("nimbus-blocking")
            .build()
            .context("starting the async runtime")?;
        std::thread::Builder::new()
            .name("nimbus-http".into())
            .spawn(move || serve_on(runtime, self))
            .context("starting the HTTP thread")?
            .join()
            .map_err(|_| anyhow::anyhow!("the HTTP thread panicked"))?
    }

    fn scheduler_config(&self, open_file_limit: Option<u64>) -> SchedulerConfig {
        let mut config = SchedulerConfig::new(&self.data_dir);
        config.limits.connections = ConnectionLimits {
            header_timeout: self.header_timeout,
            idle_timeout: self.idle_timeout,
            min_body_bytes_per_second: self.min_body_rate,
            max_connections: self
                .max_connections
                .map_or_else(|| open_files::default_max_connections(open_file_limit), |n| n as usize),
        };
        config.scope = ArnScope { region: self.region.clone(), account_id: self.account_id.clone() };
        config.account_concurrency = self.account_concurrency;
        if let Some(threads) = self.sandbox_threads {
            config.sandbox_threads = threads as usize;
        }
        config.fuel_metering = self.fuel_metering;
        config.prices = Prices { per_request_usd: self.price_per_request, per_gb_second_usd: self.price_per_gb_second };
        config.retry_delay_scale = self.retry_delay_scale;
        config.limits.max_async_payload_bytes = self.max_async_payload_bytes;
        config
    }

    async fn serve(self) -> anyhow::Result<ExitCode> {
        let open_file_limit = open_files::raise_to_hard_limit();
        let config = self.scheduler_config(open_file_limit);
        let scheduler = tokio::task::spawn_blocking(move || Scheduler::open(config))
            .await
            .context("opening the data directory")?
            .with_context(|| format!("opening the data directory {}", self.data_dir.display()))?;
        let state = AppState::new(scheduler.clone())
            .context("registering the HTTP metrics")?
            .allow_hosts(self.allowed_hosts.iter().map(String::as_str));
        let listener = listen(&self.listen).await.with_context(|| format!("listening on {}", self.listen))?;
        // Installed before the line is printed, so a signal right after it is a clean stop.
        let mut stop = StopSignals::install()?;
        let address = listener.local_addr().context("reading the bound address")?;
        {
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "nimbus listening on http://{address}")?;
            stdout.flush()?;
        }
        if !address.ip().is_loopback() {
            eprintln!(
                "nimbus: warning: listening on {address}, beyond this machine: the API has no authentication yet, so anyone who can reach it can deploy, read and invoke functions"
            );
        }

        let (stop_serving, stopped) = tokio::sync::watch::channel(());
        let mut server = tokio::spawn(nimbus_gateway::serve(listener, state, async move {
            let mut stopped = stopped;
            let _ = stopped.changed().await;
        }));
        tokio::select! {
            result = &mut server => {
                result.context("the server task failed")?.context("serving HTTP")?;
                bail!("the server stopped without being asked to");
            }
            name = stop.next() => tracing::info!(signal = name, "stopping: finishing in-flight requests"),
        }
        let deadline = Instant::now() + GRACE;
        let _ = stop_serving.send(());
        tokio::select! {
            result = tokio::time::timeout_at(deadline, &mut server) => match result {
                Ok(served) => served.context("the server task failed")?.context("serving HTTP")?,
                Err(_) => tracing::warn!("requests still in flight after {GRACE:?}; stopping anyway"),
            },
            name = stop.next() => tracing::warn!(signal = name, "second stop signal: not waiting for in-flight requests"),
        }
        tracing::info!("stopped serving HTTP; draining invocations and flushing the ledger");
        scheduler.shutdown(deadline.saturating_duration_since(Instant::now())).await;
        tracing::info!("stopped");
        Ok(ExitCode::SUCCESS)
    }
}

/// SIGTERM and SIGINT.
struct StopSignals {
    terminate: Signal,
    interrupt: Signal,
}

impl StopSignals {
    fn install() -> anyhow::Result<Self> {
        Ok(Self {
            terminate: signal(SignalKind::terminate()).context("handling SIGTERM")?,
            interrupt: signal(SignalKind::interrupt()).context("handling SIGINT")?,
        })
    }

    /// The next signal's name.
    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
        }
    }
}
