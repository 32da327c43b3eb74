//! The authorization matrix: every operation of the OpenAPI document, called as
//! anonymous, dispatcher of the bag's area, dispatcher of another area, biller and
//! admin. The table is the single source of truth and a test fails if it misses an
//! operation or names one that does not exist.

use std::collections::BTreeSet;
use tracetrack_api_types::ErrorCode;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tracetrack_test_utils::{code_of, spawn_app, TestApp};

/// Who may call an operation.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    /// No token needed.
    Public,
    /// Any signed-in user.
    Anyone,
    /// Any signed-in user, but for a dispatcher of another area the bag (SB77001,
    /// scanned in `akola`) does not exist: this status and code instead.
    OwnArea(u16, ErrorCode),
    /// Billers and dispatchers; admins are refused (promotion requests).
    BelowAdmin,
    /// Billers and admins.
    Biller,
    /// Admins only.
    Admin,
}

/// (method, path as documented, who, a well-formed body).
fn table() -> Vec<(&'static str, &'static str, Who, Option<Value>)> {
    use Who::*;
    vec![
        ("GET", "/health", Public, None),
        ("GET", "/ready", Public, None),
        ("GET", "/metrics", Public, None),
        (
            "POST",
            "/api/v1/auth/login",
            Public,
            Some(json!({"username": "nobody", "password": "nothing-here"})),
        ),
        (
            "POST",
            "/api/v1/auth/refresh",
            Public,
            Some(json!({"refresh_token": "none"})),
        ),
        (
            "POST",
            "/api/v1/auth/password/forgot",
            Public,
            Some(json!({"email": "x@example.com"})),
        ),
        (
            "POST",
            "/api/v1/auth/password/reset",
            Public,
            Some(json!({"token": "none", "new_password": "long-enough-pw-1"})),
        ),
        (
            "POST",
            "/api/v1/auth/register",
            Public,
            Some(json!({"username": "someone", "email": "s@example.com", "password": "long-enough-pw-1"})),
        ),
        ("POST", "/api/v1/auth/logout", Anyone, None),
        ("GET", "/api/v1/auth/me", Anyone, None),
        (
            "POST",
            "/api/v1/auth/password",
            Anyone,
            Some(json!({"current_password": "wrong-password", "new_password": "long-enough-pw-1"})),
        ),
        ("POST", "/api/v1/auth/2fa/setup", Anyone, None),
        (
            "POST",
            "/api/v1/auth/2fa/enable",
            Anyone,
            Some(json!({"code": "000000"})),
        ),
        (
            "POST",
            "/api/v1/auth/2fa/disable",
            Anyone,
            Some(json!({"password": "wrong-password"})),
        ),
        (
            "POST",
            "/api/v1/scans/parent",
            OwnArea(409, ErrorCode::OtherArea),
            Some(json!({"qr_id": "SB77001"})),
        ),
        (
            "POST",
            "/api/v1/scans/child",
            OwnArea(404, ErrorCode::BagNotFound),
            Some(json!({"parent_qr_id": "SB77001", "qr_id": "MX0001"})),
        ),
        (
            "POST",
            "/api/v1/scans/unlink",
            OwnArea(404, ErrorCode::BagNotFound),
            Some(json!({"qr_id": "MX0001"})),
        ),
        ("POST", "/api/v1/scans/undo", Anyone, None),
        ("POST", "/api/v1/scans/batch", Anyone, Some(json!({"events": []}))),
        ("GET", "/api/v1/scans", Anyone, None),
        ("GET", "/api/v1/bags", Anyone, None),
        ("POST", "/api/v1/bags", Anyone, Some(json!({"qr_id": "MX0002"}))),
        (
            "GET",
            "/api/v1/bags/{qr_id}",
            OwnArea(404, ErrorCode::BagNotFound),
            None,
        ),
        ("DELETE", "/api/v1/bags/{qr_id}", Biller, None),
        ("POST", "/api/v1/bags/{qr_id}/restore", Admin, None),
        (
            "POST",
            "/api/v1/bags/{qr_id}/seal",
            OwnArea(404, ErrorCode::BagNotFound),
            Some(json!({"reason": "matrix"})),
        ),
        (
            "POST",
            "/api/v1/bags/{qr_id}/unseal",
            OwnArea(404, ErrorCode::BagNotFound),
            None,
        ),
        (
            "GET",
            "/api/v1/bags/{qr_id}/events",
            OwnArea(404, ErrorCode::BagNotFound),
            None,
        ),
        (
            "GET",
            "/api/v1/bags/{qr_id}/children",
            OwnArea(404, ErrorCode::BagNotFound),
            None,
        ),
        ("GET", "/api/v1/bills", Anyone, None),
        (
            "POST",
            "/api/v1/bills",
            Biller,
            Some(json!({"bill_number": "MATRIX-1", "capacity": 2})),
        ),
        ("GET", "/api/v1/bills/{id}", Anyone, None),
        (
            "PATCH",
            "/api/v1/bills/{id}",
            Biller,
            Some(json!({"destination": "Akola"})),
        ),
        ("DELETE", "/api/v1/bills/{id}", Admin, None),
        (
            "POST",
            "/api/v1/bills/{id}/parents",
            Biller,
            Some(json!({"qr_id": "SB77001"})),
        ),
        ("DELETE", "/api/v1/bills/{id}/parents/{qr_id}", Biller, None),
        ("POST", "/api/v1/bills/{id}/complete", Biller, None),
        (
            "POST",
            "/api/v1/bills/{id}/reopen",
            Biller,
            Some(json!({"reason": "matrix"})),
        ),
        ("GET", "/api/v1/stats", Anyone, None),
        ("GET", "/api/v1/users", Admin, None),
        (
            "POST",
            "/api/v1/users",
            Admin,
            Some(json!({"username": "matrix-u", "password": "long-enough-pw-1", "role": "biller"})),
        ),
        ("GET", "/api/v1/users/{id}", Admin, None),
        (
            "PATCH",
            "/api/v1/users/{id}",
            Admin,
            Some(json!({"email": "m@example.com"})),
        ),
        ("DELETE", "/api/v1/users/{id}", Admin, None),
        ("POST", "/api/v1/users/{id}/unlock", Admin, None),
        ("DELETE", "/api/v1/users/{id}/sessions", Admin, None),
        ("GET", "/api/v1/dispatch-areas", Anyone, None),
        (
            "POST",
            "/api/v1/dispatch-areas",
            Admin,
            Some(json!({"code": "matrix", "name": "Matrix"})),
        ),
        (
            "PATCH",
            "/api/v1/dispatch-areas/{code}",
            Admin,
            Some(json!({"name": "Matrix"})),
        ),
        ("GET", "/api/v1/bag-formats", Anyone, None),
        (
            "POST",
            "/api/v1/bag-formats",
            Admin,
            Some(json!({"code": "MX", "name": "Matrix", "role": "child", "pattern": "^MX\\d+$"})),
        ),
        (
            "PATCH",
            "/api/v1/bag-formats/{code}",
            Admin,
            Some(json!({"name": "Matrix"})),
        ),
        ("GET", "/api/v1/audit-log", Admin, None),
        ("GET", "/api/v1/outbox", Admin, None),
        ("GET", "/api/v1/promotion-requests", Anyone, None),
        (
            "POST",
            "/api/v1/promotion-requests",
            BelowAdmin,
            Some(json!({"requested_role": "admin", "reason": "the matrix asks for it"})),
        ),
        ("POST", "/api/v1/promotion-requests/{id}/approve", Admin, None),
        ("POST", "/api/v1/promotion-requests/{id}/reject", Admin, None),
        ("GET", "/api/v1/notifications", Anyone, None),
        ("POST", "/api/v1/notifications/{id}/read", Anyone, None),
        ("POST", "/api/v1/notifications/read-all", Anyone, None),
        ("GET", "/api/v1/system/health", Admin, None),
        ("GET", "/api/v1/reports/eod", Admin, None),
        ("POST", "/api/v1/reports/eod/send", Admin, None),
        ("GET", "/api/v1/exports/{kind}", Admin, None),
        ("GET", "/api/v1/events/stream", Anyone, None),
        ("GET", "/api/v1/epcis/events", Anyone, None),
        ("POST", "/api/v1/imports", Admin, None),
        ("GET", "/api/v1/imports", Admin, None),
        ("GET", "/api/v1/imports/{id}", Admin, None),
        ("GET", "/api/v1/service-accounts", Admin, None),
        (
            "POST",
            "/api/v1/service-accounts",
            Admin,
            Some(json!({"name": "m-service", "role": "biller"})),
        ),
        ("GET", "/api/v1/service-accounts/{id}", Admin, None),
        (
            "PATCH",
            "/api/v1/service-accounts/{id}",
            Admin,
            Some(json!({"description": "x"})),
        ),
        ("DELETE", "/api/v1/service-accounts/{id}", Admin, None),
        ("GET", "/api/v1/service-accounts/{id}/keys", Admin, None),
        (
            "POST",
            "/api/v1/service-accounts/{id}/keys",
            Admin,
            Some(json!({"name": "m", "scopes": ["bills:read"]})),
        ),
        ("DELETE", "/api/v1/service-accounts/{id}/keys/{key_id}", Admin, None),
        ("GET", "/api/v1/webhooks", Admin, None),
        (
            "POST",
            "/api/v1/webhooks",
            Admin,
            Some(json!({"url": "http://127.0.0.1:9/hook"})),
        ),
        ("GET", "/api/v1/webhooks/{id}", Admin, None),
        (
            "PATCH",
            "/api/v1/webhooks/{id}",
            Admin,
            Some(json!({"description": "x"})),
        ),
        ("DELETE", "/api/v1/webhooks/{id}", Admin, None),
        ("POST", "/api/v1/webhooks/{id}/rotate-secret", Admin, None),
        ("POST", "/api/v1/webhooks/{id}/test", Admin, None),
        ("GET", "/api/v1/webhooks/{id}/deliveries", Admin, None),
        ("POST", "/api/v1/webhooks/{id}/replay", Admin, None),
        ("POST", "/api/v1/webhooks/deliveries/{id}/retry", Admin, None),
    ]
}

fn fill(path: &str, user_id: i64) -> String {
    path.replace("{qr_id}", "SB77001")
        .replace("{kind}", "bags")
        .replace("{id}", &user_id.to_string())
        .replace("{key_id}", "1")
        .replace("{code}", if path.contains("bag-formats") { "CHILD" } else { "akola" })
}

#[test]
fn the_table_covers_every_documented_operation() {
    let doc: Value = serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), p.clone()))
        })
        .collect();
    let listed: BTreeSet<(String, String)> = table()
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = documented.difference(&listed).collect();
    let unknown: Vec<_> = listed.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "operations without a row in the matrix: {missing:?}"
    );
    assert!(unknown.is_empty(), "rows for operations that do not exist: {unknown:?}");
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &Option<Value>,
) -> (StatusCode, Option<ErrorCode>) {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    if path.starts_with("/api/v1/events/stream") {
        // Endless when allowed: judge by the status, drop the stream unread.
        let mut req = app.client.request(method, format!("{}{path}", app.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        if status.is_success() {
            return (status, None);
        }
        let body: Value = res.json().await.unwrap_or_default();
        return (status, Some(code_of(&body)));
    }
    let r = app.call(method, path, token, body.clone()).await;
    let code = (!r.status.is_success()).then(|| r.code());
    (r.status, code)
}

#[actix_web::test]
async fn every_operation_answers_each_role_as_the_matrix_says() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, dispatcher) = app.user(&admin, "m-disp", "dispatcher", Some("akola")).await;
    let (_, elsewhere) = app.user(&admin, "m-else", "dispatcher", Some("indore")).await;
    let (_, biller) = app.user(&admin, "m-bill", "biller", None).await;
    // A target user for the /users/{id} rows; deleting or ending its sessions harms no caller.
    let (target, _) = app.user(&admin, "m-target", "biller", None).await;
    assert!(app.scan_parent(&dispatcher, "SB77001").await.status.is_success());
    let doc: Value = serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    let keys = [
        (
            "biller",
            key_for(&app, &admin, "m-key-biller", "biller", &ALL_SCOPES).await,
            2,
            ALL_SCOPES.to_vec(),
        ),
        (
            "dispatcher",
            key_for(&app, &admin, "m-key-disp", "dispatcher", &ALL_SCOPES).await,
            1,
            ALL_SCOPES.to_vec(),
        ),
        (
            "biller",
            key_for(&app, &admin, "m-key-narrow", "biller", &["exports:read"]).await,
            2,
            vec!["exports:read"],
        ),
    ];
    let mut checked = 0;
    for (method, path, who, body) in table() {
        let url = fill(path, target);
        let (anon, code) = call(&app, method, &url, None, &body).await;
        if who == Who::Public {
            // A public operation may refuse bad credentials (401 invalid_credentials),
            // but never for want of a token.
            assert!(
                code != Some(ErrorCode::Unauthorized) && !anon.is_server_error(),
                "{method} {path} is public: {anon} {code:?}"
            );
        } else {
            assert_eq!(
                (anon, code),
                (StatusCode::UNAUTHORIZED, Some(ErrorCode::Unauthorized)),
                "{method} {path} as anonymous"
            );
        }
        // Logout ends the caller's session: check it last with throwaway tokens.
        if path == "/api/v1/auth/logout" {
            continue;
        }
        for (role, token, rank) in [
            ("dispatcher", &dispatcher, 1),
            ("dispatcher of another area", &elsewhere, 1),
            ("biller", &biller, 2),
            ("admin", &admin, 3),
        ] {
            let (status, code) = call(&app, method, &url, Some(token), &body).await;
            if let (Who::OwnArea(hidden, hidden_code), true) = (who, token == &elsewhere) {
                assert_eq!(
                    (status.as_u16(), code),
                    (hidden, Some(hidden_code)),
                    "{method} {path} as {role}"
                );
            } else {
                judge(who, rank, status, code, &format!("{method} {path} as {role}"));
            }
            checked += 1;
        }
        if who == Who::Public {
            continue;
        }
        // API keys: the document's scope for the operation, then the account's role.
        let needs = key_scope(&doc, method, path);
        for (role, key, rank, scopes) in &keys {
            let label = format!("{method} {path} with the key of a {role} holding {scopes:?}");
            let (status, code) = call(&app, method, &url, Some(key), &body).await;
            match needs {
                None => assert_eq!(
                    (status, code),
                    (StatusCode::FORBIDDEN, Some(ErrorCode::Forbidden)),
                    "{label}"
                ),
                Some(scope) if !scopes.contains(&scope) => assert_eq!(
                    (status, code),
                    (StatusCode::FORBIDDEN, Some(ErrorCode::InsufficientScope)),
                    "{label}"
                ),
                Some(_) => judge(who, *rank, status, code, &label),
            }
            checked += 1;
        }
    }
    for role in ["dispatcher", "biller"] {
        let token = app
            .user(
                &admin,
                &format!("m-out-{role}"),
                role,
                Some("akola").filter(|_| role == "dispatcher"),
            )
            .await
            .1;
        let status = app
            .call(Method::POST, "/api/v1/auth/logout", Some(&token), None)
            .await
            .status;
        assert_eq!(status, StatusCode::NO_CONTENT, "logout as {role}");
    }
    assert!(checked >= 400, "matrix size {checked}");
}

/// The scope the committed document asks of an API key for an operation.
fn key_scope(doc: &Value, method: &str, path: &str) -> Option<&'static str> {
    let security = doc["paths"][path][method.to_lowercase()]["security"].as_array()?;
    let named = security.iter().find_map(|r| r["apiKey"][0].as_str())?;
    ALL_SCOPES.iter().copied().find(|s| *s == named)
}

const ALL_SCOPES: [&str; 6] = [
    "bags:read",
    "scans:write",
    "bills:read",
    "bills:write",
    "events:read",
    "exports:read",
];

/// A caller of `rank` (1 dispatcher, 2 biller, 3 admin) got (status, code) from an
/// operation open to `who`: allowed means any answer but a refusal of the caller.
fn judge(who: Who, rank: u8, status: StatusCode, code: Option<ErrorCode>, label: &str) {
    let needed = match who {
        Who::Public | Who::Anyone | Who::OwnArea(..) | Who::BelowAdmin => 1,
        Who::Biller => 2,
        Who::Admin => 3,
    };
    if who == Who::BelowAdmin && rank == 3 {
        assert_eq!(status, StatusCode::FORBIDDEN, "{label}");
    } else if rank >= needed {
        // Credential checks of public operations, like a wrong login password, are not refusals.
        let refused = status == StatusCode::FORBIDDEN
            || code == Some(ErrorCode::Unauthorized)
            || code == Some(ErrorCode::SessionExpired) && who != Who::Public;
        assert!(!refused, "{label}: {status} {code:?}");
        assert!(!status.is_server_error(), "{label}: {status}");
    } else {
        assert_eq!(status, StatusCode::FORBIDDEN, "{label}");
    }
}

/// A service account of `role` (dispatchers in akola) and a key with `scopes`.
async fn key_for(app: &TestApp, admin: &str, name: &str, role: &str, scopes: &[&'static str]) -> String {
    let area = Some("akola").filter(|_| role == "dispatcher");
    app.service_key(admin, name, role, area, scopes).await.2
}
