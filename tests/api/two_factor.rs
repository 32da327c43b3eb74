//! TOTP enrolment, sign-in with a code or a recovery code, each code once,
//! and REQUIRE_ADMIN_2FA.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tracetrack_api_types::ErrorCode;
use tracetrack_server::auth::totp;
use tracetrack_test_utils::{spawn_app, spawn_app_with, ADMIN_PASSWORD};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn code(secret_b32: &str, step: i64) -> String {
    totp::code_at(&totp::base32_decode(secret_b32).unwrap(), step)
}

async fn login(app: &tracetrack_test_utils::TestApp, code: Option<&str>) -> tracetrack_test_utils::Reply {
    let body = json!({"username": "admin", "password": ADMIN_PASSWORD, "totp_code": code});
    app.call(Method::POST, "/api/v1/auth/login", None, Some(body)).await
}

#[actix_web::test]
async fn enrol_then_sign_in_with_a_code_or_a_recovery_code() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let setup = app.post("/api/v1/auth/2fa/setup", &t, json!({})).await;
    assert_eq!(setup.status, StatusCode::OK);
    let secret = setup.body["secret"].as_str().unwrap().to_string();
    assert!(
        secret
            .chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)),
        "base32, no padding"
    );
    assert!(setup.body["otpauth_url"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/TraceTrack:admin?secret="));
    let wrong = app.post("/api/v1/auth/2fa/enable", &t, json!({"code": "000000"})).await;
    assert_eq!(wrong.body["errors"][0]["pointer"], "/code");
    // Steps are fixed up front, so a step boundary during the test changes nothing.
    let step = now() / totp::STEP;
    let enabled = app
        .post("/api/v1/auth/2fa/enable", &t, json!({"code": code(&secret, step)}))
        .await;
    assert_eq!(enabled.status, StatusCode::OK);
    let recovery: Vec<String> = serde_json::from_value(enabled.body["recovery_codes"].clone()).unwrap();
    assert_eq!(recovery.len(), 10);
    assert_eq!(app.get("/api/v1/auth/me", &t).await.body["two_factor_enabled"], true);

    assert_eq!(login(&app, None).await.code(), ErrorCode::TotpRequired);
    assert_eq!(login(&app, Some("123456")).await.code(), ErrorCode::TotpInvalid);
    // The code used to enable is spent; the next step's code works once.
    assert_eq!(
        login(&app, Some(&code(&secret, step))).await.code(),
        ErrorCode::TotpInvalid,
        "each code is accepted once"
    );
    let next = code(&secret, step + 1);
    assert_eq!(login(&app, Some(&next)).await.status, StatusCode::OK);
    assert_eq!(login(&app, Some(&next)).await.code(), ErrorCode::TotpInvalid);
    assert_eq!(login(&app, Some(&recovery[0])).await.status, StatusCode::OK);
    assert_eq!(
        login(&app, Some(&recovery[0])).await.code(),
        ErrorCode::TotpInvalid,
        "recovery codes work once"
    );
    let audited = app.count("SELECT count(*) AS n FROM audit_log WHERE action = 'user.2fa_enable'");
    assert_eq!(audited, 1);

    let bad = app
        .post("/api/v1/auth/2fa/disable", &t, json!({"password": "nope-nope-nope"}))
        .await;
    assert_eq!(bad.body["errors"][0]["pointer"], "/password");
    let off = app
        .post("/api/v1/auth/2fa/disable", &t, json!({"password": ADMIN_PASSWORD}))
        .await;
    assert_eq!(off.status, StatusCode::NO_CONTENT);
    assert_eq!(login(&app, None).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn admins_must_enrol_when_required() {
    let app = spawn_app_with(|c| c.require_admin_2fa = true).await;
    let t = app.admin_token().await;
    let blocked = app.get("/api/v1/bills", &t).await;
    assert_eq!(blocked.status, StatusCode::FORBIDDEN);
    assert_eq!(blocked.code(), ErrorCode::TotpEnrolmentRequired);
    let (_, biller) = app.user_unchecked(&t, "billy", "biller").await;
    assert!(biller.is_none(), "creating users is blocked too");
    let setup = app.post("/api/v1/auth/2fa/setup", &t, json!({})).await;
    let secret = setup.body["secret"].as_str().unwrap().to_string();
    app.post(
        "/api/v1/auth/2fa/enable",
        &t,
        json!({"code": code(&secret, now() / totp::STEP)}),
    )
    .await;
    assert_eq!(app.get("/api/v1/bills", &t).await.status, StatusCode::OK);
}
