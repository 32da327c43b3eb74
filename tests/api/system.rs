//! System health (admin): the pool, the database, Redis, errors and slow work.

use reqwest::StatusCode;
use tracetrack_test_utils::{spawn_app_with, TestApp};

async fn health(app: &TestApp) -> serde_json::Value {
    let admin = app.admin_token().await;
    let r = app.get("/api/v1/system/health", &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

#[actix_web::test]
async fn admins_see_the_pool_database_redis_and_slow_work() {
    // Every piece of database work counts as slow at 0 ms.
    let app = spawn_app_with(|c| c.slow_query_ms = 0).await;
    let h = health(&app).await;
    assert_eq!((h["database"].as_str(), h["redis"].as_str()), (Some("ok"), Some("ok")));
    assert!(h["database_bytes"].as_i64().unwrap() > 1_000_000);
    assert_eq!(h["pool"]["max"], app.config.pool_size);
    assert!(h["pool"]["open"].as_u64().unwrap() >= 1);
    assert!(h["memory_rss_bytes"].as_u64().unwrap() > 1_000_000);
    assert_eq!(h["errors_last_hour"], 0);
    let slow = h["slow_queries"].as_array().unwrap();
    assert!(!slow.is_empty() && slow[0]["request_id"].as_str().is_some_and(|id| id.len() == 36));
    // Slow work names its route by template (ids left out), and before routing its path.
    let admin = app.admin_token().await;
    app.get("/api/v1/bags/SB00001", &admin).await;
    let h = health(&app).await;
    let routes: Vec<&str> = h["slow_queries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|q| q["route"].as_str())
        .collect();
    assert!(routes.contains(&"GET /api/v1/bags/{qr_id}"), "{routes:?}");
    assert!(routes.contains(&"POST /api/v1/auth/login"), "{routes:?}");

    let (_, biller) = app.user(&admin, "bob-biller", "biller", None).await;
    assert_eq!(
        app.get("/api/v1/system/health", &biller).await.status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn redis_is_reported_missing_or_down() {
    let without = spawn_app_with(|c| c.redis_url = None).await;
    assert_eq!(health(&without).await["redis"], "not_configured");
    let down = spawn_app_with(|c| c.redis_url = Some("redis://127.0.0.1:1".into())).await;
    let h = health(&down).await;
    assert_eq!(
        (h["redis"].as_str(), h["database"].as_str()),
        (Some("unavailable"), Some("ok"))
    );
}
