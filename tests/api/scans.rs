use reqwest::{Method, StatusCode};
use serde_json::json;
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::code_of;
use tracetrack_test_utils::spawn_app;

#[actix_web::test]
async fn parent_scan_creates_then_finds() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let r = app.scan_parent(&t, " sb00042\u{200B}").await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["outcome"], "created");
    let p = &r.body["parent"];
    assert_eq!(
        (p["qr_id"].as_str(), p["capacity"].as_i64(), p["remaining"].as_i64()),
        (Some("SB00042"), Some(30), Some(30))
    );
    assert_eq!(p["format_code"], "SB");
    let again = app.scan_parent(&t, "SB00042").await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["outcome"], "existing");
    let m = app.scan_parent(&t, "m444-00017").await;
    assert_eq!(m.body["parent"]["capacity"], 15);
}

#[actix_web::test]
async fn bad_ids_are_rejected_with_the_rule_and_formats() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let short = app.scan_parent(&t, "ab").await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert_eq!(short.code(), ErrorCode::InvalidQrId);
    assert!(short.body["detail"].as_str().unwrap().contains("at least 4"));
    assert_eq!(short.body["accepted_formats"].as_array().unwrap().len(), 3);
    let odd = app.scan_parent(&t, "SB-00042!").await;
    assert_eq!(odd.code(), ErrorCode::InvalidQrId);
    let child_as_parent = app.scan_parent(&t, "0016586").await;
    assert_eq!(child_as_parent.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(child_as_parent.code(), ErrorCode::WrongRole);
    // Every attempt is an event, errors included.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM scan_event WHERE outcome IN ('invalid_qr_id', 'wrong_role')"),
        3
    );
}

#[actix_web::test]
async fn child_scan_outcomes_follow_the_rules() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    app.scan_parent(&t, "SB00001").await;
    app.scan_parent(&t, "SB00002").await;
    let linked = app
        .scan_child(&t, "SB00001", "LABEL NO.:0016586 LOT NO.:STAR44GG24611")
        .await;
    assert_eq!(linked.status, StatusCode::CREATED);
    assert_eq!(linked.body["outcome"], "linked");
    assert_eq!(linked.body["child"]["qr_id"], "0016586");
    assert_eq!(linked.body["parent"]["child_count"], 1);
    assert_eq!(linked.body["parent"]["weight_kg"], 1.0);
    let again = app.scan_child(&t, "SB00001", "0016586").await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["outcome"], "already_linked");
    assert_eq!(again.body["parent"]["child_count"], 1);
    let elsewhere = app.scan_child(&t, "SB00002", "0016586").await;
    assert_eq!(elsewhere.status, StatusCode::CONFLICT);
    assert_eq!(elsewhere.code(), ErrorCode::LinkedElsewhere);
    assert_eq!(elsewhere.body["parent_qr_id"], "SB00001");
    assert!(elsewhere.body["detail"]
        .as_str()
        .unwrap()
        .contains("already belongs to SB00001"));
    let parent_as_child = app.scan_child(&t, "SB00001", "SB00002").await;
    assert_eq!(parent_as_child.code(), ErrorCode::WrongRole);
    let into_itself = app.scan_child(&t, "SB00001", "SB00001").await;
    assert_eq!(into_itself.code(), ErrorCode::WrongRole);
    let no_parent = app.scan_child(&t, "SB09999", "0016587").await;
    assert_eq!(no_parent.status, StatusCode::NOT_FOUND);
    assert_eq!(no_parent.code(), ErrorCode::BagNotFound);
    let child_as_parent = app.scan_child(&t, "0016586", "0016587").await;
    assert_eq!(child_as_parent.code(), ErrorCode::WrongRole);
}

#[actix_web::test]
async fn full_and_sealed_parents_refuse_children_but_already_linked_wins() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    app.scan_parent(&t, "M444-00001").await;
    for i in 0..15 {
        let r = app.scan_child(&t, "M444-00001", &format!("C{i:05}")).await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let bag = app.get("/api/v1/bags/M444-00001", &t).await;
    assert_eq!(bag.body["bag"]["status"], "filled");
    let full = app.scan_child(&t, "M444-00001", "C99999").await;
    assert_eq!(full.code(), ErrorCode::ParentFull);
    assert_eq!(
        app.scan_child(&t, "M444-00001", "C00003").await.body["outcome"],
        "already_linked"
    );
    app.scan_parent(&t, "SB00005").await;
    app.scan_child(&t, "SB00005", "D00001").await;
    let short = app.post("/api/v1/bags/SB00005/seal", &t, json!({})).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(short.body["errors"][0]["pointer"], "/reason");
    let sealed = app
        .post(
            "/api/v1/bags/SB00005/seal",
            &t,
            json!({"reason": "last sack of the lot"}),
        )
        .await;
    assert_eq!(sealed.status, StatusCode::OK);
    assert_eq!(sealed.body["parent"]["status"], "sealed");
    assert_eq!(
        app.post("/api/v1/bags/SB00005/seal", &t, json!({})).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.scan_child(&t, "SB00005", "D00002").await.code(),
        ErrorCode::ParentSealed
    );
    assert_eq!(
        app.scan_child(&t, "SB00005", "D00001").await.body["outcome"],
        "already_linked"
    );
    assert_eq!(
        app.post("/api/v1/scans/unlink", &t, json!({"qr_id": "D00001"}))
            .await
            .code(),
        ErrorCode::ParentSealed
    );
    let unsealed = app.post("/api/v1/bags/SB00005/unseal", &t, json!({})).await;
    assert_eq!(unsealed.body["parent"]["status"], "open");
    assert_eq!(
        app.scan_child(&t, "SB00005", "D00002").await.status,
        StatusCode::CREATED
    );
}

#[actix_web::test]
async fn unlink_keeps_both_bags_and_their_history() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    app.scan_parent(&t, "M444-00002").await;
    for i in 0..15 {
        app.scan_child(&t, "M444-00002", &format!("E{i:05}")).await;
    }
    let r = app.post("/api/v1/scans/unlink", &t, json!({"qr_id": "e00007"})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["parent"]["child_count"], 14);
    assert_eq!(r.body["parent"]["status"], "open", "a filled parent returns to open");
    let child = app.get("/api/v1/bags/E00007", &t).await;
    assert_eq!(child.status, StatusCode::OK);
    assert_eq!(child.body["bag"]["status"], "unlinked");
    assert!(child.body["parent"].is_null());
    let kinds: Vec<&str> = child.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["unlink", "child"]);
    let again = app.post("/api/v1/scans/unlink", &t, json!({"qr_id": "E00007"})).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(again.code(), ErrorCode::NotLinked);
    assert_eq!(app.count("SELECT count(*) AS n FROM bag"), 16);
}

#[actix_web::test]
async fn undo_unlinks_the_callers_last_link_within_the_window() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let nothing = app.post("/api/v1/scans/undo", &t, json!({})).await;
    assert_eq!(nothing.code(), ErrorCode::NothingToUndo);
    app.scan_parent(&t, "SB00010").await;
    app.scan_child(&t, "SB00010", "F00001").await;
    app.scan_child(&t, "SB00010", "F00002").await;
    let r = app.call(Method::POST, "/api/v1/scans/undo", Some(&t), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["unlinked_qr_id"], "F00002");
    assert_eq!(r.body["parent"]["child_count"], 1);
    app.exec("UPDATE bag_link SET linked_at = now() - interval '61 minutes'");
    assert_eq!(
        app.post("/api/v1/scans/undo", &t, json!({})).await.code(),
        ErrorCode::NothingToUndo
    );
}

#[actix_web::test]
async fn idempotency_key_replays_the_first_answer() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    app.scan_parent(&t, "SB00020").await;
    let body = json!({"parent_qr_id": "SB00020", "qr_id": "G00001"});
    let key = [("Idempotency-Key", "scan-1"), ("X-Station-Id", "dock-3")];
    let first = app
        .send(Method::POST, "/api/v1/scans/child", Some(&t), Some(body.clone()), &key)
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert!(first.header("idempotent-replayed").is_none());
    app.scan_child(&t, "SB00020", "G00002").await;
    let replay = app
        .send(Method::POST, "/api/v1/scans/child", Some(&t), Some(body.clone()), &key)
        .await;
    assert_eq!(replay.status, StatusCode::CREATED);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.body, first.body, "the first answer, not today's count");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM scan_event WHERE idempotency_key = 'scan-1'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM scan_event WHERE station_id = 'dock-3'"),
        1
    );
    let other = app
        .send(
            Method::POST,
            "/api/v1/scans/child",
            Some(&t),
            Some(json!({"parent_qr_id": "SB00020", "qr_id": "G00003"})),
            &key,
        )
        .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.code(), ErrorCode::IdempotencyKeyReused);
    // Errors are remembered too.
    let k2 = [("Idempotency-Key", "scan-2")];
    let missing = app
        .send(
            Method::POST,
            "/api/v1/scans/child",
            Some(&t),
            Some(json!({"parent_qr_id": "SB09999", "qr_id": "G00009"})),
            &k2,
        )
        .await;
    assert_eq!(missing.code(), ErrorCode::BagNotFound);
    app.scan_parent(&t, "SB09999").await;
    let again = app
        .send(
            Method::POST,
            "/api/v1/scans/child",
            Some(&t),
            Some(json!({"parent_qr_id": "SB09999", "qr_id": "G00009"})),
            &k2,
        )
        .await;
    assert_eq!(again.code(), ErrorCode::BagNotFound);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let long = "k".repeat(256);
    let too_long = app
        .send(
            Method::POST,
            "/api/v1/scans/parent",
            Some(&t),
            Some(json!({"qr_id": "SB00021"})),
            &[("Idempotency-Key", &long)],
        )
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(too_long.body["errors"][0]["header"], "Idempotency-Key");
}

#[actix_web::test]
async fn batch_applies_in_order_and_a_replay_changes_nothing() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    // One scan first sent on its own, then again inside the batch.
    let single = app
        .send(
            Method::POST,
            "/api/v1/scans/parent",
            Some(&t),
            Some(json!({"qr_id": "SB00030"})),
            &[("Idempotency-Key", "q-0")],
        )
        .await;
    assert_eq!(single.status, StatusCode::CREATED);
    let events = json!({"events": [
        {"kind": "parent", "qr_id": "SB00030", "idempotency_key": "q-0"},
        {"kind": "child", "parent_qr_id": "SB00030", "qr_id": "H00001", "idempotency_key": "q-1"},
        {"kind": "child", "parent_qr_id": "SB00030", "qr_id": "H00002", "idempotency_key": "q-2"},
        {"kind": "child", "parent_qr_id": "SB00030", "qr_id": "SB00031", "idempotency_key": "q-3"},
        {"kind": "unlink", "qr_id": "H00001", "idempotency_key": "q-4"}
    ]});
    let r = app.post("/api/v1/scans/batch", &t, events.clone()).await;
    assert_eq!(r.status, StatusCode::OK);
    let results = r.body["results"].as_array().unwrap();
    let statuses: Vec<i64> = results.iter().map(|x| x["status"].as_i64().unwrap()).collect();
    assert_eq!(statuses, [201, 201, 201, 422, 200]);
    assert_eq!(results[0]["body"], single.body, "recognised as the same scan");
    assert_eq!(code_of(&results[3]["body"]), ErrorCode::WrongRole);
    assert_eq!(results[4]["body"]["parent"]["child_count"], 1);
    let events_before = app.count("SELECT count(*) AS n FROM scan_event");
    let replay = app.post("/api/v1/scans/batch", &t, events).await;
    for (again, first) in replay.body["results"].as_array().unwrap().iter().zip(results) {
        assert_eq!((&again["status"], &again["body"]), (&first["status"], &first["body"]));
        assert_eq!(again["replayed"], true);
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM scan_event"), events_before);
    assert_eq!(app.count("SELECT count(*) AS n FROM bag_link"), 1);
    let too_many: Vec<_> = (0..501)
        .map(|i| json!({"kind": "parent", "qr_id": "SB00040", "idempotency_key": format!("x{i}")}))
        .collect();
    let big = app.post("/api/v1/scans/batch", &t, json!({"events": too_many})).await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
    let bad_kind = app
        .post(
            "/api/v1/scans/batch",
            &t,
            json!({"events": [{"kind": "seal", "qr_id": "SB00040", "idempotency_key": "y"}]}),
        )
        .await;
    assert_eq!(bad_kind.status, StatusCode::OK, "one bad event does not fail the batch");
    assert_eq!(bad_kind.body["results"][0]["status"], 422);
    assert_eq!(bad_kind.body["results"][0]["body"]["errors"][0]["pointer"], "/kind");
}

#[actix_web::test]
async fn dispatchers_see_their_area_only() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (luck_id, luck) = app.user(&admin, "d-lucknow", "dispatcher", Some("lucknow")).await;
    let (_, jaipur) = app.user(&admin, "d-jaipur", "dispatcher", Some("jaipur")).await;
    let (_, none) = app.user(&admin, "d-none", "dispatcher", None).await;
    let created = app.scan_parent(&luck, "SB00050").await;
    assert_eq!(created.body["parent"]["dispatch_area"], "lucknow");
    app.scan_child(&luck, "SB00050", "J00001").await;
    assert_eq!(
        app.get("/api/v1/bags/SB00050", &jaipur).await.code(),
        ErrorCode::BagNotFound
    );
    assert_eq!(
        app.scan_child(&jaipur, "SB00050", "J00002").await.code(),
        ErrorCode::BagNotFound
    );
    assert_eq!(app.scan_parent(&jaipur, "SB00050").await.code(), ErrorCode::OtherArea);
    app.scan_parent(&jaipur, "SB00051").await;
    let elsewhere = app.scan_child(&jaipur, "SB00051", "J00001").await;
    assert_eq!(elsewhere.code(), ErrorCode::LinkedElsewhere);
    assert!(
        elsewhere.body.get("parent_qr_id").is_none(),
        "another area's parent is not named"
    );
    // Bags created by admins have no area and are visible to every dispatcher.
    app.scan_parent(&admin, "SB00052").await;
    assert_eq!(app.get("/api/v1/bags/SB00052", &jaipur).await.status, StatusCode::OK);
    let list = app.get("/api/v1/bags?role=parent", &jaipur).await;
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["qr_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["SB00052", "SB00051"]);
    let events = app.get("/api/v1/scans", &jaipur).await;
    let items = events.body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items.iter().all(|e| e["user_id"] != luck_id),
        "another area's scans are hidden"
    );
    let r = app.scan_parent(&none, "SB00053").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), ErrorCode::NoDispatchArea);
}
