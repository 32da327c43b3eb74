//! Revocation with the Redis session cache: no database read per request, yet
//! every way of ending or changing a session is honoured at once, on every instance.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tracetrack_api_types::ErrorCode;
use tracetrack_server::auth::totp;
use tracetrack_test_utils::{spawn_app, spawn_app_with, TestApp, USER_PASSWORD};

/// Is the token accepted right now by this instance?
async fn accepted(app: &TestApp, token: &str) -> bool {
    let status = app.get("/api/v1/bills", token).await.status;
    assert!(
        status == StatusCode::OK || status == StatusCode::UNAUTHORIZED,
        "unexpected {status}"
    );
    status == StatusCode::OK
}

fn access(tokens: &Value) -> String {
    tokens["access_token"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn a_cached_session_needs_no_database_read_and_without_redis_every_request_reads_it() {
    let cached = spawn_app().await;
    let admin = cached.admin_token().await;
    let (_, token) = cached.user(&admin, "cached", "biller", None).await;
    assert!(accepted(&cached, &token).await);
    // Behind the server's back: the cache, not the database, answers.
    cached.exec("UPDATE user_session SET revoked_at = now()");
    assert!(accepted(&cached, &token).await, "served from the cache");

    let direct = spawn_app_with(|c| c.redis_url = None).await;
    let admin = direct.admin_token().await;
    let (_, token) = direct.user(&admin, "direct", "biller", None).await;
    assert!(accepted(&direct, &token).await);
    direct.exec("UPDATE user_session SET revoked_at = now()");
    assert!(!accepted(&direct, &token).await, "read from the database");
}

#[actix_web::test]
async fn every_revocation_is_honoured_at_once_by_another_instance_with_a_warm_cache() {
    let one = spawn_app().await;
    let two = one.twin();
    let admin = one.admin_token().await;
    let mut victims = Vec::new();
    for name in [
        "logs-out",
        "changes-pw",
        "promoted",
        "paused",
        "deleted",
        "ended",
        "reused",
        "reset",
    ] {
        let (id, _) = one.user(&admin, name, "dispatcher", None).await;
        let tokens = one.login(name, USER_PASSWORD).await;
        let token = access(&tokens);
        assert!(
            accepted(&one, &token).await && accepted(&two, &token).await,
            "{name} warm"
        );
        victims.push((name, id, tokens, token));
    }
    let id_of = |name: &str| victims.iter().find(|v| v.0 == name).unwrap().1;
    let token_of = |name: &str| victims.iter().find(|v| v.0 == name).unwrap().3.clone();

    let logout = one
        .call(Method::POST, "/api/v1/auth/logout", Some(&token_of("logs-out")), None)
        .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);

    let second = access(&one.login("changes-pw", USER_PASSWORD).await);
    let changed = one
        .post(
            "/api/v1/auth/password",
            &second,
            json!({"current_password": USER_PASSWORD, "new_password": "another-password-42"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT);
    assert!(accepted(&two, &second).await, "the session that changed it stays");

    for (name, change) in [
        ("promoted", json!({"role": "biller"})),
        ("paused", json!({"is_active": false})),
    ] {
        let path = format!("/api/v1/users/{}", id_of(name));
        let r = one.call(Method::PATCH, &path, Some(&admin), Some(change)).await;
        assert_eq!(r.status, StatusCode::OK, "{name}");
    }
    let deleted = format!("/api/v1/users/{}", id_of("deleted"));
    assert_eq!(
        one.call(Method::DELETE, &deleted, Some(&admin), None).await.status,
        StatusCode::NO_CONTENT
    );
    let ended = format!("/api/v1/users/{}/sessions", id_of("ended"));
    assert_eq!(
        one.call(Method::DELETE, &ended, Some(&admin), None).await.status,
        StatusCode::NO_CONTENT
    );

    let refresh = victims.iter().find(|v| v.0 == "reused").unwrap().2["refresh_token"].clone();
    let body = Some(json!({"refresh_token": refresh}));
    let first = one.call(Method::POST, "/api/v1/auth/refresh", None, body.clone()).await;
    assert_eq!(first.status, StatusCode::OK);
    let rotated = access(&first.body);
    assert!(accepted(&two, &rotated).await);
    let reuse = one.call(Method::POST, "/api/v1/auth/refresh", None, body).await;
    assert_eq!(reuse.code(), ErrorCode::RefreshReused);
    assert!(!accepted(&two, &rotated).await, "reused: the rotated token ends too");

    let reset_path = format!("/api/v1/users/{}", id_of("reset"));
    let patched = one
        .call(
            Method::PATCH,
            &reset_path,
            Some(&admin),
            Some(json!({"email": "reset@example.com"})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK);
    assert!(
        accepted(&two, &token_of("reset")).await,
        "an e-mail change keeps the session"
    );
    let forgot = json!({"email": "reset@example.com"});
    one.call(Method::POST, "/api/v1/auth/password/forgot", None, Some(forgot))
        .await;
    let mail = one.get("/api/v1/outbox", &admin).await.body["items"][0]["body"]
        .as_str()
        .unwrap()
        .to_string();
    let code = mail
        .lines()
        .map(str::trim)
        .find(|l| l.len() > 30 && !l.contains(' '))
        .unwrap();
    let reset = json!({"token": code, "new_password": "reset-password-42"});
    let r = one
        .call(Method::POST, "/api/v1/auth/password/reset", None, Some(reset))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);

    for (name, _, _, token) in &victims {
        assert!(!accepted(&two, token).await, "{name}: refused by the other instance");
        assert!(
            !accepted(&one, token).await,
            "{name}: refused by the instance that changed it"
        );
    }
}

#[actix_web::test]
async fn enrolling_in_2fa_lifts_the_admin_gate_for_a_cached_session_at_once() {
    let app = spawn_app_with(|c| c.require_admin_2fa = true).await;
    let admin = app.admin_token().await;
    let gate = app.get("/api/v1/bills", &admin).await;
    assert_eq!(gate.code(), ErrorCode::TotpEnrolmentRequired);
    let setup = app.post("/api/v1/auth/2fa/setup", &admin, json!({})).await;
    assert_eq!(setup.status, StatusCode::OK);
    let secret = setup.body["secret"].as_str().unwrap().to_string();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let step = now.as_secs() as i64 / totp::STEP;
    let code = totp::code_at(&totp::base32_decode(&secret).unwrap(), step);
    let enabled = app.post("/api/v1/auth/2fa/enable", &admin, json!({"code": code})).await;
    assert_eq!(enabled.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/bills", &admin).await.status,
        StatusCode::OK,
        "gate lifted at once"
    );
}
