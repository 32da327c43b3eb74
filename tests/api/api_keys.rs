//! Service accounts and API keys (docs/integrations.md §1): the key is shown once,
//! checked by checksum before any lookup, narrowed by scopes, limited per key, named
//! in audit rows and scan events, and a revocation holds on every instance at once.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::{spawn_app, spawn_app_with, TestApp};

/// A service account of `role` (dispatchers in lucknow) and a key with `scopes`.
async fn issue(app: &TestApp, admin: &str, name: &str, role: &str, scopes: &[&str]) -> (i64, i64, String) {
    let area = Some("lucknow").filter(|_| role == "dispatcher");
    app.service_key(admin, name, role, area, scopes).await
}

/// A key with a valid checksum that was never issued.
fn invented_key() -> String {
    let mut n = 7u8;
    tracetrack_domain::api_key::from_random(&mut || {
        n = n.wrapping_mul(31).wrapping_add(17);
        n
    })
}

fn invalid(r: &tracetrack_test_utils::Reply) {
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(r.code(), ErrorCode::InvalidApiKey);
}

#[actix_web::test]
async fn a_key_is_shown_once_acts_as_its_account_and_is_named_in_audit_rows_and_scans() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (account, key_id, key) = issue(&app, &admin, "erp-sync", "biller", &["scans:write", "bills:write"]).await;
    assert_eq!(key.len(), 40);
    let prefix = tracetrack_domain::api_key::check(&key).expect("the key passes its own checksum");
    // The list shows the prefix and scopes, never the key; the database holds only its hash.
    let keys = app
        .get(&format!("/api/v1/service-accounts/{account}/keys"), &admin)
        .await;
    assert_eq!(keys.status, StatusCode::OK);
    assert_eq!(keys.body[0]["prefix"], prefix);
    assert_eq!(keys.body[0]["scopes"], json!(["bills:write", "scans:write"]));
    assert!(!keys.body.to_string().contains(&key[4..]));
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM api_key WHERE key_hash = sha256('{key}')"
        )),
        1
    );
    let expires = keys.body[0]["expires_at"].as_str().expect("a default end");
    let days = (chrono::DateTime::parse_from_rfc3339(expires).unwrap().to_utc() - chrono::Utc::now()).num_days();
    assert!(
        (364..=365).contains(&days),
        "default lifetime one year, got {days} days"
    );

    // Both ways of sending it work; scans name the key as the station.
    let r = app.scan_parent(&key, "SB77001").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app
        .send(
            Method::POST,
            "/api/v1/scans/child",
            None,
            Some(json!({"parent_qr_id": "SB77001", "qr_id": "K77001"})),
            &[("X-API-Key", key.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let stations = app.text(&format!(
        "SELECT string_agg(DISTINCT station_id, ',') AS t FROM scan_event WHERE user_id = {account}"
    ));
    assert_eq!(stations, prefix);
    let r = app
        .send(
            Method::POST,
            "/api/v1/scans/parent",
            Some(&key),
            Some(json!({"qr_id": "SB77002"})),
            &[("X-Station-Id", "dock-4")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM scan_event WHERE station_id = 'dock-4'"),
        1
    );

    // A write is audited with the account as actor and the key.
    let r = app
        .post("/api/v1/bills", &key, json!({"bill_number": "API-1", "capacity": 2}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let audited = app.text(
        "SELECT actor_id || '/' || api_key_id AS t FROM audit_log WHERE action = 'bill.create' ORDER BY id DESC LIMIT 1",
    );
    assert_eq!(audited, format!("{account}/{key_id}"));
    let entries = app.get("/api/v1/audit-log?action=bill.create", &admin).await;
    assert_eq!(entries.body["items"][0]["api_key_id"], key_id);

    // The use is recorded (once a minute at most).
    let used = app
        .get(&format!("/api/v1/service-accounts/{account}/keys"), &admin)
        .await;
    assert!(used.body[0]["last_used_at"].is_string());
    assert_eq!(used.body[0]["last_used_ip"], "127.0.0.1");
}

#[actix_web::test]
async fn scopes_narrow_the_role_and_keys_cannot_reach_person_only_operations() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, _, key) = issue(&app, &admin, "weighbridge", "biller", &["bills:read"]).await;
    let r = app.get("/api/v1/bills", &key).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post("/api/v1/bills", &key, json!({"bill_number": "W-1", "capacity": 2}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), ErrorCode::InsufficientScope);
    assert_eq!(r.body["scope"], "bills:write");
    assert!(r.body["detail"].as_str().unwrap().contains("bills:write"));
    let r = app.get("/api/v1/bags/SB00001", &key).await;
    assert_eq!(r.code(), ErrorCode::InsufficientScope);
    assert_eq!(r.body["scope"], "bags:read");
    // Person-only operations: refused whatever the scopes.
    for path in ["/api/v1/auth/me", "/api/v1/users", "/api/v1/notifications"] {
        let r = app.get(path, &key).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
        assert_eq!(r.code(), ErrorCode::Forbidden, "{path}");
    }
    // Scopes never widen the role: a biller key with every scope still cannot run an admin export.
    let (_, _, wide) = issue(
        &app,
        &admin,
        "wide",
        "dispatcher",
        &[
            "bags:read",
            "scans:write",
            "bills:read",
            "bills:write",
            "events:read",
            "exports:read",
        ],
    )
    .await;
    let r = app.get("/api/v1/exports/bags?format=csv", &wide).await;
    assert_eq!(r.code(), ErrorCode::Forbidden);
    let r = app
        .post("/api/v1/bills", &wide, json!({"bill_number": "W-2", "capacity": 2}))
        .await;
    assert_eq!(
        r.code(),
        ErrorCode::Forbidden,
        "a dispatcher cannot make bills, key or not"
    );
}

#[actix_web::test]
async fn revoked_expired_unknown_mistyped_keys_and_inactive_accounts_all_get_one_code() {
    let app = spawn_app().await;
    let other = app.twin();
    let admin = app.admin_token().await;
    let (account, key_id, key) = issue(&app, &admin, "bi-job", "biller", &["bills:read"]).await;
    assert_eq!(other.get("/api/v1/bills", &key).await.status, StatusCode::OK);

    // A typo: one character changed fails the checksum.
    let mut typo = key.clone().into_bytes();
    typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
    invalid(&app.get("/api/v1/bills", &String::from_utf8(typo).unwrap()).await);
    invalid(&app.get("/api/v1/bills", &key[..39]).await);
    invalid(&app.get("/api/v1/bills", &invented_key()).await);

    // Revoked on one instance: refused on the other at once.
    let r = app
        .call(
            Method::DELETE,
            &format!("/api/v1/service-accounts/{account}/keys/{key_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["revoked_at"].is_string());
    invalid(&other.get("/api/v1/bills", &key).await);
    invalid(&app.get("/api/v1/bills", &key).await);

    // Expired.
    let (account, key_id, key) = issue(&app, &admin, "bi-job-2", "biller", &["bills:read"]).await;
    assert_eq!(app.get("/api/v1/bills", &key).await.status, StatusCode::OK);
    app.exec(&format!(
        "UPDATE api_key SET expires_at = now() - interval '1 second' WHERE id = {key_id}"
    ));
    invalid(&other.get("/api/v1/bills", &key).await);

    // A deactivated account's keys are refused; reactivated, they work again.
    app.exec(&format!("UPDATE api_key SET expires_at = NULL WHERE id = {key_id}"));
    let path = format!("/api/v1/service-accounts/{account}");
    let r = app
        .call(Method::PATCH, &path, Some(&admin), Some(json!({"is_active": false})))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    invalid(&other.get("/api/v1/bills", &key).await);
    app.call(Method::PATCH, &path, Some(&admin), Some(json!({"is_active": true})))
        .await;
    assert_eq!(other.get("/api/v1/bills", &key).await.status, StatusCode::OK);
    // Deleting the account revokes its keys.
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&admin), None).await.status,
        StatusCode::NO_CONTENT
    );
    invalid(&other.get("/api/v1/bills", &key).await);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM api_key WHERE id = {key_id} AND revoked_at IS NOT NULL"
        )),
        1
    );
}

#[actix_web::test]
async fn a_bad_checksum_is_refused_without_a_database_read() {
    let app = spawn_app_with(|c| c.pool_timeout = Duration::from_millis(300)).await;
    let admin = app.admin_token().await;
    let (_, _, key) = issue(&app, &admin, "probe", "biller", &["bills:read"]).await;
    let mut typo = key.clone().into_bytes();
    typo[20] = if typo[20] == b'Z' { b'Y' } else { b'Z' };
    let typo = String::from_utf8(typo).unwrap();
    // Every connection of the server's pool is taken: anything that reads the database waits and gives up.
    let held: Vec<_> = (0..app.config.pool_size)
        .map(|_| app.pool.get_timeout(Duration::from_secs(5)).expect("connection"))
        .collect();
    let r = app.get("/api/v1/bills", &invented_key()).await;
    assert_eq!(
        r.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "a well-formed key is looked up: {}",
        r.body
    );
    invalid(&app.get("/api/v1/bills", &typo).await);
    drop(held);
    invalid(&app.get("/api/v1/bills", &typo).await);
}

#[actix_web::test]
async fn each_key_has_its_own_limit_with_headers_on_every_answer() {
    let app = spawn_app_with(|c| c.rate_api_key = 3).await;
    let admin = app.admin_token().await;
    let (_, _, first) = issue(&app, &admin, "limited", "biller", &["bills:read"]).await;
    let (_, _, second) = issue(&app, &admin, "limited-2", "biller", &["bills:read"]).await;
    super::limits::fresh_window().await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let r = app.get("/api/v1/bills", &first).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header("RateLimit-Limit"), Some("3"));
        remaining.push(r.header("RateLimit-Remaining").unwrap().to_string());
        let reset: u64 = r.header("RateLimit-Reset").unwrap().parse().unwrap();
        assert!((1..=60).contains(&reset));
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let r = app.get("/api/v1/bills", &first).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.code(), ErrorCode::RateLimited);
    assert_eq!(r.header("RateLimit-Remaining"), Some("0"));
    assert!(r.header("Retry-After").is_some());
    // Another key, and the people, are not affected; a refused scope still counts and says so.
    let r = app.get("/api/v1/bags/SB1", &second).await;
    assert_eq!(r.code(), ErrorCode::InsufficientScope);
    assert_eq!(r.header("RateLimit-Remaining"), Some("2"));
    assert_eq!(app.get("/api/v1/bills", &second).await.status, StatusCode::OK);
    let r = app.get("/api/v1/bills", &admin).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header("RateLimit-Limit"),
        Some(app.config.rate_api.to_string().as_str())
    );
}

#[actix_web::test]
async fn service_accounts_are_checked_and_are_not_people() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let create = |body: Value| app.post("/api/v1/service-accounts", &admin, body);
    for (body, pointer) in [
        (json!({"name": "root-sync", "role": "admin"}), "/role"),
        (json!({"name": "x", "role": "biller"}), "/name"),
        (json!({"name": "area-less", "role": "dispatcher"}), "/dispatch_area"),
        (
            json!({"name": "mars", "role": "dispatcher", "dispatch_area": "mars"}),
            "/dispatch_area",
        ),
        (
            json!({"name": "biller-area", "role": "biller", "dispatch_area": "lucknow"}),
            "/dispatch_area",
        ),
    ] {
        let r = create(body.clone()).await;
        assert_eq!(r.code(), ErrorCode::ValidationFailed, "{body}");
        assert_eq!(r.body["errors"][0]["pointer"], pointer, "{body}");
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM app_user WHERE kind = 'service'"),
        0
    );
    app.user(&admin, "ravi", "biller", None).await;
    let r = create(json!({"name": "ravi", "role": "biller"})).await;
    assert_eq!(r.code(), ErrorCode::Duplicate);
    let (account, _, _) = issue(&app, &admin, "erp", "biller", &["bills:read"]).await;
    let r = create(json!({"name": "ERP", "role": "biller"})).await;
    assert_eq!(r.code(), ErrorCode::Duplicate);

    // Keys: at least one scope, a future end, a known scope.
    let keys = format!("/api/v1/service-accounts/{account}/keys");
    for body in [
        json!({"name": "k", "scopes": []}),
        json!({"name": "k", "scopes": ["bills:read"], "expires_at": "2020-01-01T00:00:00Z"}),
        json!({"name": "", "scopes": ["bills:read"]}),
    ] {
        assert_eq!(
            app.post(&keys, &admin, body.clone()).await.code(),
            ErrorCode::ValidationFailed,
            "{body}"
        );
    }
    let r = app
        .post(&keys, &admin, json!({"name": "k", "scopes": ["bills:delete"]}))
        .await;
    assert!(r.status.is_client_error(), "{}", r.body);
    let r = app
        .post(
            &keys,
            &admin,
            json!({"name": "k", "scopes": ["bills:read"], "never_expires": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert!(r.body["api_key"]["expires_at"].is_null());
    assert_eq!(
        app.post(
            "/api/v1/service-accounts/999999/keys",
            &admin,
            json!({"name": "k", "scopes": ["bills:read"]})
        )
        .await
        .code(),
        ErrorCode::NotFound
    );
    assert_eq!(
        app.call(
            Method::PATCH,
            &format!("/api/v1/service-accounts/{account}"),
            Some(&admin),
            Some(json!({"role": "admin"}))
        )
        .await
        .code(),
        ErrorCode::ValidationFailed
    );

    // A service account cannot sign in, is not a user, and people routes do not find it.
    let r = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "erp", "password": "!service-account"})),
        )
        .await;
    assert_eq!(r.code(), ErrorCode::InvalidCredentials);
    let users = app.get("/api/v1/users?limit=200", &admin).await;
    assert!(users.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["username"] != "erp"));
    assert_eq!(
        app.get(&format!("/api/v1/users/{account}"), &admin).await.code(),
        ErrorCode::NotFound
    );
    let listed = app.get("/api/v1/service-accounts", &admin).await;
    assert_eq!(listed.body["items"][0]["name"], "erp");
    assert_eq!(listed.body["items"][0]["description"], "test integration");
    // Only admins manage them.
    let (_, biller) = app.user(&admin, "bea", "biller", None).await;
    assert_eq!(
        app.get("/api/v1/service-accounts", &biller).await.code(),
        ErrorCode::Forbidden
    );
}
