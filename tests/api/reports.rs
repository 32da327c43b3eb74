//! The end-of-day report (admin), as JSON and CSV.

use reqwest::StatusCode;
use serde_json::json;
use tracetrack_test_utils::spawn_app;

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
