//! Prometheus metrics in the spirit of Lambda's CloudWatch set. Labels are
//! bounded: a function name, an outcome; never a request id.

use prometheus::{
    Counter, CounterVec, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec,
    Opts, Registry,
};

/// The scheduler's collectors, registered in one registry that the gateway
/// adds its own HTTP metrics to and serves at `/metrics`.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub(crate) invocations: IntCounterVec,
    pub(crate) duration: HistogramVec,
    pub(crate) throttles: IntCounterVec,
    pub(crate) concurrent: IntGauge,
    pub(crate) cold_starts: IntCounterVec,
    pub(crate) billed_gb_seconds: CounterVec,
    pub(crate) billed_gb_seconds_all: Counter,
    pub(crate) async_queued: IntGaugeVec,
    pub(crate) async_event_age: Histogram,
    pub(crate) async_retries: IntCounterVec,
    pub(crate) async_throttled: IntCounterVec,
    pub(crate) dead_letters: IntCounterVec,
    pub(crate) destination_deliveries: IntCounterVec,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let registry = Registry::new();
        let invocations = IntCounterVec::new(
            Opts::new("nimbus_invocations_total", "Invocations, by function and outcome"),
            &["function", "outcome"],
        )
        .expect("valid metric");
        let duration = HistogramVec::new(
            HistogramOpts::new("nimbus_invocation_duration_seconds", "Time spent running the function").buckets(vec![
                0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0,
            ]),
            &["function"],
        )
        .expect("valid metric");
        let throttles = IntCounterVec::new(
            Opts::new("nimbus_throttles_total", "Invocations refused for lack of concurrency"),
            &["function"],
        )
        .expect("valid metric");
        let concurrent =
            IntGauge::new("nimbus_concurrent_executions", "Invocations running now").expect("valid metric");
        let cold_starts = IntCounterVec::new(
            Opts::new("nimbus_cold_starts_total", "First instantiations of a version in this process"),
            &["function"],
        )
        .expect("valid metric");
        let billed_gb_seconds = CounterVec::new(
            Opts::new("nimbus_function_billed_gb_seconds_total", "Billed GB-seconds, by function"),
            &["function"],
        )
        .expect("valid metric");
        let billed_gb_seconds_all =
            Counter::new("nimbus_billed_gb_seconds_total", "Billed GB-seconds, all functions").expect("valid metric");
        let async_queued = IntGaugeVec::new(
            Opts::new("nimbus_async_events_queued", "Asynchronous events queued (running ones included), by function"),
            &["function"],
        )
        .expect("valid metric");
        let async_event_age = Histogram::with_opts(
            HistogramOpts::new(
                "nimbus_async_event_age_seconds",
                "How long events waited in the queue before an attempt",
            )
            .buckets(vec![0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0, 1800.0, 21600.0]),
        )
        .expect("valid metric");
        let async_retries = IntCounterVec::new(
            Opts::new("nimbus_async_retries_total", "Asynchronous events retried after a function error, by function"),
            &["function"],
        )
        .expect("valid metric");
        let async_throttled = IntCounterVec::new(
            Opts::new(
                "nimbus_async_throttled_total",
                "Asynchronous events that found no free concurrency, by function",
            ),
            &["function"],
        )
        .expect("valid metric");
        let dead_letters = IntCounterVec::new(
            Opts::new("nimbus_dead_letters_total", "Failed events kept in the dead-letter store, by function"),
            &["function"],
        )
        .expect("valid metric");
        let destination_deliveries = IntCounterVec::new(
            Opts::new("nimbus_destination_deliveries_total", "Records sent to destinations, by condition"),
            &["condition"],
        )
        .expect("valid metric");
        for collector in [
            Box::new(invocations.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(duration.clone()),
            Box::new(throttles.clone()),
            Box::new(concurrent.clone()),
            Box::new(cold_starts.clone()),
            Box::new(billed_gb_seconds.clone()),
            Box::new(billed_gb_seconds_all.clone()),
            Box::new(async_queued.clone()),
            Box::new(async_event_age.clone()),
            Box::new(async_retries.clone()),
            Box::new(async_throttled.clone()),
            Box::new(dead_letters.clone()),
            Box::new(destination_deliveries.clone()),
        ] {
            registry.register(collector).expect("metric names are unique");
        }
        Self {
            registry,
            invocations,
            duration,
            throttles,
            concurrent,
            cold_starts,
            billed_gb_seconds,
            billed_gb_seconds_all,
            async_queued,
            async_event_age,
            async_retries,
            async_throttled,
            dead_letters,
            destination_deliveries,
        }
    }

    /// One function's handles (looking labels up hashes them and takes a
    /// lock; a version keeps its function's handles instead).
    pub(crate) fn for_function(&self, function: &str) -> FunctionMetrics {
        FunctionMetrics {
            successes: self.invocations.with_label_values(&[function, "success"]),
            errors: self.invocations.with_label_values(&[function, "error"]),
            duration: self.duration.with_label_values(&[function]),
            cold_starts: self.cold_starts.with_label_values(&[function]),
            billed_gb_seconds: self.billed_gb_seconds.with_label_values(&[function]),
            billed_gb_seconds_all: self.billed_gb_seconds_all.clone(),
        }
    }

    /// The registry, for the gateway to add to and to encode.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The registry in Prometheus's text format.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        let encoder = prometheus::TextEncoder::new();
        if let Err(e) = encoder.encode_utf8(&self.registry.gather(), &mut text) {
            tracing::error!(error = %e, "encoding metrics failed");
        }
        text
    }
}

/// The collectors one function's invocations update.
pub(crate) struct FunctionMetrics {
    successes: IntCounter,
    errors: IntCounter,
    duration: Histogram,
    cold_starts: IntCounter,
    billed_gb_seconds: Counter,
    billed_gb_seconds_all: Counter,
}

impl FunctionMetrics {
    /// Counts one invocation that ran.
    pub(crate) fn record(&self, succeeded: bool, duration_seconds: f64, cold_start: bool, gb_seconds: f64) {
        if succeeded { &self.successes } else { &self.errors }.inc();
        self.duration.observe(duration_seconds);
        if cold_start {
            self.cold_starts.inc();
        }
        self.billed_gb_seconds.inc_by(gb_seconds);
        self.billed_gb_seconds_all.inc_by(gb_seconds);
    }
}
