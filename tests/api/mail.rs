//! Mail through an SMTP relay (a minimal relay in the test), and the outbox
//! when the relay is down.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tracetrack_server::services::mailer::{backoff, deliver};
use tracetrack_test_utils::{spawn_app_with, TestApp, USER_PASSWORD};

/// A relay that accepts every mail and hands over its DATA section.
fn smtp_relay() -> (u16, Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut out = stream.try_clone().unwrap();
                let mut lines = BufReader::new(stream).lines();
                let _ = out.write_all(b"220 relay ready\r\n");
                while let Some(Ok(line)) = lines.next() {
                    let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "DATA" => {
                            let _ = out.write_all(b"354 go on\r\n");
                            let mut data = String::new();
                            for l in lines.by_ref().map_while(Result::ok).take_while(|l| l != ".") {
                                data.push_str(&l);
                                data.push('\n');
                            }
                            let _ = tx.send(data);
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            let _ = out.write_all(b"221 bye\r\n");
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    let _ = out.write_all(reply);
                }
            });
        }
    });
    (port, rx)
}

async fn user_with_mail(app: &TestApp, admin: &str) {
    let body = json!({"username": "mira", "email": "mira@example.com", "password": USER_PASSWORD, "role": "biller"});
    assert_eq!(app.post("/api/v1/users", admin, body).await.status, StatusCode::CREATED);
    let forgot = app
        .call(
            Method::POST,
            "/api/v1/auth/password/forgot",
            None,
            Some(json!({"email": "mira@example.com"})),
        )
        .await;
    assert_eq!(forgot.status, StatusCode::ACCEPTED);
}

fn reset_code(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| l.len() > 30 && !l.contains(' ') && !l.contains(':'))
        .expect("a reset code in the mail")
        .to_string()
}

/// Polls the outbox until `done` holds for its newest mail.
async fn newest_mail(app: &TestApp, admin: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..50 {
        let outbox = app.get("/api/v1/outbox", admin).await.body;
        let mail = outbox["items"][0].clone();
        if done(&mail) {
            return mail;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the outbox never got there");
}

#[actix_web::test]
async fn with_a_relay_the_reset_mail_is_sent_and_its_code_is_not_kept() {
    let (port, received) = smtp_relay();
    let app = spawn_app_with(|c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.mail_from = "TraceTrack <ops@example.com>".into();
    })
    .await;
    let admin = app.admin_token().await;
    user_with_mail(&app, &admin).await;
    let data = received
        .recv_timeout(Duration::from_secs(10))
        .expect("the relay got the mail");
    assert!(data.contains("To: mira@example.com"), "{data}");
    assert!(data.contains("From: TraceTrack <ops@example.com>"), "{data}");
    let code = reset_code(&data);

    let mail = newest_mail(&app, &admin, |m| !m["sent_at"].is_null()).await;
    assert_eq!(mail["attempts"], 1);
    assert!(
        !mail["body"].as_str().unwrap().contains(&code),
        "the code is not kept after sending"
    );

    let reset = json!({"token": code, "new_password": "mailed-password-42"});
    let r = app
        .call(Method::POST, "/api/v1/auth/password/reset", None, Some(reset))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    app.login("mira", "mailed-password-42").await;
}

#[actix_web::test]
async fn with_the_relay_down_the_mail_waits_in_the_outbox_with_its_error_and_backs_off() {
    let app = spawn_app_with(|c| c.smtp_url = Some("smtp://127.0.0.1:1".into())).await;
    let admin = app.admin_token().await;
    user_with_mail(&app, &admin).await;
    let mail = newest_mail(&app, &admin, |m| m["attempts"].as_i64() > Some(0)).await;
    assert!(mail["sent_at"].is_null());
    assert!(!mail["last_error"].as_str().unwrap_or_default().is_empty());
    let code = reset_code(mail["body"].as_str().unwrap());
    assert!(code.len() > 30, "an admin can still pass the code on");

    // The next attempt waits 30 s: more rounds now do not ask the relay again.
    let next = mail["next_attempt_at"].as_str().expect("a next attempt");
    let next = chrono::DateTime::parse_from_rfc3339(next).unwrap();
    let wait = next.signed_duration_since(chrono::Utc::now()).num_seconds();
    assert!((20..=30).contains(&wait), "next attempt in {wait} s");
    let other = tracetrack_server::prepare(app.config.clone()).unwrap();
    for _ in 0..3 {
        assert_eq!(deliver(&other).await.unwrap(), (0, 0), "not due yet");
    }
    // Once due, one more attempt, and the wait doubles.
    app.exec("UPDATE outbox_mail SET next_attempt_at = now() WHERE sent_at IS NULL");
    assert_eq!(deliver(&other).await.unwrap(), (0, 1));
    let mail = newest_mail(&app, &admin, |m| m["attempts"] == 2).await;
    let next = chrono::DateTime::parse_from_rfc3339(mail["next_attempt_at"].as_str().unwrap()).unwrap();
    let wait = next.signed_duration_since(chrono::Utc::now()).num_seconds();
    assert!((50..=60).contains(&wait), "second wait {wait} s");
    assert_eq!(backoff(0), Duration::from_secs(30));
    assert_eq!(backoff(9), Duration::from_secs(3600), "at most an hour");
}

/// A relay that accepts connections and never answers.
fn silent_relay() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}

#[actix_web::test]
async fn a_stalled_relay_holds_no_database_connection() {
    // One connection in the pool: a mail round that kept it while waiting for the
    // relay (10 s per command) would turn every request meanwhile into a 503.
    let port = silent_relay();
    let app = spawn_app_with(|c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.pool_size = 1;
        c.pool_timeout = Duration::from_secs(2);
    })
    .await;
    let admin = app.admin_token().await;
    user_with_mail(&app, &admin).await;
    // The round is now waiting on the relay.
    for _ in 0..50 {
        if app.count("SELECT count(*) AS n FROM outbox_mail WHERE claimed_until IS NOT NULL") > 0 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    for _ in 0..5 {
        let r = app.get("/api/v1/outbox", &admin).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM outbox_mail WHERE claimed_until IS NOT NULL AND attempts = 0"),
        1,
        "still waiting for the relay"
    );
}
