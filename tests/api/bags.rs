use reqwest::{Method, StatusCode};
use serde_json::json;
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::spawn_app;

#[actix_web::test]
async fn register_detail_delete_and_restore() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let r = app.post("/api/v1/bags", &t, json!({"qr_id": "sb50001"})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["bag"]["role"], "parent");
    assert_eq!(
        app.post("/api/v1/bags", &t, json!({"qr_id": "SB50001"})).await.code(),
        ErrorCode::Duplicate
    );
    assert_eq!(
        app.post("/api/v1/bags", &t, json!({"qr_id": "P00001", "role": "parent"}))
            .await
            .code(),
        ErrorCode::WrongRole
    );
    let child = app
        .post("/api/v1/bags", &t, json!({"qr_id": "P00001", "role": "child"}))
        .await;
    assert_eq!(child.body["bag"]["status"], "unlinked");
    assert!(child.body["bag"]["capacity"].is_null());
    app.scan_child(&t, "SB50001", "P00002").await;
    let detail = app.get("/api/v1/bags/sb50001", &t).await.body;
    assert_eq!(detail["children"][0]["qr_id"], "P00002");
    assert!(detail["children"][0]["linked_at"].is_string());
    assert!(detail["parent"].is_null());
    let child_detail = app.get("/api/v1/bags/P00002", &t).await.body;
    assert_eq!(child_detail["parent"]["qr_id"], "SB50001");
    assert_eq!(child_detail["children"], json!([]));
    assert_eq!(
        app.call(Method::DELETE, "/api/v1/bags/P00002", Some(&t), None)
            .await
            .code(),
        ErrorCode::InUse
    );
    assert_eq!(
        app.call(Method::DELETE, "/api/v1/bags/SB50001", Some(&t), None)
            .await
            .code(),
        ErrorCode::InUse
    );
    assert_eq!(
        app.call(Method::DELETE, "/api/v1/bags/P00001", Some(&t), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get("/api/v1/bags/P00001", &t).await.code(), ErrorCode::BagNotFound);
    assert_eq!(
        app.scan_child(&t, "SB50001", "P00001").await.code(),
        ErrorCode::BagDeleted
    );
    let list = app.get("/api/v1/bags?role=child", &t).await.body;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "deleted bags are hidden");
    let restored = app.post("/api/v1/bags/P00001/restore", &t, json!({})).await;
    assert_eq!(restored.status, StatusCode::OK);
    assert_eq!(
        app.scan_child(&t, "SB50001", "P00001").await.status,
        StatusCode::CREATED
    );
    let actions =
        app.count("SELECT count(*) AS n FROM audit_log WHERE action IN ('bag.create', 'bag.delete', 'bag.restore')");
    assert_eq!(actions, 4);
}

#[actix_web::test]
async fn deleting_bags_needs_biller_and_restoring_needs_admin() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, d) = app.user(&admin, "disp", "dispatcher", Some("akola")).await;
    let (_, b) = app.user(&admin, "billr", "biller", None).await;
    app.scan_parent(&d, "SB50002").await;
    assert_eq!(
        app.call(Method::DELETE, "/api/v1/bags/SB50002", Some(&d), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(Method::DELETE, "/api/v1/bags/SB50002", Some(&b), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.post("/api/v1/bags/SB50002/restore", &b, json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post("/api/v1/bags/SB50002/restore", &admin, json!({})).await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn bag_history_pages_through_every_event() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    app.scan_parent(&t, "SB50003").await;
    for i in 0..25 {
        app.scan_child(&t, "SB50003", &format!("Q{i:05}")).await;
    }
    let detail = app.get("/api/v1/bags/SB50003", &t).await.body;
    assert_eq!(
        detail["events"].as_array().unwrap().len(),
        20,
        "the detail shows the last 20"
    );
    let mut seen = 0;
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/bags/SB50003/events?limit=10&cursor={c}"),
            None => "/api/v1/bags/SB50003/events?limit=10".into(),
        };
        let page = app.get(&path, &t).await.body;
        seen += page["items"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, 26);
}
