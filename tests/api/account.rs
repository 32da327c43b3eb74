//! Password reset through the outbox, self-registration.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::{spawn_app, spawn_app_with, USER_PASSWORD};

#[actix_web::test]
async fn reset_by_mail_is_one_use_and_ends_sessions() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let r = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"username": "mira", "email": "Mira@Example.com", "password": USER_PASSWORD, "role": "biller"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let mira = app.login("mira", USER_PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let forgot = |email: &'static str| {
        app.call(
            Method::POST,
            "/api/v1/auth/password/forgot",
            None,
            Some(json!({"email": email})),
        )
    };
    let known = forgot("mira@example.com").await;
    let unknown = forgot("nobody@example.com").await;
    assert_eq!(
        (known.status, unknown.status),
        (StatusCode::ACCEPTED, StatusCode::ACCEPTED)
    );
    assert_eq!(known.body, unknown.body, "the same answer either way");
    let outbox = app.get("/api/v1/outbox", &admin).await.body;
    let items = outbox["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let body = items[0]["body"].as_str().unwrap();
    let token = body
        .lines()
        .map(str::trim)
        .find(|l| l.len() > 30 && !l.contains(' '))
        .unwrap()
        .to_string();
    let weak = app
        .call(
            Method::POST,
            "/api/v1/auth/password/reset",
            None,
            Some(json!({"token": token, "new_password": "short"})),
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = app
        .call(
            Method::POST,
            "/api/v1/auth/password/reset",
            None,
            Some(json!({"token": token, "new_password": "fresh-password-77"})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/auth/me", &mira).await.status,
        StatusCode::UNAUTHORIZED,
        "sessions ended"
    );
    app.login("mira", "fresh-password-77").await;
    let again = app
        .call(
            Method::POST,
            "/api/v1/auth/password/reset",
            None,
            Some(json!({"token": token, "new_password": "other-password-88"})),
        )
        .await;
    assert_eq!(again.code(), ErrorCode::ResetTokenInvalid);
    let audit = app.count(
        "SELECT count(*) AS n FROM audit_log WHERE action IN ('auth.password_reset_requested', 'user.password_reset')",
    );
    assert_eq!(audit, 3);
    let clear = app.count("SELECT count(*) AS n FROM audit_log WHERE lower(after::text) LIKE '%mira@example.com%' OR after::text LIKE '%nobody@%'");
    assert_eq!(clear, 0, "e-mail addresses are masked in the audit log");
    let masked = app.count("SELECT count(*) AS n FROM audit_log WHERE after->>'email' ILIKE '%***@example.com'");
    assert_eq!(masked, 3, "user.create and both reset requests");
    assert_eq!(forgot("a@b.co").await.status, StatusCode::ACCEPTED);
    assert_eq!(
        forgot("a@b.co").await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "3 per minute per address"
    );
}

#[actix_web::test]
async fn registration_is_off_unless_allowed_and_yields_a_dispatcher_without_area() {
    let closed = spawn_app().await;
    let body = json!({"username": "newbie", "email": "new@example.com", "password": USER_PASSWORD});
    let r = closed
        .call(Method::POST, "/api/v1/auth/register", None, Some(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let open = spawn_app_with(|c| c.allow_registration = true).await;
    let r = open
        .call(Method::POST, "/api/v1/auth/register", None, Some(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["role"], "dispatcher");
    assert!(r.body["dispatch_area"].is_null());
    assert_eq!(
        open.call(Method::POST, "/api/v1/auth/register", None, Some(body))
            .await
            .code(),
        ErrorCode::Duplicate
    );
    let token = open.login("newbie", USER_PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        open.scan_parent(&token, "SB00001").await.code(),
        ErrorCode::NoDispatchArea
    );
}
