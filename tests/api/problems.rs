//! Bad input gets a problem document, never a 500 and never HTML from /api.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::code_of;
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
    assert_eq!(code_of(&body), ErrorCode::MalformedJson);
    assert_eq!(body["type"], "/problems/malformed_json");
    assert_eq!(body["instance"], "req-123");
    let typed = app.post("/api/v1/scans/parent", &t, json!({"qr_id": 42})).await;
    assert_eq!(typed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(typed.code(), ErrorCode::ValidationFailed);
    assert_eq!(
        typed.body["errors"][0]["pointer"], "/qr_id",
        "a wrong type names its field"
    );
    let nested = app
        .post("/api/v1/bills", &t, json!({"bill_number": "B-1", "capacity": "ten"}))
        .await;
    assert_eq!(nested.body["errors"][0]["pointer"], "/capacity");
    let trailing = raw("{\"qr_id\": \"SB00009\"} {}").await.unwrap();
    assert_eq!(trailing.status(), StatusCode::BAD_REQUEST, "text after the document");
    let text = app
        .client
        .post(format!("{}/api/v1/scans/parent", app.base))
        .bearer_auth(&t)
        .header("content-type", "text/plain")
        .body("{\"qr_id\": \"SB00009\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(app.count("SELECT count(*) AS n FROM bag WHERE qr_id = 'SB00009'"), 0);
    let missing = app.post("/api/v1/scans/parent", &t, json!({})).await;
    assert_eq!(missing.body["errors"][0]["pointer"], "/qr_id");
    let unknown_fields = app
        .post("/api/v1/scans/parent", &t, json!({"qr_id": "SB00001", "extra": true}))
        .await;
    assert_eq!(unknown_fields.status, StatusCode::CREATED, "unknown fields are ignored");
    let big = "x".repeat(1_100_000);
    let oversized = app.post("/api/v1/scans/parent", &t, json!({"qr_id": big})).await;
    assert_eq!(oversized.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(oversized.code(), ErrorCode::PayloadTooLarge);
    let seal_big = app.post("/api/v1/bags/SB00001/seal", &t, json!({"reason": big})).await;
    assert_eq!(seal_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(seal_big.code(), ErrorCode::PayloadTooLarge);
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
    assert_eq!(unknown.code(), ErrorCode::NotFound);
    let wrong = app.call(Method::PUT, "/api/v1/bills", Some(&t), None).await;
    assert_eq!(wrong.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong.code(), ErrorCode::MethodNotAllowed);
    assert_eq!(wrong.header("allow"), Some("GET, POST"));
    let path_type = app.get("/api/v1/bills/not-a-number", &t).await;
    assert_eq!(path_type.status, StatusCode::UNPROCESSABLE_ENTITY);
    let huge_id = app.get(&format!("/api/v1/bags/{}", "A".repeat(500)), &t).await;
    assert_eq!(huge_id.code(), ErrorCode::BagNotFound);
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

#[actix_web::test]
async fn a_stored_value_no_enum_names_is_an_error_not_a_default() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    assert_eq!(app.scan_parent(&t, "SB00077").await.status, StatusCode::CREATED);
    assert_eq!(app.get("/api/v1/scans?qr_id=SB00077", &t).await.status, StatusCode::OK);
    // A row written by something other than this server (a hand edit, a newer build).
    app.exec("UPDATE scan_event SET outcome = 'exploded' WHERE qr_id = 'SB00077'");
    let listed = app.get("/api/v1/scans?qr_id=SB00077", &t).await;
    assert_eq!(listed.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(listed.code(), ErrorCode::InternalError);
    assert!(
        !listed.body.to_string().contains("exploded"),
        "the cause is logged, not shown"
    );
    let detail = app.get("/api/v1/bags/SB00077", &t).await;
    assert_eq!(
        detail.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "the bag's history reads the same row"
    );
}
