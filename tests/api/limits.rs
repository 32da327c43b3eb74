//! Rate limits and two instances sharing PostgreSQL and Redis.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::{spawn_app, spawn_app_with, TestApp, ADMIN_PASSWORD};

async fn login(app: &TestApp, user: &str, pw: &str) -> tracetrack_test_utils::Reply {
    app.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": user, "password": pw})),
    )
    .await
}

/// Waits until at least 15 s of the current minute remain: the limits count per
/// clock minute, and a run that crosses a boundary would start a fresh quota midway.
pub(crate) async fn fresh_window() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let into = now.as_millis() % 60_000;
    if into > 45_000 {
        tokio::time::sleep(std::time::Duration::from_millis((60_000 - into + 200) as u64)).await;
    }
}

#[actix_web::test]
async fn login_is_limited_per_address_and_username_with_headers() {
    let app = spawn_app_with(|c| c.rate_login = 3).await;
    // The limit counts per minute: a run that crosses a minute boundary may see up to
    // twice the limit pass, never more (slow hashing on a busy machine can do that).
    let mut passed = 0;
    let limited = loop {
        let r = login(&app, "admin", ADMIN_PASSWORD).await;
        if r.status != StatusCode::OK {
            break r;
        }
        passed += 1;
        assert!(passed <= 6, "more than twice the limit passed");
    };
    assert!(passed >= 3, "the limit let {passed} of 3 through");
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.code(), ErrorCode::RateLimited);
    assert!(limited.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(limited.header("ratelimit-limit"), Some("3"));
    assert_eq!(limited.header("ratelimit-remaining"), Some("0"));
    assert!(limited.header("ratelimit-reset").is_some());
    // Another username from the same address is not limited (one NAT, many workers).
    assert_eq!(
        login(&app, "someone", "wrong-password-1").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[actix_web::test]
async fn api_calls_are_limited_per_user() {
    let app = spawn_app_with(|c| c.rate_api = 5).await;
    let t = app.admin_token().await;
    fresh_window().await;
    for _ in 0..5 {
        assert_eq!(app.get("/api/v1/auth/me", &t).await.status, StatusCode::OK);
    }
    let r = app.get("/api/v1/auth/me", &t).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.header("ratelimit-limit"), Some("5"));
}

#[actix_web::test]
async fn limits_lockouts_and_logouts_hold_across_two_instances() {
    let a = spawn_app().await;
    let b = a.twin();
    fresh_window().await;
    for _ in 0..6 {
        assert_eq!(login(&a, "admin", ADMIN_PASSWORD).await.status, StatusCode::OK);
    }
    for _ in 0..4 {
        assert_eq!(login(&b, "admin", ADMIN_PASSWORD).await.status, StatusCode::OK);
    }
    assert_eq!(
        login(&b, "admin", ADMIN_PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the 11th, on the other instance"
    );
    // Lockout reached through one instance holds on the other.
    for _ in 0..5 {
        login(&a, "ghost", "wrong-password-1").await;
    }
    assert_eq!(login(&b, "ghost", "wrong-password-1").await.status, StatusCode::LOCKED);
    // A token from one instance works on the other, and a logout on one is honoured by both.
    let token = a.admin_token_unlimited().await;
    assert_eq!(b.get("/api/v1/auth/me", &token).await.status, StatusCode::OK);
    a.post("/api/v1/auth/logout", &token, json!({})).await;
    assert_eq!(b.get("/api/v1/auth/me", &token).await.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn a_dead_redis_falls_back_to_local_limits_without_errors() {
    let app = spawn_app_with(|c| c.redis_url = Some("redis://127.0.0.1:1".into())).await;
    fresh_window().await;
    for _ in 0..10 {
        assert_eq!(login(&app, "admin", ADMIN_PASSWORD).await.status, StatusCode::OK);
    }
    assert_eq!(
        login(&app, "admin", ADMIN_PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}
