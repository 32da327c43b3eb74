//! A bag's detail: one answer with the first children and events, and cursors into
//! the paged lists that continue it without overlap.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::{spawn_app, TestApp};

/// Every page of `path` (a list of `{items, next_cursor}`), from `cursor` on.
async fn rest_of(app: &TestApp, token: &str, path: &str, mut cursor: Option<String>, limit: u32) -> Vec<Value> {
    let mut items = Vec::new();
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}?limit={limit}&cursor={c}"),
            None => format!("{path}?limit={limit}"),
        };
        let page = app.get(&url, token).await;
        assert_eq!(page.status, StatusCode::OK, "{url}: {:?}", page.body);
        items.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return items,
        }
    }
}

fn ids(items: &[Value], field: &str) -> Vec<String> {
    items.iter().map(|i| i[field].to_string()).collect()
}

#[actix_web::test]
async fn a_big_parent_shows_its_first_hundred_children_and_pages_the_rest() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let format = json!({"code": "BG", "name": "Big sacks", "role": "parent", "pattern": "^BG\\d{3}$",
                        "capacity": 150, "child_weight_kg": 0.5});
    let created = app.post("/api/v1/bag-formats", &admin, format).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let (_, lata) = app.user(&admin, "lata", "dispatcher", Some("lucknow")).await;
    let (_, jaya) = app.user(&admin, "jaya", "dispatcher", Some("jaipur")).await;
    assert!(app.scan_parent(&lata, "BG001").await.status.is_success());
    let linked: Vec<String> = (0..130).map(|i| format!("KC{i:04}")).collect();
    for qr in &linked {
        let r = app.scan_child(&lata, "BG001", qr).await;
        assert!(r.status.is_success(), "{qr}: {:?}", r.body);
    }

    let detail = app.get("/api/v1/bags/bg001", &lata).await.body;
    assert_eq!(detail["children_total"], 130);
    assert_eq!(detail["bag"]["child_count"], 130);
    let shown: Vec<&str> = detail["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["qr_id"].as_str().unwrap())
        .collect();
    assert_eq!(shown, linked[..100], "the first 100 in link order");
    let cursor = detail["children_next_cursor"].as_str().map(String::from);
    assert!(cursor.is_some(), "{detail}");

    let rest = rest_of(&app, &lata, "/api/v1/bags/BG001/children", cursor, 7).await;
    let rest: Vec<&str> = rest.iter().map(|c| c["qr_id"].as_str().unwrap()).collect();
    assert_eq!(rest, linked[100..], "the cursor continues where the detail stopped");
    let all = rest_of(&app, &lata, "/api/v1/bags/BG001/children", None, 200).await;
    assert_eq!(all.len(), 130);
    assert_eq!(
        ids(&all[..100], "linked_at"),
        ids(&detail["children"].as_array().unwrap()[..], "linked_at")
    );

    // A child holds none; a parent of another area is no bag to this dispatcher.
    let child = app.get("/api/v1/bags/KC0007", &lata).await.body;
    assert_eq!(
        (
            child["children_total"].as_i64(),
            child["children_next_cursor"].is_null()
        ),
        (Some(0), true)
    );
    assert_eq!(
        app.get("/api/v1/bags/KC0007/children", &lata).await.body["items"],
        json!([])
    );
    let hidden = app.get("/api/v1/bags/BG001/children", &jaya).await;
    assert_eq!(hidden.code(), ErrorCode::BagNotFound);
    assert_eq!(
        app.get("/api/v1/bags/BG999/children", &lata).await.code(),
        ErrorCode::BagNotFound
    );
    // A cursor of another list, or none at all, is refused before anything is read.
    // An events cursor; none at all; not base64; a link time no bag can have.
    let events_cursor = "aTo1";
    for bad in [
        events_cursor,
        "bm9wZQ",
        "Yzp4Onk",
        "%%%",
        "YzotMzAwMDAwMDAwMDAwMDAwMDAwOjE",
    ] {
        let r = app
            .get(&format!("/api/v1/bags/BG001/children?cursor={bad}"), &lata)
            .await;
        assert_eq!(r.code(), ErrorCode::ValidationFailed, "{bad}: {:?}", r.body);
    }
    assert_eq!(
        app.get("/api/v1/bags/BG001/children?limit=0", &lata).await.code(),
        ErrorCode::ValidationFailed
    );
}

#[actix_web::test]
async fn the_detail_shows_each_viewer_the_events_its_history_shows() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, lata) = app.user(&admin, "lata", "dispatcher", Some("lucknow")).await;
    let (_, lalit) = app.user(&admin, "lalit", "dispatcher", Some("lucknow")).await;
    let (_, jaya) = app.user(&admin, "jaya", "dispatcher", Some("jaipur")).await;
    app.scan_parent(&jaya, "SB91000").await;
    assert!(app.scan_child(&jaya, "SB91000", "MX9101").await.status.is_success());
    app.scan_parent(&lata, "SB60001").await;
    for i in 0..22 {
        assert!(app
            .scan_child(&lata, "SB60001", &format!("LK{i:04}"))
            .await
            .status
            .is_success());
    }
    // Names a Jaipur child and a Lucknow parent: filed under no area, refused, so
    // only admins and its maker see it.
    assert!(!app.scan_child(&lata, "SB60001", "MX9101").await.status.is_success());

    let mut seen = Vec::new();
    for (who, token) in [("admin", &admin), ("lata", &lata), ("lalit", &lalit)] {
        let detail = app.get("/api/v1/bags/SB60001", token).await.body;
        let events = detail["events"].as_array().unwrap();
        assert_eq!(events.len(), 20, "{who}");
        let history = rest_of(&app, token, "/api/v1/bags/SB60001/events", None, 200).await;
        assert_eq!(
            ids(events, "id"),
            ids(&history[..20], "id"),
            "{who}: the same newest 20"
        );
        let cursor = detail["events_next_cursor"].as_str().map(String::from);
        let rest = rest_of(&app, token, "/api/v1/bags/SB60001/events", cursor, 3).await;
        assert_eq!(
            ids(&rest, "id"),
            ids(&history[20..], "id"),
            "{who}: the cursor continues it"
        );
        seen.push(history.len());
    }
    assert_eq!(
        seen,
        vec![24, 24, 23],
        "admin and the maker see the refusal, lalit does not"
    );
    assert_eq!(
        app.get("/api/v1/bags/SB60001", &jaya).await.code(),
        ErrorCode::BagNotFound
    );
}

#[actix_web::test]
async fn a_dispatcher_sees_no_parent_or_child_of_another_area_through_a_shared_bag() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, lata) = app.user(&admin, "lata", "dispatcher", Some("lucknow")).await;
    let (_, jaya) = app.user(&admin, "jaya", "dispatcher", Some("jaipur")).await;
    // A child of no area in a Lucknow parent.
    let shared_child = app.post("/api/v1/bags", &admin, json!({"qr_id": "NA00001"})).await;
    assert_eq!(shared_child.status, StatusCode::CREATED, "{:?}", shared_child.body);
    app.scan_parent(&lata, "SB80001").await;
    let r = app.scan_child(&lata, "SB80001", "NA00001").await;
    assert!(r.status.is_success(), "{:?}", r.body);
    // A parent of no area holding a child of no area and a Lucknow child.
    assert_eq!(
        app.post("/api/v1/bags", &admin, json!({"qr_id": "SB80002"}))
            .await
            .status,
        StatusCode::CREATED
    );
    let r = app.scan_child(&admin, "SB80002", "NA00002").await;
    assert!(r.status.is_success(), "{:?}", r.body);
    assert_eq!(
        app.post("/api/v1/bags", &lata, json!({"qr_id": "LK00001"}))
            .await
            .status,
        StatusCode::CREATED
    );
    let r = app.scan_child(&lata, "SB80002", "LK00001").await;
    assert!(r.status.is_success(), "{:?}", r.body);

    let child = app.get("/api/v1/bags/NA00001", &jaya).await;
    assert_eq!(child.status, StatusCode::OK);
    assert!(
        child.body["parent"].is_null(),
        "Jaipur learns nothing of the Lucknow parent: {}",
        child.body
    );
    assert_eq!(
        app.get("/api/v1/bags/NA00001", &lata).await.body["parent"]["qr_id"],
        "SB80001"
    );

    let parent = app.get("/api/v1/bags/SB80002", &jaya).await.body;
    assert_eq!(parent["children"].as_array().unwrap().len(), 1, "{parent}");
    assert_eq!(parent["children"][0]["qr_id"], "NA00002");
    assert_eq!(parent["children_total"], 1);
    let listed = rest_of(&app, &jaya, "/api/v1/bags/SB80002/children", None, 50).await;
    assert_eq!(ids(&listed, "qr_id"), vec!["\"NA00002\""]);
    let full = app.get("/api/v1/bags/SB80002", &lata).await.body;
    assert_eq!(
        (full["children_total"].as_i64(), full["bag"]["child_count"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(
        rest_of(&app, &admin, "/api/v1/bags/SB80002/children", None, 1)
            .await
            .len(),
        2
    );
}

#[actix_web::test]
async fn children_linked_in_the_same_instant_page_once_each_by_child_id() {
    // An import links a whole batch in one statement: one linked_at for all of them.
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    assert!(app.scan_parent(&admin, "SB81001").await.status.is_success());
    let linked: Vec<String> = (0..9).map(|i| format!("TI{i:04}")).collect();
    for qr in &linked {
        assert!(app.scan_child(&admin, "SB81001", qr).await.status.is_success());
    }
    app.exec("UPDATE bag_link SET linked_at = '2026-12-07T10:00:00.123456Z'");
    for limit in [1, 2, 4] {
        let all = rest_of(&app, &admin, "/api/v1/bags/SB81001/children", None, limit).await;
        let got: Vec<&str> = all.iter().map(|c| c["qr_id"].as_str().unwrap()).collect();
        assert_eq!(got, linked, "pages of {limit}: each child once, in id order");
    }
    let detail = app.get("/api/v1/bags/SB81001", &admin).await.body;
    assert_eq!(detail["children"].as_array().unwrap().len(), 9);
}
