//! Prometheus metrics of one instance (`GET /metrics`, docs/logging.md): a recorder of
//! the `metrics` crate family owned by the app state (not the process-global one, so
//! several apps in one process — the tests — keep apart), fed by the request span,
//! the scan routes and every pool checkout; gauges are read when scraped.

use metrics::{Key, Label, Level, Metadata, Recorder, SharedString, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusRecorder};

use crate::services::logged::Answer;

static META: Metadata<'static> = Metadata::new(module_path!(), Level::INFO, None);

/// Request latency buckets, seconds.
const LATENCY: [f64; 12] = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Pool checkout wait buckets, seconds (the pool gives up at `POOL_TIMEOUT_MS`).
const CHECKOUT: [f64; 10] = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0];

/// The method as a label: the standard ones, else `other` (a client may send any
/// token as a method; each would be a series of its own).
pub fn method_label(method: &str) -> &'static str {
    const KNOWN: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    KNOWN.into_iter().find(|m| *m == method).unwrap_or("other")
}

/// The instance's recorder.
pub struct Metrics {
    recorder: PrometheusRecorder,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full("http_request_duration_seconds".into()), &LATENCY)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full("tracetrack_db_pool_checkout_seconds".into()), &CHECKOUT)
            })
            .expect("bucket lists are not empty")
            .build_recorder();
        let describe = |name: &'static str, unit: Option<Unit>, help: &'static str| {
            recorder.describe_counter(name.into(), unit, SharedString::const_str(help));
        };
        describe(
            "http_requests_total",
            None,
            "Requests answered, by method, route template and status.",
        );
        describe(
            "tracetrack_scans_total",
            None,
            "Scans answered, by kind and outcome (a problem code when refused, replayed for a repeated key).",
        );
        recorder.describe_histogram(
            "http_request_duration_seconds".into(),
            Some(Unit::Seconds),
            SharedString::const_str("Time from the request to its answer, by route template."),
        );
        recorder.describe_histogram(
            "tracetrack_db_pool_checkout_seconds".into(),
            Some(Unit::Seconds),
            SharedString::const_str("Wait for a database connection from the main pool."),
        );
        Metrics { recorder }
    }

    /// One answered request; `route` is the route template (bounded cardinality).
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let labels = vec![
            Label::new("method", method_label(method)),
            Label::new("route", route.to_string()),
            Label::new("status", status.to_string()),
        ];
        self.recorder
            .register_counter(&Key::from_parts("http_requests_total", labels), &META)
            .increment(1);
        let labels = vec![Label::new("route", route.to_string())];
        self.recorder
            .register_histogram(&Key::from_parts("http_request_duration_seconds", labels), &META)
            .record(seconds);
    }

    /// One answered scan (after its commit).
    pub fn scan(&self, kind: &str, answer: &Answer) {
        let outcome = if answer.replayed {
            "replayed".to_string()
        } else {
            let field = if answer.status.is_success() { "outcome" } else { "code" };
            answer.body[field].as_str().unwrap_or("ok").to_string()
        };
        let labels = vec![Label::new("kind", kind.to_string()), Label::new("outcome", outcome)];
        self.recorder
            .register_counter(&Key::from_parts("tracetrack_scans_total", labels), &META)
            .increment(1);
    }

    /// One wait for a connection of the main pool.
    pub fn checkout(&self, seconds: f64) {
        self.recorder
            .register_histogram(&Key::from_name("tracetrack_db_pool_checkout_seconds"), &META)
            .record(seconds);
    }

    /// Sets a gauge (read at scrape time).
    pub fn gauge(&self, name: &'static str, labels: &[(&'static str, &str)], value: f64) {
        let labels: Vec<Label> = labels.iter().map(|(k, v)| Label::new(*k, v.to_string())).collect();
        self.recorder
            .register_gauge(&Key::from_parts(name, labels), &META)
            .set(value);
    }

    /// The Prometheus text of everything recorded.
    pub fn render(&self) -> String {
        self.recorder.handle().render()
    }
}
