//! Every mutating operation of the OpenAPI document leaves evidence: an audit row
//! (in the same transaction) or, for scans and bill parents, a scan event. The table
//! must cover the document; one scenario performs every operation and checks it.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tracetrack_server::auth::totp;
use tracetrack_test_utils::{spawn_app_with, TestApp, ADMIN_PASSWORD, USER_PASSWORD};

/// What an operation must leave behind.
#[derive(Debug, Clone, Copy)]
enum Evidence {
    Audit(&'static str),
    ScanEvent(&'static str),
    /// Exempt, with the reason.
    None(&'static str),
}

fn evidence() -> Vec<(&'static str, &'static str, Evidence)> {
    use Evidence::*;
    vec![
        ("POST", "/api/v1/auth/login", Audit("auth.login")),
        (
            "POST",
            "/api/v1/auth/refresh",
            None("token rotation only; a reused token is audited as auth.refresh_reused"),
        ),
        ("POST", "/api/v1/auth/logout", Audit("auth.logout")),
        ("POST", "/api/v1/auth/password", Audit("user.password_change")),
        (
            "POST",
            "/api/v1/auth/password/forgot",
            Audit("auth.password_reset_requested"),
        ),
        ("POST", "/api/v1/auth/password/reset", Audit("user.password_reset")),
        ("POST", "/api/v1/auth/register", Audit("user.register")),
        ("POST", "/api/v1/auth/2fa/setup", Audit("user.2fa_setup")),
        ("POST", "/api/v1/auth/2fa/enable", Audit("user.2fa_enable")),
        ("POST", "/api/v1/auth/2fa/disable", Audit("user.2fa_disable")),
        ("POST", "/api/v1/scans/parent", ScanEvent("parent")),
        ("POST", "/api/v1/scans/child", ScanEvent("child")),
        ("POST", "/api/v1/scans/unlink", ScanEvent("unlink")),
        ("POST", "/api/v1/scans/undo", ScanEvent("undo")),
        ("POST", "/api/v1/scans/batch", ScanEvent("child")),
        ("POST", "/api/v1/bags", Audit("bag.create")),
        ("DELETE", "/api/v1/bags/{qr_id}", Audit("bag.delete")),
        ("POST", "/api/v1/bags/{qr_id}/restore", Audit("bag.restore")),
        ("POST", "/api/v1/bags/{qr_id}/seal", ScanEvent("seal")),
        ("POST", "/api/v1/bags/{qr_id}/unseal", ScanEvent("unseal")),
        ("POST", "/api/v1/bills", Audit("bill.create")),
        ("PATCH", "/api/v1/bills/{id}", Audit("bill.update")),
        ("DELETE", "/api/v1/bills/{id}", Audit("bill.delete")),
        ("POST", "/api/v1/bills/{id}/parents", ScanEvent("bill_add")),
        ("DELETE", "/api/v1/bills/{id}/parents/{qr_id}", ScanEvent("bill_remove")),
        ("POST", "/api/v1/bills/{id}/complete", Audit("bill.complete")),
        ("POST", "/api/v1/bills/{id}/reopen", Audit("bill.reopen")),
        ("POST", "/api/v1/users", Audit("user.create")),
        ("PATCH", "/api/v1/users/{id}", Audit("user.update")),
        ("DELETE", "/api/v1/users/{id}", Audit("user.delete")),
        ("POST", "/api/v1/users/{id}/unlock", Audit("user.unlock")),
        ("DELETE", "/api/v1/users/{id}/sessions", Audit("user.sessions_end")),
        ("POST", "/api/v1/dispatch-areas", Audit("dispatch_area.create")),
        ("PATCH", "/api/v1/dispatch-areas/{code}", Audit("dispatch_area.update")),
        ("POST", "/api/v1/bag-formats", Audit("bag_format.create")),
        ("PATCH", "/api/v1/bag-formats/{code}", Audit("bag_format.update")),
        ("POST", "/api/v1/promotion-requests", Audit("promotion.request")),
        ("POST", "/api/v1/reports/eod/send", Audit("report.eod_sent")),
        ("POST", "/api/v1/imports", Audit("import.create")),
        ("POST", "/api/v1/service-accounts", Audit("service_account.create")),
        (
            "PATCH",
            "/api/v1/service-accounts/{id}",
            Audit("service_account.update"),
        ),
        (
            "DELETE",
            "/api/v1/service-accounts/{id}",
            Audit("service_account.delete"),
        ),
        ("POST", "/api/v1/service-accounts/{id}/keys", Audit("api_key.create")),
        (
            "DELETE",
            "/api/v1/service-accounts/{id}/keys/{key_id}",
            Audit("api_key.revoke"),
        ),
        ("POST", "/api/v1/webhooks", Audit("webhook.create")),
        ("PATCH", "/api/v1/webhooks/{id}", Audit("webhook.update")),
        ("DELETE", "/api/v1/webhooks/{id}", Audit("webhook.delete")),
        (
            "POST",
            "/api/v1/webhooks/{id}/rotate-secret",
            Audit("webhook.rotate_secret"),
        ),
        ("POST", "/api/v1/webhooks/{id}/test", Audit("webhook.test")),
        ("POST", "/api/v1/webhooks/{id}/replay", Audit("webhook.replay")),
        ("POST", "/api/v1/webhooks/deliveries/{id}/retry", Audit("webhook.retry")),
        (
            "POST",
            "/api/v1/promotion-requests/{id}/approve",
            Audit("promotion.approve"),
        ),
        (
            "POST",
            "/api/v1/promotion-requests/{id}/reject",
            Audit("promotion.reject"),
        ),
        (
            "POST",
            "/api/v1/notifications/{id}/read",
            None("the caller's own read flag; no account or business data changes"),
        ),
        (
            "POST",
            "/api/v1/notifications/read-all",
            None("the caller's own read flags; no account or business data changes"),
        ),
    ]
}

#[test]
fn every_mutating_operation_has_an_evidence_row() {
    let doc: Value = serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    let mutating: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), p.clone()))
        })
        .filter(|(m, _)| m != "GET")
        .collect();
    let listed: BTreeSet<(String, String)> = evidence()
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(mutating, listed, "the evidence table and the OpenAPI document disagree");
}

async fn ok(app: &TestApp, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Value {
    let r = app.call(method.clone(), path, token, body).await;
    assert!(r.status.is_success(), "{method} {path}: {} {:?}", r.status, r.body);
    r.body
}

#[actix_web::test]
async fn one_scenario_performs_every_mutation_and_finds_its_evidence() {
    let app = spawn_app_with(|c| {
        c.allow_registration = true;
        c.webhook_allow_private = true;
    })
    .await;
    let a = app.admin_token().await;
    let t = Some(a.as_str());
    use Method as M;
    ok(
        &app,
        M::POST,
        "/api/v1/dispatch-areas",
        t,
        Some(json!({"code": "pune", "name": "Pune"})),
    )
    .await;
    ok(
        &app,
        M::PATCH,
        "/api/v1/dispatch-areas/pune",
        t,
        Some(json!({"name": "Pune City"})),
    )
    .await;
    ok(
        &app,
        M::POST,
        "/api/v1/bag-formats",
        t,
        Some(json!({"code": "AC", "name": "Audit child", "role": "child", "pattern": "^AC\\d{4}$"})),
    )
    .await;
    ok(
        &app,
        M::PATCH,
        "/api/v1/bag-formats/AC",
        t,
        Some(json!({"name": "Audit children"})),
    )
    .await;
    let user = ok(
        &app,
        M::POST,
        "/api/v1/users",
        t,
        Some(json!({"username": "auditee", "email": "au@example.com", "password": USER_PASSWORD, "role": "biller"})),
    )
    .await;
    let uid = user["id"].as_i64().unwrap();
    ok(
        &app,
        M::PATCH,
        &format!("/api/v1/users/{uid}"),
        t,
        Some(json!({"email": "au2@example.com"})),
    )
    .await;
    ok(&app, M::POST, &format!("/api/v1/users/{uid}/unlock"), t, None).await;
    ok(&app, M::DELETE, &format!("/api/v1/users/{uid}/sessions"), t, None).await;
    // The user's own account operations.
    let login = ok(
        &app,
        M::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "auditee", "password": USER_PASSWORD})),
    )
    .await;
    let u = login["access_token"].as_str().unwrap().to_string();
    ok(
        &app,
        M::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": login["refresh_token"]})),
    )
    .await;
    ok(
        &app,
        M::POST,
        "/api/v1/auth/password",
        Some(&u),
        Some(json!({"current_password": USER_PASSWORD, "new_password": "second-password-2"})),
    )
    .await;
    let setup = ok(&app, M::POST, "/api/v1/auth/2fa/setup", Some(&u), None).await;
    let secret = totp::base32_decode(setup["secret"].as_str().unwrap()).unwrap();
    let step = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        / totp::STEP;
    ok(
        &app,
        M::POST,
        "/api/v1/auth/2fa/enable",
        Some(&u),
        Some(json!({"code": totp::code_at(&secret, step)})),
    )
    .await;
    ok(
        &app,
        M::POST,
        "/api/v1/auth/2fa/disable",
        Some(&u),
        Some(json!({"password": "second-password-2"})),
    )
    .await;
    ok(&app, M::POST, "/api/v1/auth/logout", Some(&u), None).await;
    ok(
        &app,
        M::POST,
        "/api/v1/auth/password/forgot",
        None,
        Some(json!({"email": "au2@example.com"})),
    )
    .await;
    let mail = app.get("/api/v1/outbox", &a).await.body["items"][0]["body"]
        .as_str()
        .unwrap()
        .to_string();
    let token = mail
        .lines()
        .map(str::trim)
        .find(|l| l.len() > 30 && !l.contains(' '))
        .unwrap()
        .to_string();
    ok(
        &app,
        M::POST,
        "/api/v1/auth/password/reset",
        None,
        Some(json!({"token": token, "new_password": "third-password-3"})),
    )
    .await;
    ok(
        &app,
        M::POST,
        "/api/v1/auth/register",
        None,
        Some(json!({"username": "selfie", "email": "s@example.com", "password": USER_PASSWORD})),
    )
    .await;
    ok(&app, M::DELETE, &format!("/api/v1/users/{uid}"), t, None).await;
    // Bags and scans.
    ok(
        &app,
        M::POST,
        "/api/v1/scans/parent",
        t,
        Some(json!({"qr_id": "SB88001"})),
    )
    .await;
    ok(
        &app,
        M::POST,
        "/api/v1/scans/child",
        t,
        Some(json!({"parent_qr_id": "SB88001", "qr_id": "AC0001"})),
    )
    .await;
    ok(
        &app,
        M::POST,
        "/api/v1/scans/unlink",
        t,
        Some(json!({"qr_id": "AC0001"})),
    )
    .await;
    ok(
        &app,
        M::POST,
        "/api/v1/scans/child",
        t,
        Some(json!({"parent_qr_id": "SB88001", "qr_id": "AC0002"})),
    )
    .await;
    ok(&app, M::POST, "/api/v1/scans/undo", t, None).await;
    let batch =
        json!({"events": [{"kind": "child", "parent_qr_id": "SB88001", "qr_id": "AC0003", "idempotency_key": "b1"}]});
    ok(&app, M::POST, "/api/v1/scans/batch", t, Some(batch)).await;
    ok(
        &app,
        M::POST,
        "/api/v1/bags/SB88001/seal",
        t,
        Some(json!({"reason": "audit"})),
    )
    .await;
    ok(&app, M::POST, "/api/v1/bags/SB88001/unseal", t, None).await;
    ok(&app, M::POST, "/api/v1/bags", t, Some(json!({"qr_id": "AC0009"}))).await;
    ok(&app, M::DELETE, "/api/v1/bags/AC0009", t, None).await;
    ok(&app, M::POST, "/api/v1/bags/AC0009/restore", t, None).await;
    // Bills.
    let bill = ok(
        &app,
        M::POST,
        "/api/v1/bills",
        t,
        Some(json!({"bill_number": "AUD-1", "capacity": 2})),
    )
    .await;
    let b = bill["id"].as_i64().unwrap();
    ok(
        &app,
        M::PATCH,
        &format!("/api/v1/bills/{b}"),
        t,
        Some(json!({"capacity": 1})),
    )
    .await;
    ok(
        &app,
        M::POST,
        &format!("/api/v1/bills/{b}/parents"),
        t,
        Some(json!({"qr_id": "SB88001"})),
    )
    .await;
    ok(&app, M::POST, &format!("/api/v1/bills/{b}/complete"), t, None).await;
    ok(
        &app,
        M::POST,
        &format!("/api/v1/bills/{b}/reopen"),
        t,
        Some(json!({"reason": "audit"})),
    )
    .await;
    ok(&app, M::DELETE, &format!("/api/v1/bills/{b}/parents/SB88001"), t, None).await;
    ok(&app, M::DELETE, &format!("/api/v1/bills/{b}"), t, None).await;
    ok(&app, M::POST, "/api/v1/reports/eod/send", t, None).await;
    let file = reqwest::multipart::Part::bytes(b"bill_number,capacity\nAUDIT-1,1\n".to_vec()).file_name("bills.csv");
    let upload = app
        .client
        .post(format!("{}/api/v1/imports", app.base))
        .bearer_auth(&a)
        .multipart(reqwest::multipart::Form::new().part("file", file))
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), reqwest::StatusCode::ACCEPTED);
    // Integrations.
    let account = ok(
        &app,
        M::POST,
        "/api/v1/service-accounts",
        t,
        Some(json!({"name": "audit-sync", "role": "biller"})),
    )
    .await;
    let sa = account["id"].as_i64().unwrap();
    ok(
        &app,
        M::PATCH,
        &format!("/api/v1/service-accounts/{sa}"),
        t,
        Some(json!({"description": "ERP"})),
    )
    .await;
    let key = ok(
        &app,
        M::POST,
        &format!("/api/v1/service-accounts/{sa}/keys"),
        t,
        Some(json!({"name": "k", "scopes": ["bills:read"]})),
    )
    .await;
    let key_id = key["api_key"]["id"].as_i64().unwrap();
    ok(
        &app,
        M::DELETE,
        &format!("/api/v1/service-accounts/{sa}/keys/{key_id}"),
        t,
        None,
    )
    .await;
    ok(&app, M::DELETE, &format!("/api/v1/service-accounts/{sa}"), t, None).await;
    let hook = ok(
        &app,
        M::POST,
        "/api/v1/webhooks",
        t,
        Some(json!({"url": "http://127.0.0.1:9/hook"})),
    )
    .await;
    let w = hook["endpoint"]["id"].as_i64().unwrap();
    ok(
        &app,
        M::PATCH,
        &format!("/api/v1/webhooks/{w}"),
        t,
        Some(json!({"enabled": false})),
    )
    .await;
    ok(&app, M::POST, &format!("/api/v1/webhooks/{w}/rotate-secret"), t, None).await;
    ok(&app, M::POST, &format!("/api/v1/webhooks/{w}/test"), t, None).await;
    ok(
        &app,
        M::POST,
        &format!("/api/v1/webhooks/{w}/replay?since=2020-01-01T00:00:00Z"),
        t,
        None,
    )
    .await;
    let delivery = app.get(&format!("/api/v1/webhooks/{w}/deliveries"), &a).await.body["items"][0]["id"].clone();
    ok(
        &app,
        M::POST,
        &format!("/api/v1/webhooks/deliveries/{delivery}/retry"),
        t,
        None,
    )
    .await;
    ok(&app, M::DELETE, &format!("/api/v1/webhooks/{w}"), t, None).await;
    // Promotion requests, decided both ways.
    for (name, approve) in [("climber", true), ("hopeful", false)] {
        let (_, token) = app.user(&a, name, "dispatcher", Some("akola")).await;
        let body = json!({"requested_role": "biller", "reason": "I run the bill station"});
        let filed = ok(&app, M::POST, "/api/v1/promotion-requests", Some(&token), Some(body)).await;
        let verb = if approve { "approve" } else { "reject" };
        let path = format!("/api/v1/promotion-requests/{}/{verb}", filed["id"]);
        ok(&app, M::POST, &path, t, Some(json!({"note": "ok"}))).await;
    }
    assert_eq!(
        app.call(
            M::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "admin", "password": ADMIN_PASSWORD}))
        )
        .await
        .status,
        StatusCode::OK
    );

    for (method, path, ev) in evidence() {
        match ev {
            Evidence::Audit(action) => {
                let n = app.count(&format!(
                    "SELECT count(*) AS n FROM audit_log WHERE action = '{action}'"
                ));
                assert!(n > 0, "{method} {path} left no audit row {action}");
            }
            Evidence::ScanEvent(kind) => {
                let n = app.count(&format!("SELECT count(*) AS n FROM scan_event WHERE kind = '{kind}'"));
                assert!(n > 0, "{method} {path} left no scan event {kind}");
            }
            Evidence::None(reason) => assert!(!reason.is_empty()),
        }
    }
}
