//! Migrations, pool exhaustion, bootstrap.

use reqwest::StatusCode;
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::{spawn_app, spawn_app_with, TestDatabase};

#[test]
fn every_migration_has_a_working_down() {
    use diesel::Connection;
    let db = TestDatabase::create();
    let mut conn = diesel::PgConnection::establish(&db.url).unwrap();
    tracetrack_db::revert_all_migrations(&mut conn).expect("all downs run");
    let applied = tracetrack_db::run_migrations(&mut conn).expect("all ups run again");
    let dirs = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations"))
        .unwrap()
        .count();
    assert_eq!(applied.len(), dirs);
}

#[actix_web::test]
async fn a_pool_wait_past_the_timeout_answers_503_with_retry_after() {
    let app = spawn_app_with(|c| {
        c.pool_size = 1;
        c.pool_min_idle = 1;
        c.pool_timeout = std::time::Duration::from_millis(200);
    })
    .await;
    let token = app.admin_token().await;
    let held = app.pool.get().expect("the only connection");
    let r = app.get("/api/v1/auth/me", &token).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.code(), ErrorCode::Unavailable);
    assert_eq!(r.header("retry-after"), Some("1"));
    drop(held);
    assert_eq!(app.get("/api/v1/auth/me", &token).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn test_users_are_created_on_request() {
    let app = spawn_app_with(|c| {
        c.create_test_users = true;
        c.biller_password = Some("biller-password-1".into());
        c.dispatcher_password = Some("dispatcher-password-1".into());
    })
    .await;
    let d = app.login("dispatcher1", "dispatcher-password-1").await;
    assert_eq!(d["user"]["dispatch_area"], "lucknow");
    assert_eq!(
        app.login("biller1", "biller-password-1").await["user"]["role"],
        "biller"
    );
}

#[test]
fn env_example_is_generated_from_the_settings() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../.env.example")).unwrap();
    assert_eq!(
        committed,
        tracetrack_server::settings::env_example(),
        ".env.example is stale: run `cargo run --bin tracetrack -- env-example > .env.example`"
    );
}

#[test]
fn production_refuses_weak_settings() {
    let mut c = tracetrack_server::config::Config::for_tests("postgres://x/y");
    c.production = true;
    assert!(c.check().is_err(), "no JWT_SECRET");
    c.jwt_secret = Some("short".into());
    assert!(c.check().is_err(), "short JWT_SECRET");
    c.jwt_secret = Some("x".repeat(32));
    assert!(c.check().is_ok());
    c.create_test_users = true;
    assert!(c.check().is_err(), "test users in production");
}

#[actix_web::test]
async fn ready_checks_redis_when_configured() {
    let up = spawn_app().await;
    let r = up.call(reqwest::Method::GET, "/ready", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["checks"]["redis"], "ok");
    let down = spawn_app_with(|c| c.redis_url = Some("redis://127.0.0.1:1".into())).await;
    let r = down.call(reqwest::Method::GET, "/ready", None, None).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.body["checks"]["redis"], "unavailable");
    assert_eq!(r.body["checks"]["postgres"], "ok");
}

#[actix_web::test]
async fn cors_allows_only_listed_origins() {
    let app = spawn_app_with(|c| c.cors_origins = vec!["https://erp.example.com".into()]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/api/v1/bags", app.base))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .send()
    };
    let ok = preflight("https://erp.example.com").await.unwrap();
    assert_eq!(
        ok.headers().get("access-control-allow-origin").unwrap(),
        "https://erp.example.com"
    );
    let other = preflight("https://evil.example.com").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let mut c = tracetrack_server::config::Config::for_tests("postgres://x/y");
    c.production = true;
    c.jwt_secret = Some("x".repeat(32));
    c.cors_origins = vec!["*".into()];
    assert!(c.check().is_err(), "* is refused in production");
}
