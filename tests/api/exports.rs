//! Exports (admin): CSV streamed page by page, XLSX as one sheet, audited.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::json;
use tracetrack_test_utils::{spawn_app, TestApp};

/// The raw answer of an export.
async fn download(app: &TestApp, token: &str, path: &str) -> (StatusCode, String, Vec<u8>) {
    let res = app
        .client
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = res.status();
    let kind = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, kind, res.bytes().await.expect("body").to_vec())
}

#[actix_web::test]
async fn bags_export_as_csv_across_many_pages_exactly_once_each() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    assert!(app.scan_parent(&admin, "SB70001").await.status.is_success());
    for c in ["MX7000", "MX7001"] {
        assert!(app.scan_child(&admin, "SB70001", c).await.status.is_success());
    }
    // More rows than one page of the export (2,000), inserted directly.
    app.exec(
        "INSERT INTO bag (qr_id, role, format_code, status)
         SELECT 'LOOSE' || lpad(g::text, 5, '0'), 'child', 'CHILD', 'unlinked' FROM generate_series(1, 4500) g",
    );
    app.exec("UPDATE bag SET deleted_at = now() WHERE qr_id = 'LOOSE00007'");

    let (status, kind, body) = download(&app, &admin, "/api/v1/exports/bags").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/csv"), "{kind}");
    let text = String::from_utf8(body).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "qr_id,role,format_code,status,child_count,capacity,parent_qr_id,bill_number,dispatch_area,sealed_reason,created_by,created_at"
    );
    assert_eq!(
        lines.len(),
        1 + 3 + 4499,
        "header, scanned bags, loose bags minus the deleted one"
    );
    let ids: std::collections::HashSet<&str> = lines[1..].iter().map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(ids.len(), lines.len() - 1, "no row twice");
    assert!(!ids.contains("LOOSE00007"), "deleted bags are not exported");
    assert!(lines[1].starts_with("SB70001,parent,SB,open,2,30,,,"), "{}", lines[1]);
    assert!(
        lines[2].starts_with("MX7000,child,CHILD,linked,0,,SB70001,,"),
        "{}",
        lines[2]
    );
    assert!(lines[2].contains(",admin,"), "creator by name: {}", lines[2]);

    // A window in the future has nothing but the header.
    let (_, _, body) = download(&app, &admin, "/api/v1/exports/bags?from=2999-01-01T00:00:00Z").await;
    assert_eq!(String::from_utf8(body).unwrap().lines().count(), 1);

    let audited =
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'export.create' AND entity_id = 'bags'");
    assert_eq!(audited, 2);
}

#[actix_web::test]
async fn bills_scans_and_user_activity_export_with_names_and_counts() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, worker) = app.user(&admin, "wasim", "dispatcher", Some("lucknow")).await;
    assert!(app.scan_parent(&worker, "SB70101").await.status.is_success());
    for c in ["MX7100", "MX7101", "MX7102"] {
        assert!(app.scan_child(&worker, "SB70101", c).await.status.is_success());
    }
    let bill = app
        .post(
            "/api/v1/bills",
            &admin,
            json!({"bill_number": "=EXP-1", "capacity": 2, "destination": "Kanpur, UP"}),
        )
        .await;
    let id = bill.body["id"].as_i64().unwrap();
    let add = app
        .post(
            &format!("/api/v1/bills/{id}/parents"),
            &admin,
            json!({"qr_id": "SB70101"}),
        )
        .await;
    assert!(add.status.is_success(), "{:?}", add.body);

    let (_, _, body) = download(&app, &admin, "/api/v1/exports/bills").await;
    let text = String::from_utf8(body).unwrap();
    let row = text.lines().nth(1).unwrap();
    assert!(
        row.starts_with("'=EXP-1,processing,2,1,3,3.000,"),
        "defused formula, counts and kg: {row}"
    );
    assert!(row.contains("\"Kanpur, UP\""), "{row}");

    let (_, _, body) = download(&app, &admin, "/api/v1/exports/scans").await;
    let text = String::from_utf8(body).unwrap();
    let scans: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(scans.len(), 5, "one parent, three children, one bill_add:\n{text}");
    assert!(scans[..4].iter().all(|l| l.contains(",wasim,")), "{text}");
    assert!(
        scans[4].ends_with(",admin,,bill_add,SB70101,,'=EXP-1,added,lucknow"),
        "{}",
        scans[4]
    );
    assert!(
        scans[1].contains(",child,MX7100,SB70101,,linked,lucknow"),
        "{}",
        scans[1]
    );

    let (_, _, body) = download(&app, &admin, "/api/v1/exports/user-activity").await;
    let text = String::from_utf8(body).unwrap();
    let wasim = text.lines().find(|l| l.starts_with("wasim,")).expect("wasim's row");
    let cells: Vec<&str> = wasim.split(',').collect();
    assert_eq!(&cells[..4], ["wasim", "dispatcher", "lucknow", "true"]);
    assert_eq!(
        &cells[5..9],
        ["4", "1", "3", "0"],
        "scans, parents, children linked, unlinks"
    );
    let admin_row = text.lines().find(|l| l.starts_with("admin,")).unwrap();
    assert!(admin_row.ends_with(",1"), "one bill created: {admin_row}");
}

#[actix_web::test]
async fn xlsx_exports_are_real_workbooks_with_typed_cells() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    assert!(app.scan_parent(&admin, "SB70201").await.status.is_success());
    assert!(app.scan_child(&admin, "SB70201", "MX7200").await.status.is_success());

    let (status, kind, body) = download(&app, &admin, "/api/v1/exports/bags?format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        kind,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let mut book = Xlsx::new(Cursor::new(body)).expect("an xlsx file");
    let sheet = book.worksheet_range("bags").expect("sheet named bags");
    assert_eq!(sheet.height(), 3, "header and two bags");
    assert_eq!(sheet.get((0, 0)), Some(&Data::String("qr_id".into())));
    assert_eq!(sheet.get((1, 0)), Some(&Data::String("SB70201".into())));
    assert_eq!(sheet.get((1, 4)), Some(&Data::Float(1.0)), "child_count is a number");
    assert!(
        matches!(sheet.get((1, 11)), Some(Data::DateTime(_))),
        "created_at is a date"
    );
}

#[actix_web::test]
async fn exports_refuse_other_roles_bad_kinds_and_bad_parameters() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, biller) = app.user(&admin, "bina", "biller", None).await;
    assert_eq!(
        app.get("/api/v1/exports/bags", &biller).await.status,
        StatusCode::FORBIDDEN
    );
    let r = app.get("/api/v1/exports/passwords", &admin).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    for bad in [
        "format=pdf",
        "from=yesterday",
        "from=2026-02-02T00:00:00Z&to=2026-01-01T00:00:00Z",
    ] {
        let r = app.get(&format!("/api/v1/exports/scans?{bad}"), &admin).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {:?}", r.body);
        assert!(r
            .header("content-type")
            .unwrap()
            .starts_with("application/problem+json"));
    }
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'export.create'"),
        0,
        "refused exports are not audited"
    );
}
