use reqwest::StatusCode;
use serde_json::Value;
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::spawn_app;

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["qr_id"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn cursor_pages_cover_everything_once_newest_first() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    for i in 0..7 {
        app.scan_parent(&t, &format!("SB6000{i}")).await;
    }
    let first = app.get("/api/v1/bags?limit=3", &t).await.body;
    assert_eq!(ids(&first), ["SB60006", "SB60005", "SB60004"]);
    let c = first["next_cursor"].as_str().unwrap();
    let second = app.get(&format!("/api/v1/bags?limit=3&cursor={c}"), &t).await.body;
    assert_eq!(ids(&second), ["SB60003", "SB60002", "SB60001"]);
    let c = second["next_cursor"].as_str().unwrap();
    let last = app.get(&format!("/api/v1/bags?limit=3&cursor={c}"), &t).await.body;
    assert_eq!(ids(&last), ["SB60000"]);
    assert!(last["next_cursor"].is_null());
}

#[actix_web::test]
async fn prefix_search_is_case_insensitive_and_ordered_by_id() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    for qr in ["SB70002", "SB71000", "SB70001", "M444-70001"] {
        app.scan_parent(&t, qr).await;
    }
    let page = app.get("/api/v1/bags?q=sb70&limit=1", &t).await.body;
    assert_eq!(ids(&page), ["SB70001"]);
    let c = page["next_cursor"].as_str().unwrap();
    let next = app
        .get(&format!("/api/v1/bags?q=sb70&limit=1&cursor={c}"), &t)
        .await
        .body;
    assert_eq!(ids(&next), ["SB70002"]);
    assert!(next["next_cursor"].is_null(), "the last page has no cursor");
    let all_sb = app.get("/api/v1/bags?q=SB7", &t).await.body;
    assert_eq!(ids(&all_sb), ["SB70001", "SB70002", "SB71000"]);
}

#[actix_web::test]
async fn filters_narrow_the_lists() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    app.scan_parent(&t, "SB80001").await;
    app.scan_child(&t, "SB80001", "S00001").await;
    app.post("/api/v1/bags", &t, serde_json::json!({"qr_id": "S00002"}))
        .await;
    assert_eq!(
        ids(&app.get("/api/v1/bags?role=child&linked=true", &t).await.body),
        ["S00001"]
    );
    assert_eq!(
        ids(&app.get("/api/v1/bags?role=child&linked=false", &t).await.body),
        ["S00002"]
    );
    assert_eq!(ids(&app.get("/api/v1/bags?status=open", &t).await.body), ["SB80001"]);
    assert_eq!(
        ids(&app.get("/api/v1/bags?billed=true", &t).await.body),
        Vec::<String>::new()
    );
    let events = app.get("/api/v1/scans?kind=child&qr_id=s00001", &t).await.body;
    assert_eq!(events["items"].as_array().unwrap().len(), 1);
    let future = app.get("/api/v1/scans?from=2999-01-01T00:00:00Z", &t).await.body;
    assert!(future["items"].as_array().unwrap().is_empty());
    let bills = app.get("/api/v1/bills?status=new", &t).await;
    assert_eq!(bills.status, StatusCode::OK);
}

#[actix_web::test]
async fn bad_paging_and_filters_are_field_problems() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    for (path, param) in [
        ("/api/v1/bags?limit=0", "limit"),
        ("/api/v1/bags?limit=201", "limit"),
        ("/api/v1/bags?cursor=garbage", "cursor"),
        ("/api/v1/bags?role=box", "role"),
        ("/api/v1/scans?kind=dance", "kind"),
        ("/api/v1/scans?from=yesterday", "from"),
        ("/api/v1/bills?status=lost", "status"),
        ("/api/v1/audit-log?limit=-1", "limit"),
    ] {
        let r = app.get(path, &t).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(r.code(), ErrorCode::ValidationFailed);
        assert_eq!(r.body["errors"][0]["parameter"], param, "{path}");
    }
    let typed = app.get("/api/v1/bags?limit=lots", &t).await;
    assert_eq!(typed.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn stats_count_exactly_before_and_after_folding_and_by_area() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    app.scan_parent(&t, "SB90001").await;
    app.scan_child(&t, "SB90001", "T00001").await;
    app.scan_child(&t, "SB90001", "T00002").await;
    app.post("/api/v1/scans/unlink", &t, serde_json::json!({"qr_id": "T00002"}))
        .await;
    let bill = app
        .post(
            "/api/v1/bills",
            &t,
            serde_json::json!({"bill_number": "S-1", "capacity": 1}),
        )
        .await;
    app.post(
        "/api/v1/bills",
        &t,
        serde_json::json!({"bill_number": "S-2", "capacity": 1}),
    )
    .await;
    let (_, akola) = app.user(&t, "asha", "dispatcher", Some("akola")).await;
    app.scan_parent(&akola, "SB90002").await;
    app.scan_parent(&akola, "T00009").await; // refused (a child id): still a scan
    let expect = |s: &serde_json::Value, what: &str| {
        assert_eq!(
            (s["parents"].as_i64(), s["children"].as_i64(), s["links"].as_i64()),
            (Some(2), Some(2), Some(1)),
            "{what}"
        );
        assert_eq!(s["bills_by_status"]["new"], 2, "{what}");
        assert_eq!(s["bills"], 2, "{what}");
        assert_eq!(s["scans_today"], 6, "{what}");
        assert_eq!(s["scans_last_hour"], 6, "{what}");
        assert_eq!(s["active_users_last_hour"], 2, "{what}");
        let hours = s["scans_by_hour"].as_array().unwrap();
        let by_hour: i64 = hours.iter().map(|h| h["scans"].as_i64().unwrap()).sum();
        assert_eq!(by_hour, 6, "{what}: the hours add up to today");
    };
    let before = app.get("/api/v1/stats", &t).await.body;
    expect(&before, "unfolded");
    assert!(app.fold_counters() > 0);
    assert_eq!(app.count("SELECT count(*) AS n FROM stat_delta"), 0);
    assert_eq!(app.count("SELECT count(*) AS n FROM scan_tally"), 0);
    expect(&app.get("/api/v1/stats", &t).await.body, "folded");
    // Half folded: a bill moves on, a scan arrives, then only some are folded.
    let id = bill.body["id"].as_i64().unwrap();
    let added = app
        .post(
            &format!("/api/v1/bills/{id}/parents"),
            &t,
            serde_json::json!({"qr_id": "SB90001"}),
        )
        .await;
    assert!(added.status.is_success(), "{:?}", added.body);
    app.exec("UPDATE stat_delta SET parents = parents"); // the deltas are rows, not a snapshot
    let s = app.get("/api/v1/stats", &t).await.body;
    assert_eq!(
        (
            s["bills_by_status"]["new"].as_i64(),
            s["bills_by_status"]["processing"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(s["scans_today"], 7, "the bill scan counts");
    app.fold_counters();
    let s = app.get("/api/v1/stats", &t).await.body;
    assert_eq!(
        (
            s["bills_by_status"]["new"].as_i64(),
            s["bills_by_status"]["processing"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(s["scans_today"], 7);
    // A dispatcher counts the scans of their area and of bags of no area.
    let of = |area: &str| {
        app.count(&format!(
            "SELECT count(*) AS n FROM scan_event WHERE dispatch_area = '{area}' OR dispatch_area IS NULL"
        ))
    };
    assert!(of("akola") > of("raipur"), "akola has a scan of its own");
    let mine = app.get("/api/v1/stats", &akola).await.body;
    assert_eq!(mine["scans_today"], of("akola"));
    let (_, raipur) = app.user(&t, "jai", "dispatcher", Some("raipur")).await;
    let theirs = app.get("/api/v1/stats", &raipur).await.body;
    assert_eq!(theirs["scans_today"], of("raipur"));
    assert_eq!(theirs["parents"], 2, "bag counts are the warehouse's");
    // Yesterday's scans are not today's.
    app.exec("UPDATE scan_minute SET minute = minute - interval '2 days'");
    let s = app.get("/api/v1/stats", &t).await.body;
    assert_eq!(
        (s["scans_today"].as_i64(), s["scans_last_hour"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(s["scans_by_hour"], serde_json::json!([]));
}
