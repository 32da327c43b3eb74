use reqwest::{Method, StatusCode};
use serde_json::json;
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::{spawn_app, USER_PASSWORD};

#[actix_web::test]
async fn admin_creates_lists_and_edits_users() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let r = app
        .post("/api/v1/users", &admin, json!({"username": "Ravi.K", "email": "ravi@example.com", "password": USER_PASSWORD, "role": "dispatcher", "dispatch_area": "lucknow"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["username"], "ravi.k");
    assert_eq!(r.body["dispatch_area"], "lucknow");
    let id = r.body["id"].as_i64().unwrap();
    let dup = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"username": "ravi.k", "password": USER_PASSWORD, "role": "biller"}),
        )
        .await;
    assert_eq!(dup.code(), ErrorCode::Duplicate);
    for (body, pointer) in [
        (
            json!({"username": "x", "password": USER_PASSWORD, "role": "biller"}),
            "/username",
        ),
        (
            json!({"username": "okname", "password": "password123", "role": "biller"}),
            "/password",
        ),
        (
            json!({"username": "okname", "password": USER_PASSWORD, "role": "root"}),
            "/role",
        ),
        (
            json!({"username": "okname", "password": USER_PASSWORD, "role": "dispatcher", "dispatch_area": "mars"}),
            "/dispatch_area",
        ),
        (
            json!({"username": "okname", "email": "not-mail", "password": USER_PASSWORD, "role": "biller"}),
            "/email",
        ),
    ] {
        let r = app.post("/api/v1/users", &admin, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.body["errors"][0]["pointer"], pointer);
    }
    let found = app.get("/api/v1/users?q=RAVI", &admin).await.body;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let by_role = app.get("/api/v1/users?role=admin", &admin).await.body;
    assert_eq!(by_role["items"][0]["username"], "admin");
    let patched = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            Some(json!({"dispatch_area": "jaipur"})),
        )
        .await;
    assert_eq!(patched.body["dispatch_area"], "jaipur");
    assert_eq!(
        app.get(&format!("/api/v1/users/{id}"), &admin).await.body["email"],
        "ravi@example.com"
    );
}

#[actix_web::test]
async fn role_change_and_deactivation_end_sessions_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, token) = app.user(&admin, "worker", "dispatcher", Some("raipur")).await;
    assert_eq!(app.get("/api/v1/auth/me", &token).await.status, StatusCode::OK);
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            Some(json!({"role": "biller"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["dispatch_area"].is_null(), "billers have no area");
    assert_eq!(
        app.get("/api/v1/auth/me", &token).await.code(),
        ErrorCode::SessionExpired
    );
    let token = app.login("worker", USER_PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    app.call(
        Method::PATCH,
        &format!("/api/v1/users/{id}"),
        Some(&admin),
        Some(json!({"is_active": false})),
    )
    .await;
    assert_eq!(
        app.get("/api/v1/auth/me", &token).await.code(),
        ErrorCode::SessionExpired
    );
    let refused = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "worker", "password": USER_PASSWORD})),
        )
        .await;
    assert_eq!(refused.code(), ErrorCode::InvalidCredentials);
    app.call(
        Method::PATCH,
        &format!("/api/v1/users/{id}"),
        Some(&admin),
        Some(json!({"is_active": true})),
    )
    .await;
    let token = app.login("worker", USER_PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let ended = app
        .call(
            Method::DELETE,
            &format!("/api/v1/users/{id}/sessions"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/auth/me", &token).await.code(),
        ErrorCode::SessionExpired
    );
}

#[actix_web::test]
async fn admins_cannot_remove_themselves_or_the_last_admin() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let me = app.get("/api/v1/auth/me", &admin).await.body["id"].as_i64().unwrap();
    let own = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{me}"),
            Some(&admin),
            Some(json!({"role": "biller"})),
        )
        .await;
    assert_eq!(own.code(), ErrorCode::SelfChange);
    assert_eq!(
        app.call(Method::DELETE, &format!("/api/v1/users/{me}"), Some(&admin), None)
            .await
            .code(),
        ErrorCode::SelfChange
    );
    let (other, other_token) = app.user(&admin, "admin2", "admin", None).await;
    // With two admins, admin2 may demote the first; then admin2 is the last.
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{me}"),
            Some(&other_token),
            Some(json!({"role": "biller"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let biller = app.login("admin", tracetrack_test_utils::ADMIN_PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.get("/api/v1/users", &biller).await.status, StatusCode::FORBIDDEN);
    let last = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{other}"),
            Some(&other_token),
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(last.code(), ErrorCode::SelfChange);
    let deleted = app
        .call(Method::DELETE, &format!("/api/v1/users/{me}"), Some(&other_token), None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&format!("/api/v1/users/{me}"), &other_token).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_log WHERE action = 'user.delete'"),
        1
    );
}

#[actix_web::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let app = spawn_app().await;
    let first = app.admin_token().await;
    let me = app.get("/api/v1/auth/me", &first).await.body["id"].as_i64().unwrap();
    let (second, second_token) = app.user(&first, "admin2", "admin", None).await;
    let demote = |token: String, id: i64| {
        let app = &app;
        async move {
            app.call(
                Method::PATCH,
                &format!("/api/v1/users/{id}"),
                Some(&token),
                Some(json!({"role": "biller"})),
            )
            .await
        }
    };
    let (a, b) = futures_util::join!(demote(first.clone(), second), demote(second_token.clone(), me));
    let codes = [a.status.as_u16(), b.status.as_u16()];
    assert!(codes.contains(&200), "{codes:?}");
    let count =
        app.count("SELECT count(*) AS n FROM app_user WHERE role = 'admin' AND is_active AND deleted_at IS NULL");
    assert_eq!(count, 1, "one admin always remains");
}

#[actix_web::test]
async fn managed_lists_are_readable_by_all_and_editable_by_admins() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, d) = app.user(&admin, "disp", "dispatcher", Some("ranchi")).await;
    let areas = app.get("/api/v1/dispatch-areas", &d).await.body;
    assert_eq!(areas["items"].as_array().unwrap().len(), 10);
    let formats = app.get("/api/v1/bag-formats", &d).await.body;
    assert_eq!(formats["items"][0]["code"], "SB");
    assert_eq!(formats["items"][0]["child_weight_kg"], 1.0);
    assert_eq!(
        app.post("/api/v1/dispatch-areas", &d, json!({"code": "pune", "name": "Pune"}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(
            "/api/v1/dispatch-areas",
            &admin,
            json!({"code": "pune", "name": "Pune"})
        )
        .await
        .status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.post(
            "/api/v1/dispatch-areas",
            &admin,
            json!({"code": "pune", "name": "Pune"})
        )
        .await
        .code(),
        ErrorCode::Duplicate
    );
    let retired = app
        .call(
            Method::PATCH,
            "/api/v1/dispatch-areas/pune",
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(retired.body["active"], false);
    let bad = app.post("/api/v1/bag-formats", &admin, json!({"code": "WH", "name": "Wheat", "role": "parent", "pattern": "^WH(", "capacity": 20, "child_weight_kg": 2.5})).await;
    assert_eq!(bad.body["errors"][0]["pointer"], "/pattern");
    let no_cap = app
        .post(
            "/api/v1/bag-formats",
            &admin,
            json!({"code": "WH", "name": "Wheat", "role": "parent", "pattern": "^WH\\d{4}$"}),
        )
        .await;
    assert_eq!(no_cap.body["errors"][0]["pointer"], "/capacity");
    let wh = app.post("/api/v1/bag-formats", &admin, json!({"code": "WH", "name": "Wheat", "role": "parent", "pattern": "^WH\\d{4}$", "capacity": 20, "child_weight_kg": 2.5})).await;
    assert_eq!(wh.status, StatusCode::CREATED);
    let p = app.scan_parent(&admin, "WH0001").await;
    assert_eq!(p.body["parent"]["capacity"], 20);
    app.scan_child(&admin, "WH0001", "R00001").await;
    assert_eq!(
        app.get("/api/v1/bags/WH0001", &admin).await.body["bag"]["weight_kg"],
        2.5
    );
    // Editing a format never changes existing bags.
    app.call(
        Method::PATCH,
        "/api/v1/bag-formats/WH",
        Some(&admin),
        Some(json!({"capacity": 40})),
    )
    .await;
    assert_eq!(app.get("/api/v1/bags/WH0001", &admin).await.body["bag"]["capacity"], 20);
    app.call(
        Method::PATCH,
        "/api/v1/bag-formats/WH",
        Some(&admin),
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(
        app.scan_parent(&admin, "WH0002").await.code(),
        ErrorCode::WrongRole,
        "now only the child format fits"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_log WHERE entity_type IN ('bag_format', 'dispatch_area')"),
        5
    );
}
