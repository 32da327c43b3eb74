//! The end-of-day report (admin), as JSON and CSV.

use reqwest::StatusCode;
use serde_json::json;
use tracetrack_api_types::ErrorCode;
use tracetrack_server::services::reports::send_when_due;
use tracetrack_test_utils::{spawn_app, spawn_app_with, TestApp, USER_PASSWORD};

/// A biller with an e-mail address: a reader of the end-of-day report.
async fn add_reader(app: &TestApp, admin: &str) {
    let reader =
        json!({"username": "reader", "email": "reader@example.com", "password": USER_PASSWORD, "role": "biller"});
    assert_eq!(
        app.post("/api/v1/users", admin, reader).await.status,
        StatusCode::CREATED
    );
}

#[actix_web::test]
async fn the_days_bills_are_counted_weighed_and_listed() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, biller) = app.user(&admin, "bina", "biller", None).await;
    let first = app
        .post("/api/v1/bills", &admin, json!({"bill_number": "EOD-1", "capacity": 1}))
        .await;
    app.post(
        "/api/v1/bills",
        &biller,
        json!({"bill_number": "=EOD,2", "capacity": 3}),
    )
    .await;
    assert!(app.scan_parent(&admin, "SB61001").await.status.is_success());
    for c in ["MX6100", "MX6101"] {
        app.scan_child(&admin, "SB61001", c).await;
    }
    let id = first.body["id"].as_i64().unwrap();
    let added = app
        .post(
            &format!("/api/v1/bills/{id}/parents"),
            &admin,
            json!({"qr_id": "SB61001"}),
        )
        .await;
    assert!(added.status.is_success(), "{:?}", added.body);

    let r = app.get("/api/v1/reports/eod", &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let b = r.body;
    assert_eq!(
        (b["bills"].as_i64(), b["parents"].as_i64(), b["children"].as_i64()),
        (Some(2), Some(1), Some(2))
    );
    assert_eq!(b["by_creator"], json!({"admin": 1, "bina": 1}));
    assert_eq!(b["timezone"], "Asia/Kolkata");
    assert_eq!(b["rows"][0]["bill_number"], "EOD-1");
    assert_eq!(b["rows"][0]["children"], 2);
    assert!(b["actual_weight_kg"].as_f64().unwrap() > 0.0);

    let date = b["date"].as_str().unwrap().to_string();
    let csv = app
        .get(&format!("/api/v1/reports/eod?date={date}&format=csv"), &admin)
        .await;
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let text = csv.body.as_str().unwrap().to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "header, two bills, total: {text}");
    assert!(lines[0].starts_with("bill_number,status,created_by"));
    assert!(
        lines[2].starts_with("\"'=EOD,2\",new,bina,0,0,"),
        "quoted and defused: {}",
        lines[2]
    );
    assert!(lines[3].starts_with(&format!("TOTAL {date}")));

    let empty = app.get("/api/v1/reports/eod?date=2001-01-01", &admin).await;
    assert_eq!(
        (
            empty.body["bills"].as_i64(),
            empty.body["rows"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );
    for bad in ["date=2026-13-01", "date=yesterday", "format=xml"] {
        let r = app.get(&format!("/api/v1/reports/eod?{bad}"), &admin).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    assert_eq!(
        app.get("/api/v1/reports/eod", &biller).await.status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn the_report_is_mailed_by_cron_secret_or_by_an_admin() {
    let key = "eod-secret-key-that-is-long-enough-1";
    let app = spawn_app_with(|c| c.eod_secret_key = Some(key.into())).await;
    let admin = app.admin_token().await;
    // The biller has an e-mail address; the dispatcher is not a reader anyway.
    add_reader(&app, &admin).await;
    let floor = json!({"username": "floor", "email": "floor@example.com", "password": USER_PASSWORD,
        "role": "dispatcher", "dispatch_area": "akola"});
    assert_eq!(
        app.post("/api/v1/users", &admin, floor).await.status,
        StatusCode::CREATED
    );
    let send = |secret: Option<&'static str>| {
        let headers: Vec<(&str, &str)> = secret.map(|s| vec![("X-EOD-Secret", s)]).unwrap_or_default();
        let app = &app;
        async move {
            app.send(
                reqwest::Method::POST,
                "/api/v1/reports/eod/send?date=2026-11-20",
                None,
                None,
                &headers,
            )
            .await
        }
    };
    assert_eq!(send(None).await.code(), ErrorCode::Unauthorized);
    assert_eq!(send(Some("wrong")).await.status, StatusCode::UNAUTHORIZED);
    let by_cron = send(Some(key)).await;
    assert_eq!(by_cron.status, StatusCode::ACCEPTED, "{:?}", by_cron.body);
    assert_eq!(
        by_cron.body,
        json!({"date": "2026-11-20", "recipients": 1}),
        "only the biller has an e-mail"
    );
    let outbox = app.get("/api/v1/outbox", &admin).await.body;
    assert_eq!(outbox["items"][0]["to"], "reader@example.com");
    assert!(outbox["items"][0]["body"]
        .as_str()
        .unwrap()
        .contains("bill_number,status"));
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_log WHERE action = 'report.eod_sent' AND actor_id IS NULL"),
        1
    );

    let by_admin = app
        .call(reqwest::Method::POST, "/api/v1/reports/eod/send", Some(&admin), None)
        .await;
    assert_eq!(by_admin.status, StatusCode::ACCEPTED);
    let (_, biller) = app.user(&admin, "not-admin", "biller", None).await;
    let refused = app
        .call(reqwest::Method::POST, "/api/v1/reports/eod/send", Some(&biller), None)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn without_a_configured_key_the_cron_door_is_shut() {
    let app = spawn_app().await;
    let r = app
        .send(
            reqwest::Method::POST,
            "/api/v1/reports/eod/send",
            None,
            None,
            &[("X-EOD-Secret", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn eod_send_at_queues_the_report_once_a_day_across_instances() {
    // Due from midnight: the report is due as soon as the job looks.
    let app = spawn_app_with(|c| c.eod_send_at = chrono::NaiveTime::from_hms_opt(0, 0, 0)).await;
    let admin = app.admin_token().await;
    add_reader(&app, &admin).await;
    // The server's upkeep job queued it at start, to nobody; forget that day. Two
    // more instances on the same database race the server's job for it, then try again.
    for _ in 0..50 {
        if app.count("SELECT count(*) AS n FROM scheduled_run") > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    app.exec("DELETE FROM scheduled_run");
    let a = tracetrack_server::prepare(app.config.clone()).unwrap();
    let b = tracetrack_server::prepare(app.config.clone()).unwrap();
    let (ra, rb) = futures_util::future::join(send_when_due(&a), send_when_due(&b)).await;
    let queued: Vec<usize> = [ra.unwrap(), rb.unwrap()].into_iter().flatten().collect();
    // (The server's own job runs again only 30 s after its first round.)
    assert_eq!(queued, [1], "exactly one instance queues it, for the one reader");
    let mails = "SELECT count(*) AS n FROM outbox_mail WHERE subject LIKE 'TraceTrack end-of-day report%'";
    for _ in 0..50 {
        if app.count(mails) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(send_when_due(&a).await.unwrap(), None, "once a day");
    assert_eq!(app.count(mails), 1, "one mail for the one reader");
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM audit_log WHERE action = 'report.eod_sent' AND actor_id IS NULL \
             AND after->>'recipients' = '1'"
        ),
        1
    );

    // Not before its time, and never when unset.
    let tz = app.config.report_timezone;
    let later = chrono::Utc::now().with_timezone(&tz).time() + chrono::Duration::minutes(10);
    if later > chrono::NaiveTime::from_hms_opt(0, 10, 0).unwrap() {
        let mut config = app.config.clone();
        config.eod_send_at = Some(later);
        app.exec("DELETE FROM scheduled_run");
        let early = tracetrack_server::prepare(config).unwrap();
        assert_eq!(send_when_due(&early).await.unwrap(), None);
    }
    let mut config = app.config.clone();
    config.eod_send_at = None;
    app.exec("DELETE FROM scheduled_run");
    assert_eq!(
        send_when_due(&tracetrack_server::prepare(config).unwrap())
            .await
            .unwrap(),
        None
    );
    assert_eq!(app.count(mails), 1);
}
