//! Promotion requests and notifications (docs/domain.md §5, §8).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::{spawn_app, TestApp, USER_PASSWORD};

async fn notifications(app: &TestApp, token: &str) -> Value {
    let r = app.get("/api/v1/notifications", token).await;
    assert_eq!(r.status, StatusCode::OK);
    r.body
}

fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_string())
        .collect()
}

fn ask(role: &str, reason: &str) -> Value {
    json!({"requested_role": role, "reason": reason})
}

#[actix_web::test]
async fn a_request_is_filed_once_approved_by_an_admin_and_both_sides_hear_of_it() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (uid, token) = app.user(&admin, "riya", "dispatcher", Some("akola")).await;
    let path = "/api/v1/promotion-requests";

    let same = app.post(path, &token, ask("dispatcher", "I would like to stay")).await;
    assert_eq!(
        (same.status, same.body["errors"][0]["pointer"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("/requested_role"))
    );
    let short = app.post(path, &token, ask("biller", "please")).await;
    assert_eq!(short.body["errors"][0]["pointer"], "/reason");

    let filed = app
        .post(path, &token, ask("biller", "I run the bill station on nights"))
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{:?}", filed.body);
    assert_eq!(
        (filed.body["status"].as_str(), filed.body["current_role"].as_str()),
        (Some("pending"), Some("dispatcher"))
    );
    let again = app
        .post(path, &token, ask("admin", "or maybe even more than that"))
        .await;
    assert_eq!(again.code(), ErrorCode::PromotionPending);

    let inbox = notifications(&app, &admin).await;
    assert_eq!(titles(&inbox), ["Promotion request"]);
    assert_eq!(inbox["unread_count"], 1);
    assert_eq!(inbox["items"][0]["link"], "/admin/promotions");

    // Others see only their own requests; admins see all.
    let (_, other) = app.user(&admin, "omar", "biller", None).await;
    assert_eq!(app.get(path, &other).await.body["items"], json!([]));
    assert_eq!(app.get(path, &token).await.body["items"][0]["id"], filed.body["id"]);
    let pending = app.get(&format!("{path}?status=pending"), &admin).await;
    assert_eq!(pending.body["items"].as_array().unwrap().len(), 1);

    let id = filed.body["id"].as_i64().unwrap();
    let approve = format!("{path}/{id}/approve");
    assert_eq!(
        app.post(&approve, &other, json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    let decided = app.post(&approve, &admin, json!({"note": "welcome"})).await;
    assert_eq!(decided.status, StatusCode::OK);
    assert_eq!(
        (decided.body["status"].as_str(), decided.body["decision_note"].as_str()),
        (Some("approved"), Some("welcome"))
    );
    assert_eq!(
        app.post(&approve, &admin, json!({})).await.code(),
        ErrorCode::PromotionDecided
    );
    let reject = format!("{path}/{id}/reject");
    assert_eq!(
        app.post(&reject, &admin, json!({})).await.code(),
        ErrorCode::PromotionDecided
    );

    assert_eq!(
        app.get("/api/v1/auth/me", &token).await.status,
        StatusCode::UNAUTHORIZED,
        "role change ends sessions"
    );
    let fresh = app.login("riya", USER_PASSWORD).await;
    assert_eq!(
        (fresh["user"]["role"].as_str(), fresh["user"]["dispatch_area"].as_str()),
        (Some("biller"), None)
    );
    let me = fresh["access_token"].as_str().unwrap();
    let mine = notifications(&app, me).await;
    assert_eq!(titles(&mine), ["Promotion approved"]);
    let user = app.get(&format!("/api/v1/users/{uid}"), &admin).await;
    assert_eq!(user.body["role"], "biller");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_log WHERE action = 'promotion.approve'"),
        1
    );
}

#[actix_web::test]
async fn a_rejection_carries_the_note_and_a_new_request_may_follow() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, token) = app.user(&admin, "omar", "biller", None).await;
    let path = "/api/v1/promotion-requests";
    let filed = app
        .post(path, &token, ask("admin", "I know the system inside out"))
        .await;
    let id = filed.body["id"].as_i64().unwrap();
    let r = app
        .call(
            Method::POST,
            &format!("{path}/{id}/reject"),
            Some(&admin),
            Some(json!({"note": "not this season"})),
        )
        .await;
    assert_eq!(r.body["status"], "rejected");
    let inbox = notifications(&app, &token).await;
    assert_eq!(titles(&inbox), ["Promotion request declined"]);
    assert!(inbox["items"][0]["message"]
        .as_str()
        .unwrap()
        .contains("not this season"));
    assert_eq!(
        app.get("/api/v1/auth/me", &token).await.body["role"],
        "biller",
        "nothing changed"
    );
    let next = app.post(path, &token, ask("admin", "asking again next season")).await;
    assert_eq!(next.status, StatusCode::CREATED);
    let admins_ask = app.post(path, &admin, ask("admin", "admins cannot go higher")).await;
    assert_eq!(admins_ask.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn concurrent_filings_leave_exactly_one_pending_request() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, token) = app.user(&admin, "twice", "dispatcher", Some("akola")).await;
    let body = ask("biller", "double tapped the button");
    let answers =
        futures_util::future::join_all((0..8).map(|_| app.post("/api/v1/promotion-requests", &token, body.clone())))
            .await;
    let created = answers.iter().filter(|r| r.status == StatusCode::CREATED).count();
    let refused = answers
        .iter()
        .filter(|r| r.problem() == Some(ErrorCode::PromotionPending))
        .count();
    assert_eq!((created, refused), (1, 7));
    assert_eq!(app.count("SELECT count(*) AS n FROM promotion_request"), 1);
}

#[actix_web::test]
async fn notifications_are_private_and_can_be_marked_read() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, biller) = app.user(&admin, "bina", "biller", None).await;
    // A bill completed by someone else tells its creator.
    let bill = app
        .post("/api/v1/bills", &biller, json!({"bill_number": "N-1", "capacity": 1}))
        .await;
    let id = bill.body["id"].as_i64().unwrap();
    assert!(app.scan_parent(&admin, "SB55001").await.status.is_success());
    app.post(
        &format!("/api/v1/bills/{id}/parents"),
        &admin,
        json!({"qr_id": "SB55001"}),
    )
    .await;
    let done = app
        .post(&format!("/api/v1/bills/{id}/complete"), &admin, json!({}))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    // Five wrong passwords lock an account and tell the admins.
    for _ in 0..5 {
        app.call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "bina", "password": "wrong-password"})),
        )
        .await;
    }
    let mine = notifications(&app, &biller).await;
    assert_eq!(titles(&mine), ["Bill completed"]);
    assert_eq!(mine["items"][0]["link"], format!("/bills/{id}"));
    let theirs = notifications(&app, &admin).await;
    assert_eq!(titles(&theirs), ["Account locked"]);

    let own = mine["items"][0]["id"].as_i64().unwrap();
    let foreign = theirs["items"][0]["id"].as_i64().unwrap();
    let read = |id: i64| format!("/api/v1/notifications/{id}/read");
    assert_eq!(
        app.call(Method::POST, &read(foreign), Some(&biller), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(Method::POST, &read(own), Some(&biller), None).await.status,
        StatusCode::NO_CONTENT
    );
    let after = notifications(&app, &biller).await;
    assert_eq!(
        (after["unread_count"].as_i64(), after["items"][0]["read"].as_bool()),
        (Some(0), Some(true))
    );
    assert_eq!(
        app.get("/api/v1/notifications?unread=true", &admin).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let all = app
        .call(Method::POST, "/api/v1/notifications/read-all", Some(&admin), None)
        .await;
    assert_eq!(all.status, StatusCode::NO_CONTENT);
    assert_eq!(notifications(&app, &admin).await["unread_count"], 0);
}
