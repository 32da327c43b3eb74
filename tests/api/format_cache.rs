//! Bag formats are cached in each instance; an admin's change on one instance is
//! heard by the others at once through Redis (not after the cache's minute).

use std::time::Duration;

use deadpool_redis::redis;
use reqwest::StatusCode;
use serde_json::json;
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::{spawn_app, TestApp};

/// Instances subscribed to this app's format announcements.
async fn followers(app: &TestApp) -> i64 {
    let url = app.config.redis_url.clone().expect("tests run with Redis");
    let client = redis::Client::open(url).expect("redis url");
    let mut conn = client.get_multiplexed_async_connection().await.expect("redis");
    let channel = format!("{}:formats", app.config.redis_prefix);
    let (_, n): (String, i64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(&channel)
        .query_async(&mut conn)
        .await
        .expect("PUBSUB NUMSUB");
    n
}

#[actix_web::test]
async fn a_format_added_on_one_instance_classifies_ids_on_another_at_once() {
    let a = spawn_app().await;
    let b = a.twin();
    let admin = a.admin_token().await;
    for _ in 0..100 {
        if followers(&a).await == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(followers(&a).await, 2, "both instances follow format changes");

    // B caches today's formats: ZZ-00001 is no bag id yet.
    let unknown = b.scan_parent(&admin, "ZZ-00001").await;
    assert_eq!(unknown.code(), ErrorCode::InvalidQrId, "{:?}", unknown.body);

    let format = json!({"code": "ZZ", "name": "Test sacks", "role": "parent", "pattern": "^ZZ-\\d{5}$",
                        "capacity": 10, "child_weight_kg": 2.5});
    let created = a.post("/api/v1/bag-formats", &admin, format).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);

    // Well inside the minute B would otherwise keep its cache.
    let mut status = StatusCode::BAD_REQUEST;
    for _ in 0..40 {
        status = b.scan_parent(&admin, "ZZ-00001").await.status;
        if status == StatusCode::CREATED {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, StatusCode::CREATED, "B classifies the new format within 2 s");
    let bag = b.get("/api/v1/bags/ZZ-00001", &admin).await.body;
    assert_eq!(
        (bag["bag"]["format_code"].as_str(), bag["bag"]["capacity"].as_i64()),
        (Some("ZZ"), Some(10))
    );

    // Retired on B: A stops accepting it at once.
    let retired = b
        .call(
            reqwest::Method::PATCH,
            "/api/v1/bag-formats/ZZ",
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(retired.status, StatusCode::OK, "{:?}", retired.body);
    let mut code = None;
    for _ in 0..40 {
        code = a.scan_parent(&admin, "ZZ-00002").await.problem();
        if code == Some(ErrorCode::InvalidQrId) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(code, Some(ErrorCode::InvalidQrId));
}
