//! Imports (admin): CSV and XLSX files applied by a background job with progress,
//! row errors, and the same invariants as scanning.

use std::time::Duration;
use tracetrack_api_types::ErrorCode;

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::Value;
use tracetrack_test_utils::{code_of, spawn_app, spawn_app_with, TestApp};

use crate::concurrency::assert_counters_match_rows;

/// Uploads `bytes` as `filename` with the given extra form fields.
pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    filename: &str,
    bytes: Vec<u8>,
    fields: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut form = Form::new().part("file", Part::bytes(bytes).file_name(filename.to_string()));
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let res = app
        .client
        .post(format!("{}/api/v1/imports", app.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Uploads and waits for the job to finish; returns its detail.
pub(crate) async fn import(
    app: &TestApp,
    token: &str,
    filename: &str,
    bytes: Vec<u8>,
    fields: &[(&str, &str)],
) -> Value {
    let (status, job) = upload(app, token, filename, bytes, fields).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job:?}");
    finished(app, token, &job).await
}

/// Waits (up to 30 s) for a started job to finish; returns its detail.
pub(crate) async fn finished(app: &TestApp, token: &str, job: &Value) -> Value {
    let id = job["id"].as_i64().expect("a job");
    for _ in 0..600 {
        let r = app.get(&format!("/api/v1/imports/{id}"), token).await;
        if !r.body["finished_at"].is_null() {
            return r.body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("import {id} did not finish");
}

pub(crate) fn row_errors(detail: &Value) -> Vec<(i64, ErrorCode)> {
    detail["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_i64().unwrap(), code_of(e)))
        .collect()
}

const BAGS: &str = "qr_id,role,parent_qr_id
SB80001,parent,
mx8000,child,SB80001
MX8001,child,SB80001
,,
MX8099,child,
";

#[actix_web::test]
async fn a_bags_file_links_children_and_keeps_counters_and_history() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let d = import(&app, &admin, "bags.csv", BAGS.into(), &[]).await;
    assert_eq!(d["status"], "succeeded", "{d:?}");
    assert_eq!(
        (d["kind"].as_str(), d["mode"].as_str()),
        (Some("bags"), Some("all_or_nothing"))
    );
    assert_eq!(
        (
            d["total_rows"].as_i64(),
            d["processed_rows"].as_i64(),
            d["applied_rows"].as_i64(),
            d["error_rows"].as_i64()
        ),
        (Some(5), Some(5), Some(4), Some(0)),
        "the blank row is processed but changes nothing"
    );
    assert_eq!(d["percent"], 100);
    let bag = app.get("/api/v1/bags/SB80001", &admin).await.body;
    assert_eq!(bag["bag"]["child_count"], 2);
    let loose = app.get("/api/v1/bags/MX8099", &admin).await.body;
    assert_eq!(
        (loose["bag"]["status"].as_str(), loose["parent"].is_null()),
        (Some("unlinked"), true)
    );
    let id = d["id"].as_i64().unwrap();
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM scan_event WHERE station_id = 'import-{id}'"
        )),
        3,
        "one event per parent created and child linked"
    );
    assert_counters_match_rows(&app, &admin).await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_log WHERE entity_type = 'import' AND action IN ('import.create', 'import.finish')"),
        2
    );
    let notes = app.get("/api/v1/notifications", &admin).await.body;
    assert_eq!(notes["items"][0]["title"], "Import finished");
    assert_eq!(notes["items"][0]["link"], format!("/admin/imports/{id}"));

    // The same file again changes nothing and still succeeds (rows already so).
    let again = import(&app, &admin, "bags.csv", BAGS.into(), &[]).await;
    assert_eq!(
        (again["status"].as_str(), again["error_rows"].as_i64()),
        (Some("succeeded"), Some(0))
    );
    assert_eq!(
        app.get("/api/v1/bags/SB80001", &admin).await.body["bag"]["child_count"],
        2
    );

    let list = app.get("/api/v1/imports?limit=1", &admin).await.body;
    assert_eq!(list["items"][0]["id"], again["id"]);
    assert!(list["next_cursor"].is_string());
}

const MIXED: &str = "qr_id,role,parent_qr_id
SB80101,parent,
MX8100,child,SB80101
MX8101,child,SB99999
SB80101,child,
MX8102,grandchild,
!!,parent,
";

#[actix_web::test]
async fn all_or_nothing_rolls_every_row_back_and_lists_each_error() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let d = import(&app, &admin, "mixed.csv", MIXED.into(), &[("mode", "all_or_nothing")]).await;
    assert_eq!(d["status"], "failed");
    assert_eq!(
        (d["applied_rows"].as_i64(), d["error_rows"].as_i64()),
        (Some(0), Some(4))
    );
    let errors = row_errors(&d);
    assert_eq!(
        errors.iter().map(|e| e.0).collect::<Vec<_>>(),
        vec![4, 5, 6, 7],
        "spreadsheet row numbers, header = row 1: {errors:?}"
    );
    assert_eq!(errors[0].1, ErrorCode::BagNotFound);
    assert_eq!(errors[1].1, ErrorCode::WrongRole);
    assert_eq!(errors[2].1, ErrorCode::InvalidRow);
    assert_eq!(app.count("SELECT count(*) AS n FROM bag"), 0, "nothing was kept");
    assert!(d["message"].as_str().unwrap().contains("nothing was imported"));
    assert_counters_match_rows(&app, &admin).await;
}

#[actix_web::test]
async fn best_effort_keeps_the_good_rows() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let d = import(&app, &admin, "mixed.csv", MIXED.into(), &[("mode", "best_effort")]).await;
    assert_eq!(d["status"], "succeeded");
    assert_eq!(
        (d["applied_rows"].as_i64(), d["error_rows"].as_i64()),
        (Some(2), Some(4))
    );
    assert_eq!(
        app.get("/api/v1/bags/SB80101", &admin).await.body["bag"]["child_count"],
        1
    );
    assert_counters_match_rows(&app, &admin).await;
}

/// An XLSX bills file with numbers typed as numbers.
fn bills_xlsx() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let rows: [(&str, &str, f64); 3] = [
        ("B-901", "Kanpur run", 3.0),
        ("B-902", "", 1.0),
        ("b-901", "again", 2.0),
    ];
    for (col, name) in ["bill_number", "description", "capacity"].iter().enumerate() {
        sheet.write_string(0, col as u16, *name).unwrap();
    }
    for (i, (number, description, capacity)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, *number).unwrap();
        sheet.write_string(r, 1, *description).unwrap();
        sheet.write_number(r, 2, *capacity).unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[actix_web::test]
async fn an_xlsx_bills_file_creates_bills_and_reports_duplicates() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let d = import(&app, &admin, "bills.xlsx", bills_xlsx(), &[("mode", "best_effort")]).await;
    assert_eq!(d["kind"], "bills");
    assert_eq!(
        (d["applied_rows"].as_i64(), d["error_rows"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(row_errors(&d), vec![(4, ErrorCode::Duplicate)]);
    let bills = app.get("/api/v1/bills?q=B-90", &admin).await.body;
    let mut got: Vec<(String, i64)> = bills["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["bill_number"].as_str().unwrap().to_string(),
                b["capacity"].as_i64().unwrap(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(got, vec![("B-901".into(), 3), ("B-902".into(), 1)]);
}

const SHEET: &str = "Batch sheet 12 Nov,
Sr. No.,QR Code
1,LABEL NO. MX8200
2,LABEL NO. MX8201
3,SB80201
4,LABEL NO. MX8202
5,SB80202
Bill No. B-777,
6,LABEL NO. MX8203
";

#[actix_web::test]
async fn a_batch_sheet_packs_each_batch_into_the_parent_below_and_bills_them() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let d = import(&app, &admin, "batch.csv", SHEET.into(), &[("mode", "best_effort")]).await;
    assert_eq!(d["kind"], "batch_sheet");
    assert_eq!(d["total_rows"], 7, "rows after the header");
    assert_eq!(
        row_errors(&d),
        vec![(9, ErrorCode::NoParent)],
        "the last child has no parent row below it"
    );
    let first = app.get("/api/v1/bags/SB80201", &admin).await.body;
    let kids: Vec<&str> = first["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["qr_id"].as_str().unwrap())
        .collect();
    assert_eq!(kids, vec!["MX8200", "MX8201"]);
    let second = app.get("/api/v1/bags/SB80202", &admin).await.body;
    assert_eq!(second["bag"]["child_count"], 1);
    assert_eq!(second["bill"]["bill_number"], "B-777");
    assert_eq!(first["bill"]["bill_number"], "B-777");
    let bills = app.get("/api/v1/bills?q=B-777", &admin).await.body;
    assert_eq!(bills["items"][0]["parent_count"], 2);
    assert_eq!(bills["items"][0]["child_count"], 3);
    assert_counters_match_rows(&app, &admin).await;
}

#[actix_web::test]
async fn bad_uploads_are_refused_before_any_job_runs() {
    let app = spawn_app_with(|c| c.max_upload_bytes = 2_000).await;
    let admin = app.admin_token().await;
    let (_, biller) = app.user(&admin, "bina", "biller", None).await;
    let (status, _) = upload(&app, &biller, "bags.csv", BAGS.into(), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    type Case = (Vec<u8>, Vec<(&'static str, &'static str)>, StatusCode, ErrorCode);
    let cases: Vec<Case> = vec![
        (
            b"a,b\n1,2\n".to_vec(),
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::BadFile,
        ),
        (
            vec![0xff, 0xfe, 0x41],
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::BadFile,
        ),
        (
            b"PK\x03\x04broken".to_vec(),
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::BadFile,
        ),
        (
            b"qr_id,role\n".to_vec(),
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::EmptyFile,
        ),
        (
            BAGS.into(),
            vec![("mode", "sometimes")],
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        ),
        (
            BAGS.into(),
            vec![("kind", "users")],
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        ),
        (
            BAGS.into(),
            vec![("kind", "bills")],
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::BadFile,
        ),
        (
            vec![b'x'; 3_000],
            vec![],
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
        ),
    ];
    for (bytes, fields, want, code) in cases {
        let (status, body) = upload(&app, &admin, "f.csv", bytes, &fields).await;
        assert_eq!((status, code_of(&body)), (want, code), "{fields:?}: {body:?}");
    }
    let r = app
        .post("/api/v1/imports", &admin, serde_json::json!({"file": "x"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "not multipart: {:?}", r.body);
    assert_eq!(app.count("SELECT count(*) AS n FROM import_job"), 0);
    assert_eq!(
        app.get("/api/v1/imports/99", &admin).await.status,
        StatusCode::NOT_FOUND
    );
}
