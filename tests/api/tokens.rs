//! Token attacks: every forged, foreign, expired or orphaned token is refused.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tracetrack_test_utils::spawn_app;

fn b64(v: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

fn claims_of(token: &str) -> serde_json::Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[actix_web::test]
async fn forged_foreign_and_expired_tokens_are_refused() {
    let app = spawn_app().await;
    let real = app.admin_token().await;
    let claims = claims_of(&real);
    // alg: none with the real claims and no signature.
    let none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims));
    // Signed with another key.
    let keys = tracetrack_server::auth::jwt::JwtKeys::new(b"another-secret-another-secret-xx");
    let parsed: tracetrack_server::auth::jwt::Claims = serde_json::from_value(claims.clone()).unwrap();
    let foreign = keys.sign(&parsed).unwrap();
    // The real header and signature on changed claims (user 1 → user 2).
    let mut other = claims.clone();
    other["sub"] = json!("2");
    let parts: Vec<&str> = real.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], b64(&other), parts[2]);
    // HS512 header on the real claims.
    let hs512 = format!(
        "{}.{}.{}",
        b64(&json!({"alg": "HS512", "typ": "JWT"})),
        parts[1],
        parts[2]
    );
    for (name, token) in [
        ("alg none", none),
        ("wrong key", foreign),
        ("tampered claims", tampered),
        ("other alg", hs512),
        ("garbage", "abc.def".into()),
    ] {
        let r = app.get("/api/v1/auth/me", &token).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{name}");
    }
}

#[actix_web::test]
async fn an_expired_token_signed_with_the_real_key_is_refused() {
    use diesel::{sql_query, QueryableByName, RunQueryDsl};
    #[derive(QueryableByName)]
    struct Secret {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let app = spawn_app().await;
    let real = app.admin_token().await;
    let mut conn = app.pool.get().unwrap();
    let secret: Secret = sql_query("SELECT value FROM app_setting WHERE key = 'jwt_secret'")
        .get_result(&mut conn)
        .unwrap();
    let keys = tracetrack_server::auth::jwt::JwtKeys::new(secret.value.as_bytes());
    let mut claims: tracetrack_server::auth::jwt::Claims = serde_json::from_value(claims_of(&real)).unwrap();
    let fresh = keys.sign(&claims).unwrap();
    assert_eq!(
        app.get("/api/v1/auth/me", &fresh).await.status,
        StatusCode::OK,
        "the key is the server's"
    );
    claims.exp = claims.iat - 1;
    let expired = keys.sign(&claims).unwrap();
    let r = app.get("/api/v1/auth/me", &expired).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn tokens_of_deleted_or_deactivated_users_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (gone, gone_token) = app.user(&admin, "leaver", "biller", None).await;
    let (off, off_token) = app.user(&admin, "paused", "biller", None).await;
    app.call(Method::DELETE, &format!("/api/v1/users/{gone}"), Some(&admin), None)
        .await;
    app.call(
        Method::PATCH,
        &format!("/api/v1/users/{off}"),
        Some(&admin),
        Some(json!({"is_active": false})),
    )
    .await;
    assert_eq!(
        app.get("/api/v1/bills", &gone_token).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/bills", &off_token).await.status,
        StatusCode::UNAUTHORIZED
    );
}
