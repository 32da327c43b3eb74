use reqwest::{Method, StatusCode};
use serde_json::json;
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::{code_of, spawn_app, spawn_app_with, ADMIN_PASSWORD, USER_PASSWORD};

async fn login_raw(app: &tracetrack_test_utils::TestApp, user: &str, pw: &str) -> tracetrack_test_utils::Reply {
    app.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": user, "password": pw})),
    )
    .await
}

#[actix_web::test]
async fn login_returns_tokens_user_and_refresh_cookie() {
    let app = spawn_app().await;
    let r = login_raw(&app, "Admin ", ADMIN_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["user"]["role"], "admin");
    assert!(r.body["expires_in"].as_i64().unwrap() > 800);
    let cookie = r.header("set-cookie").unwrap();
    assert!(cookie.starts_with("tt_refresh=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    assert!(cookie.contains("Path=/api/v1/auth"));
    let me = app
        .get("/api/v1/auth/me", r.body["access_token"].as_str().unwrap())
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["username"], "admin");
    assert!(me.body.get("password_hash").is_none());
}

#[actix_web::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    let wrong = login_raw(&app, "admin", "not-the-password").await;
    let unknown = login_raw(&app, "nobody", "not-the-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(code_of(&wrong.body), ErrorCode::InvalidCredentials);
    assert_eq!(wrong.body["detail"], unknown.body["detail"]);
}

#[actix_web::test]
async fn fifth_failure_locks_until_admin_unlocks() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, _) = app.user(&admin, "worker", "biller", None).await;
    for i in 1..=5 {
        let r = login_raw(&app, "worker", "wrong-password-x").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let locked = login_raw(&app, "worker", USER_PASSWORD).await;
    assert_eq!(locked.status, StatusCode::LOCKED);
    assert_eq!(locked.code(), ErrorCode::AccountLocked);
    assert!(locked.body["locked_until"].is_string());
    // Unknown usernames lock the same way (no enumeration).
    for _ in 0..5 {
        login_raw(&app, "ghost", "wrong-password-x").await;
    }
    assert_eq!(
        login_raw(&app, "ghost", "wrong-password-x").await.status,
        StatusCode::LOCKED
    );
    let r = app.post(&format!("/api/v1/users/{id}/unlock"), &admin, json!({})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(login_raw(&app, "worker", USER_PASSWORD).await.status, StatusCode::OK);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_log WHERE action = 'auth.account_locked'"),
        2
    );
}

#[actix_web::test]
async fn success_resets_the_failure_count() {
    let app = spawn_app_with(|c| c.lockout_threshold = 3).await;
    for _ in 0..2 {
        login_raw(&app, "admin", "wrong-password-x").await;
    }
    app.login("admin", ADMIN_PASSWORD).await;
    for _ in 0..2 {
        login_raw(&app, "admin", "wrong-password-x").await;
    }
    assert_eq!(login_raw(&app, "admin", ADMIN_PASSWORD).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn refresh_rotates_and_reuse_revokes_the_session() {
    let app = spawn_app().await;
    let first = app.login("admin", ADMIN_PASSWORD).await;
    let old_refresh = first["refresh_token"].as_str().unwrap().to_string();
    let r = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": old_refresh})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let new_access = r.body["access_token"].as_str().unwrap().to_string();
    assert_ne!(r.body["refresh_token"], first["refresh_token"]);
    assert_eq!(app.get("/api/v1/auth/me", &new_access).await.status, StatusCode::OK);
    // Reusing the old refresh token ends the whole session.
    let reuse = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": old_refresh})),
        )
        .await;
    assert_eq!(reuse.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reuse.code(), ErrorCode::RefreshReused);
    assert_eq!(
        app.get("/api/v1/auth/me", &new_access).await.code(),
        ErrorCode::SessionExpired
    );
    let newer = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": r.body["refresh_token"]})),
        )
        .await;
    assert_eq!(newer.code(), ErrorCode::SessionExpired);
}

#[actix_web::test]
async fn refresh_accepts_the_cookie() {
    let app = spawn_app().await;
    let first = app.login("admin", ADMIN_PASSWORD).await;
    let cookie = format!("tt_refresh={}", first["refresh_token"].as_str().unwrap());
    let r = app
        .send(Method::POST, "/api/v1/auth/refresh", None, None, &[("Cookie", &cookie)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let none = app.call(Method::POST, "/api/v1/auth/refresh", None, None).await;
    assert_eq!(none.code(), ErrorCode::SessionExpired);
}

#[actix_web::test]
async fn logout_ends_the_session_at_once() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let r = app.post("/api/v1/auth/logout", &token, json!({})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/auth/me", &token).await.code(),
        ErrorCode::SessionExpired
    );
}

#[actix_web::test]
async fn idle_sessions_expire() {
    // Without the Redis session cache, so the edited last_seen_at is read at once.
    let app = spawn_app_with(|c| c.redis_url = None).await;
    let token = app.admin_token().await;
    app.exec("UPDATE user_session SET last_seen_at = now() - interval '31 minutes'");
    assert_eq!(
        app.get("/api/v1/auth/me", &token).await.code(),
        ErrorCode::SessionExpired
    );
}

#[actix_web::test]
async fn tampered_and_missing_tokens_are_refused() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let mut forged = token.clone();
    forged.pop();
    forged.push(if token.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(
        app.get("/api/v1/auth/me", &forged).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = app.call(Method::GET, "/api/v1/auth/me", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.code(), ErrorCode::Unauthorized);
}

#[actix_web::test]
async fn password_change_ends_other_sessions_and_checks_policy() {
    let app = spawn_app().await;
    let a = app.admin_token().await;
    let b = app.admin_token().await;
    let weak = app
        .post(
            "/api/v1/auth/password",
            &a,
            json!({"current_password": ADMIN_PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(weak.body["errors"][0]["pointer"], "/new_password");
    let wrong = app
        .post(
            "/api/v1/auth/password",
            &a,
            json!({"current_password": "nope-nope-nope", "new_password": "brand-new-secret-1"}),
        )
        .await;
    assert_eq!(wrong.body["errors"][0]["pointer"], "/current_password");
    let ok = app
        .post(
            "/api/v1/auth/password",
            &a,
            json!({"current_password": ADMIN_PASSWORD, "new_password": "brand-new-secret-1"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/auth/me", &a).await.status, StatusCode::OK);
    assert_eq!(app.get("/api/v1/auth/me", &b).await.code(), ErrorCode::SessionExpired);
    app.login("admin", "brand-new-secret-1").await;
}
