//! Bad input gets a problem document, never a 500 and never HTML from /api.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tracetrack_test_utils::spawn_app;

#[actix_web::test]
async fn malformed_wrong_typed_missing_and_oversized_bodies() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let raw = |body: &'static str| {
        app.client
            .post(format!("{}/api/v1/scans/parent", app.base))
            .bearer_auth(&t)
            .header("content-type", "application/json")
            .header("X-Request-Id", "req-123")
            .body(body)
            .send()
    };
    let malformed = raw("{\"qr_id\": ").await.unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(malformed.headers()["content-type"], "application/problem+json");
    assert_eq!(malformed.headers()["x-request-id"], "req-123");
    let body: serde_json::Value = malformed.json().await.unwrap();
    assert_eq!(body["code"], "malformed_json");
    assert_eq!(body["type"], "/problems/malformed_json");
    assert_eq!(body["instance"], "req-123");
    let typed = app.post("/api/v1/scans/parent", &t, json!({"qr_id": 42})).await;
    assert_eq!(typed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(typed.code(), "validation_failed");
    let missing = app.post("/api/v1/scans/parent", &t, json!({})).await;
    assert_eq!(missing.body["errors"][0]["pointer"], "/qr_id");
    let unknown_fields = app
        .post("/api/v1/scans/parent", &t, json!({"qr_id": "SB00001", "extra": true}))
        .await;
    assert_eq!(unknown_fields.status, StatusCode::CREATED, "unknown fields are ignored");
    let big = "x".repeat(1_100_000);
    let oversized = app.post("/api/v1/scans/parent", &t, json!({"qr_id": big})).await;
    assert_eq!(oversized.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(oversized.code(), "payload_too_large");
    let seal_big = app.post("/api/v1/bags/SB00001/seal", &t, json!({"reason": big})).await;
    assert_eq!(seal_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(seal_big.code(), "payload_too_large");
    let seal_bad = app
        .client
        .post(format!("{}/api/v1/bags/SB00001/seal", app.base))
        .bearer_auth(&t)
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(seal_bad.status(), StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn unknown_routes_and_wrong_methods_are_problems() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let unknown = app.get("/api/v1/nothing-here", &t).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.code(), "not_found");
    let wrong = app.call(Method::PUT, "/api/v1/bills", Some(&t), None).await;
    assert_eq!(wrong.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong.code(), "method_not_allowed");
    assert_eq!(wrong.header("allow"), Some("GET, POST"));
    let path_type = app.get("/api/v1/bills/not-a-number", &t).await;
    assert_eq!(path_type.status, StatusCode::UNPROCESSABLE_ENTITY);
    let huge_id = app.get(&format!("/api/v1/bags/{}", "A".repeat(500)), &t).await;
    assert_eq!(huge_id.code(), "bag_not_found");
    let odd = app.get("/api/v1/bags/%E2%80%8B%00", &t).await;
    assert!(odd.status.is_client_error(), "{:?}", odd.status);
}

#[actix_web::test]
async fn health_ready_docs_and_metrics_answer() {
    let app = spawn_app().await;
    let health = app.call(Method::GET, "/health", None, None).await;
    assert_eq!(health.body, json!({"status": "ok"}));
    let ready = app.call(Method::GET, "/ready", None, None).await;
    assert_eq!(ready.body["checks"]["postgres"], "ok");
    let doc = app.call(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.body["paths"]["/api/v1/scans/child"]["post"].is_object());
    let redirect = app.client.get(format!("{}/api/docs", app.base)).send().await.unwrap();
    assert_eq!(redirect.status(), StatusCode::OK, "redirect followed to the UI");
    let ui = app
        .client
        .get(format!("{}/api/docs/", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ui.contains("swagger-ui"), "Swagger UI is served from the binary");
    let js = app
        .client
        .get(format!("{}/api/docs/swagger-ui-bundle.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), StatusCode::OK, "assets are vendored: no internet needed");
    let metrics = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("tracetrack_db_pool_connections"));
}

#[actix_web::test]
async fn every_answer_carries_security_headers_and_api_answers_are_not_cached() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    for (path, token) in [
        ("/api/v1/auth/me", Some(t.as_str())),
        ("/api/v1/nothing", None),
        ("/health", None),
    ] {
        let r = app.call(Method::GET, path, token, None).await;
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
        assert!(
            r.header("content-security-policy")
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert!(
            r.header("referrer-policy").is_some() && r.header("permissions-policy").is_some(),
            "{path}"
        );
        assert!(
            r.header("strict-transport-security").is_none(),
            "no HSTS outside production"
        );
    }
    assert_eq!(
        app.get("/api/v1/auth/me", &t).await.header("cache-control"),
        Some("no-store")
    );
}
