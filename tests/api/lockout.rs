//! Locks that run out, second-factor guessing, and whose address counts.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tracetrack_api_types::ErrorCode;
use tracetrack_server::auth::totp;
use tracetrack_server::client_ip::Cidr;
use tracetrack_test_utils::{spawn_app, spawn_app_with, Reply, TestApp, USER_PASSWORD};

async fn login(app: &TestApp, user: &str, pw: &str, code: Option<&str>, from: Option<&str>) -> Reply {
    let headers: Vec<(&str, &str)> = from.map(|ip| ("X-Forwarded-For", ip)).into_iter().collect();
    let body = json!({"username": user, "password": pw, "totp_code": code});
    app.send(Method::POST, "/api/v1/auth/login", None, Some(body), &headers)
        .await
}

#[actix_web::test]
async fn a_lock_that_ran_out_starts_a_fresh_count() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.user(&admin, "worker", "dispatcher", Some("lucknow")).await;
    for _ in 0..5 {
        login(&app, "worker", "wrong-password-1", None, None).await;
    }
    assert_eq!(
        login(&app, "worker", USER_PASSWORD, None, None).await.code(),
        ErrorCode::AccountLocked
    );
    app.exec("UPDATE login_failure SET locked_until = now() - interval '1 second' WHERE username = 'worker'");
    let after = login(&app, "worker", "wrong-password-1", None, None).await;
    assert_eq!(
        after.code(),
        ErrorCode::InvalidCredentials,
        "one wrong password after a lock does not lock again"
    );
    assert!(after.body.get("locked_until").is_none(), "{:?}", after.body);
    assert_eq!(
        app.count("SELECT failures::bigint AS n FROM login_failure WHERE username = 'worker'"),
        1
    );
    assert_eq!(
        login(&app, "worker", USER_PASSWORD, None, None).await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn wrong_second_factor_codes_lock_on_their_own_count() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, token) = app.user(&admin, "twofa", "biller", None).await;
    let secret = app.post("/api/v1/auth/2fa/setup", &token, json!({})).await.body["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let secret = totp::base32_decode(&secret).unwrap();
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    };
    let step = now() / totp::STEP;
    let enabled = app
        .post(
            "/api/v1/auth/2fa/enable",
            &token,
            json!({"code": totp::code_at(&secret, step)}),
        )
        .await;
    assert_eq!(enabled.status, StatusCode::OK);
    // A code far from now never matches.
    let wrong = totp::code_at(&secret, step + 1000);
    for attempt in 1..=4 {
        let r = login(&app, "twofa", USER_PASSWORD, Some(&wrong), None).await;
        assert_eq!(r.code(), ErrorCode::TotpInvalid, "attempt {attempt}");
    }
    assert_eq!(
        app.count("SELECT failures::bigint AS n FROM login_failure WHERE username = 'twofa'"),
        0,
        "wrong codes are not wrong passwords"
    );
    let fifth = login(&app, "twofa", USER_PASSWORD, Some(&wrong), None).await;
    assert_eq!(fifth.status, StatusCode::LOCKED);
    assert!(fifth.body["locked_until"].is_string());
    let right = totp::code_at(&secret, now() / totp::STEP);
    let after = login(&app, "twofa", USER_PASSWORD, Some(&right), None).await;
    assert_eq!(
        after.code(),
        ErrorCode::AccountLocked,
        "the right code cannot be tried while locked"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_log WHERE action = 'auth.totp_failed'"),
        5
    );
}

#[actix_web::test]
async fn two_factor_endpoints_are_rate_limited_per_user() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, token) = app.user(&admin, "eager", "dispatcher", Some("lucknow")).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(app.post("/api/v1/auth/2fa/setup", &token, json!({})).await);
    }
    assert!(statuses[..5].iter().all(|r| r.status == StatusCode::OK));
    assert_eq!(statuses[5].status, StatusCode::TOO_MANY_REQUESTS);
    assert!(statuses[5].header("Retry-After").is_some());
    // Another user has a budget of their own.
    let (_, other) = app.user(&admin, "calm", "dispatcher", Some("lucknow")).await;
    assert_eq!(
        app.post("/api/v1/auth/2fa/setup", &other, json!({})).await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    // Not trusted: a client cannot dodge the per-address limit by inventing addresses.
    let app = spawn_app_with(|c| c.rate_login_ip = 3).await;
    let mut last = StatusCode::OK;
    for i in 0..4 {
        last = login(
            &app,
            "nobody",
            "wrong-password-1",
            None,
            Some(&format!("198.51.100.{i}")),
        )
        .await
        .status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    let admin = app.admin_token_unlimited().await;
    let log = app
        .get("/api/v1/audit-log?action=auth.login_failed&limit=1", &admin)
        .await;
    assert_eq!(
        log.body["items"][0]["ip"], "127.0.0.0",
        "the socket address, anonymised"
    );

    // Behind a trusted proxy (here the test client), the forwarded address is the client.
    let proxied = spawn_app_with(|c| {
        c.rate_login_ip = 3;
        c.anonymize_audit_logs = false;
        c.trusted_proxies = vec![Cidr::parse("127.0.0.1").unwrap()];
    })
    .await;
    for i in 0..4 {
        let r = login(
            &proxied,
            "nobody",
            "wrong-password-1",
            None,
            Some(&format!("198.51.100.{i}")),
        )
        .await;
        assert_eq!(
            r.code(),
            ErrorCode::InvalidCredentials,
            "each address has its own budget"
        );
    }
    let admin = proxied.admin_token().await;
    let log = proxied
        .get("/api/v1/audit-log?action=auth.login_failed&limit=1", &admin)
        .await;
    assert_eq!(log.body["items"][0]["ip"], "198.51.100.3");
}
