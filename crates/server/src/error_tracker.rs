//! Server errors reported to Sentry (or any Sentry-compatible collector) when
//! `SENTRY_DSN` is set: each 5xx answer and each panic, with the request id, method,
//! route template, status and the cause as logged — never headers, query strings,
//! bodies, tokens or client addresses (`send_default_pii` off). Events go out from
//! the client's own thread, so no request or database connection waits for them.
//! The client belongs to the app state, not the process-global hub.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sentry::protocol::{Event, Exception, Level};
use sentry::{Client, ClientOptions, Hub, Scope};

use crate::config::Config;

/// The configured collector.
pub struct ErrorTracker {
    hub: Hub,
}

/// One failed request, as reported.
pub struct Failure<'a> {
    pub request_id: &'a str,
    pub method: &'a str,
    pub route: &'a str,
    pub status: u16,
    pub cause: Option<&'a str>,
}

impl ErrorTracker {
    /// The tracker of `SENTRY_DSN`, or `None` when unset.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Arc<ErrorTracker>>> {
        let Some(dsn) = &config.sentry_dsn else {
            return Ok(None);
        };
        let dsn = dsn
            .parse()
            .context("SENTRY_DSN is not a valid DSN (https://KEY@HOST/PROJECT)")?;
        let mut options = ClientOptions::default();
        options.dsn = Some(dsn);
        options.release =
            Some(format!("tracetrack@{}+{}", env!("CARGO_PKG_VERSION"), env!("TRACETRACK_COMMIT")).into());
        options.environment = Some(if config.production { "production" } else { "development" }.into());
        options.send_default_pii = false;
        options.default_integrations = false;
        // The default transport (an HTTP client on a thread of its own).
        let client = Client::from(sentry::apply_defaults(options));
        let hub = Hub::new(Some(Arc::new(client)), Arc::new(Scope::default()));
        Ok(Some(Arc::new(ErrorTracker { hub })))
    }

    /// Reports a 5xx answer.
    pub fn server_error(&self, f: Failure<'_>) {
        let mut event = Event {
            level: Level::Error,
            message: Some(format!("{} {} answered {}", f.method, f.route, f.status)),
            transaction: Some(format!("{} {}", f.method, f.route)),
            ..Event::default()
        };
        if let Some(cause) = f.cause {
            event.exception.values.push(Exception {
                ty: "ServerError".into(),
                value: Some(cause.to_string()),
                ..Exception::default()
            });
        }
        for (k, v) in [
            ("request_id", f.request_id.to_string()),
            ("method", f.method.to_string()),
            ("route", f.route.to_string()),
            ("status", f.status.to_string()),
        ] {
            event.tags.insert(k.into(), v);
        }
        self.hub.capture_event(event);
    }

    /// Reports a panic (its message and place).
    pub fn panic(&self, info: &std::panic::PanicHookInfo<'_>) {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let mut event = Event {
            level: Level::Fatal,
            message: Some(format!("panic{place}: {message}")),
            ..Event::default()
        };
        event
            .tags
            .insert("request_id".into(), crate::error::current_request_id());
        self.hub.capture_event(event);
    }

    /// Waits up to `timeout` for what was reported to be sent.
    pub fn flush(&self, timeout: Duration) -> bool {
        self.hub.client().is_some_and(|c| c.flush(Some(timeout)))
    }
}
