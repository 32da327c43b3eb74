//! SENTRY_DSN (docs/logging.md): a 500 reaches a Sentry-compatible collector (one
//! written here, on 127.0.0.1) with its request id and cause, and nothing secret.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use reqwest::StatusCode;
use tracetrack_test_utils::{spawn_app_with, ADMIN_PASSWORD};

/// Accepts HTTP requests and hands over (request line, body) of each.
fn collector() -> (u16, Receiver<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut out = stream.try_clone().unwrap();
            let mut reader = BufReader::new(stream);
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let _ = out.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
            let _ = tx.send((
                request_line.trim().to_string(),
                String::from_utf8_lossy(&body).into_owned(),
            ));
        }
    });
    (port, rx)
}

#[actix_web::test]
async fn a_server_error_reaches_the_collector_with_its_request_id_and_no_secrets() {
    let (port, events) = collector();
    let app = spawn_app_with(|c| c.sentry_dsn = Some(format!("http://publickey@127.0.0.1:{port}/42"))).await;
    let admin = app.admin_token().await;
    // A schema that lost a table: the server fails, as it would after a bad manual change.
    app.exec("DROP TABLE notification");
    let r = app
        .send(
            reqwest::Method::GET,
            "/api/v1/notifications?limit=5",
            Some(&admin),
            None,
            &[("X-Request-Id", "req-sentry-0001")],
        )
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);

    let (line, body) = events
        .recv_timeout(Duration::from_secs(10))
        .expect("an event at the collector");
    assert!(line.starts_with("POST /api/42/envelope/"), "{line}");
    assert!(body.contains("req-sentry-0001"), "the request id is a tag: {body}");
    assert!(body.contains("/api/v1/notifications"), "the route: {body}");
    assert!(body.contains("notification"), "the cause: {body}");
    for secret in [admin.as_str(), ADMIN_PASSWORD, "limit=5", "Bearer", "127.0.0.1"] {
        assert!(!body.contains(secret), "{secret:?} must not be sent: {body}");
    }
    // A 4xx is the caller's business, not an error to report.
    let missing = app.get("/api/v1/bags/SB99999", &admin).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        events.recv_timeout(Duration::from_millis(1500)).is_err(),
        "nothing sent for a 404"
    );
}
