//! Outgoing webhooks against a receiver written here (127.0.0.1, so the apps allow
//! private addresses unless a test checks the guard): one signed message per committed
//! change and subscribed endpoint, none for a rollback, retries with the same id,
//! delivery after a restart, 410 disabling, rotation, test, replay.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::{spawn_app_with, TestApp};

use super::webhook_receiver::{Received, Receiver};

async fn hooked_app() -> TestApp {
    spawn_app_with(|c| {
        c.webhook_delivery = true;
        c.webhook_allow_private = true;
        c.webhook_retry_scale = 0.001;
        c.epcis_id_base = Some("https://tt.test/id".into());
    })
    .await
}

/// Adds an endpoint; (id, secret).
async fn endpoint(app: &TestApp, admin: &str, url: &str, types: Value) -> (i64, String) {
    let r = app
        .post("/api/v1/webhooks", admin, json!({"url": url, "event_types": types}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(
        !r.body["endpoint"].to_string().contains("whsec_"),
        "the secret only once, outside the endpoint"
    );
    (
        r.body["endpoint"]["id"].as_i64().unwrap(),
        r.body["secret"].as_str().unwrap().to_string(),
    )
}

fn types(got: &[Received]) -> Vec<String> {
    got.iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn every_committed_change_sends_one_signed_message_per_subscribed_endpoint() {
    let app = hooked_app().await;
    let admin = app.admin_token().await;
    let (all, bills) = (Receiver::start(), Receiver::start());
    let (_, all_secret) = endpoint(&app, &admin, &all.url, json!([])).await;
    let (_, bill_secret) = endpoint(&app, &admin, &bills.url, json!(["bill.created", "bill.completed"])).await;

    assert_eq!(app.scan_parent(&admin, "SB91001").await.status, StatusCode::CREATED);
    assert_eq!(
        app.scan_child(&admin, "SB91001", "K91001").await.status,
        StatusCode::CREATED
    );
    // No change, no message: a repeat and a refusal.
    assert!(app.scan_child(&admin, "SB91001", "K91001").await.status.is_success());
    assert!(app.scan_child(&admin, "SB91001", "??").await.status.is_client_error());
    let r = app
        .post("/api/v1/scans/unlink", &admin, json!({"qr_id": "K91001"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let bill = app
        .post("/api/v1/bills", &admin, json!({"bill_number": "WH-1", "capacity": 1}))
        .await;
    let bill_id = bill.body["id"].as_i64().unwrap();
    let r = app
        .post(
            &format!("/api/v1/bills/{bill_id}/parents"),
            &admin,
            json!({"qr_id": "SB91001"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let r = app
        .post(&format!("/api/v1/bills/{bill_id}/complete"), &admin, json!({}))
        .await;
    assert!(r.status.is_success(), "{}", r.body);

    let expected = [
        "bag.created",
        "link.created",
        "link.removed",
        "bill.created",
        "bill.parent_added",
        "bill.completed",
    ];
    all.wait_for("six messages", |got| got.len() >= expected.len()).await;
    let got = all.settle(Duration::from_millis(700)).await;
    assert_eq!(types(&got), expected, "one message per change, in commit order");
    let ids: HashSet<&str> = got.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), got.len(), "webhook-ids are unique");
    for r in &got {
        assert!(r.id.starts_with("msg_") && r.id.len() == 30, "{}", r.id);
        assert!(r.signed_by(&all_secret), "signature of {}", r.id);
        assert!(!r.signed_by(&bill_secret));
        assert!((chrono::Utc::now().timestamp() - r.timestamp).abs() < 60);
        let body = r.json();
        assert!(chrono::DateTime::parse_from_rfc3339(body["timestamp"].as_str().unwrap()).is_ok());
        assert!(r.body.len() < 20_000);
    }
    // Bodies as documented: thin, with the scan event and EPCIS ids where they exist.
    let link = got[1].json();
    let event_id = app.count("SELECT max(id) AS n FROM scan_event WHERE kind = 'child' AND outcome = 'linked'");
    assert_eq!(link["data"]["scan_event_id"], event_id);
    assert_eq!(link["data"]["qr_id"], "K91001");
    assert_eq!(link["data"]["parent_qr_id"], "SB91001");
    assert!(link["data"]["epcis_event_id"]
        .as_str()
        .unwrap()
        .starts_with("ni:///sha-256;"));
    // The same event in the EPCIS export carries the same id.
    let export = app.get("/api/v1/epcis/events?perPage=100", &admin).await;
    let events = export.body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        .as_array()
        .unwrap()
        .clone();
    for message in [&got[1], &got[5]] {
        let id = &message.json()["data"]["epcis_event_id"];
        assert!(events.iter().any(|e| &e["eventID"] == id), "{id} is in the export");
    }
    let completed = got[5].json();
    assert_eq!(completed["data"]["bill_id"], bill_id);
    assert_eq!(completed["data"]["bill_number"], "WH-1");
    assert_eq!(completed["data"]["parents"], json!(["SB91001"]));
    assert!(completed["data"]["epcis_event_id"].is_string());
    assert_eq!(got[4].json()["data"]["bill_number"], "WH-1");

    let only_bills = bills.wait_for("two bill messages", |got| got.len() >= 2).await;
    assert_eq!(types(&only_bills), ["bill.created", "bill.completed"]);
    assert!(only_bills.iter().all(|r| r.signed_by(&bill_secret)));
    let same: Vec<&str> = got
        .iter()
        .filter(|r| r.json()["type"] == "bill.created")
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(
        same,
        [only_bills[0].id.as_str()],
        "one message, one id, for every endpoint"
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM webhook_message"), 6);
}

#[actix_web::test]
async fn a_change_that_rolls_back_sends_nothing() {
    let app = hooked_app().await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start();
    endpoint(&app, &admin, &receiver.url, json!([])).await;
    assert_eq!(app.scan_parent(&admin, "SB92001").await.status, StatusCode::CREATED);
    receiver.wait_for("the parent", |got| got.len() == 1).await;
    // The commit itself fails, after the change and its message were written.
    app.exec(
        "CREATE FUNCTION refuse_k92() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN IF NEW.data->>'qr_id' = 'K92001' THEN RAISE EXCEPTION 'refused at commit'; END IF; RETURN NULL; END $$",
    );
    app.exec(
        "CREATE CONSTRAINT TRIGGER refuse_k92 AFTER INSERT ON webhook_message DEFERRABLE INITIALLY DEFERRED
         FOR EACH ROW EXECUTE FUNCTION refuse_k92()",
    );
    let r = app.scan_child(&admin, "SB92001", "K92001").await;
    assert!(r.status.is_server_error(), "{} {}", r.status, r.body);
    assert_eq!(app.count("SELECT count(*) AS n FROM bag WHERE qr_id = 'K92001'"), 0);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM webhook_message WHERE data->>'qr_id' = 'K92001'"),
        0
    );
    assert_eq!(
        app.scan_child(&admin, "SB92001", "K92002").await.status,
        StatusCode::CREATED
    );
    receiver.wait_for("the next change", |got| got.len() == 2).await;
    let got = receiver.settle(Duration::from_millis(500)).await;
    assert_eq!(types(&got), ["bag.created", "link.created"]);
    assert_eq!(got[1].json()["data"]["qr_id"], "K92002");
}

#[actix_web::test]
async fn a_failing_receiver_gets_the_same_message_again_on_schedule() {
    let app = hooked_app().await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start();
    receiver.script(&[(500, None), (302, None), (429, Some(1))]);
    let (id, secret) = endpoint(&app, &admin, &receiver.url, json!([])).await;
    app.scan_parent(&admin, "SB93001").await;
    let got = receiver.wait_for("four attempts", |got| got.len() >= 4).await;
    assert!(
        got.iter().all(|r| r.id == got[0].id),
        "the same webhook-id on every attempt"
    );
    assert!(got.iter().all(|r| r.signed_by(&secret)));
    assert!(
        got[3].at - got[2].at >= Duration::from_millis(950),
        "Retry-After: 1 was honoured"
    );
    assert!(
        got[3].timestamp >= got[0].timestamp,
        "each attempt is signed at its own time"
    );
    let log = app.get(&format!("/api/v1/webhooks/{id}/deliveries"), &admin).await;
    let delivery = &log.body["items"][0];
    assert_eq!(delivery["status"], "succeeded");
    assert_eq!(delivery["attempts"], 4);
    assert_eq!(delivery["response_status"], 200);
    assert_eq!(delivery["message_id"], got[0].id.as_str());
    let endpoint = app.get(&format!("/api/v1/webhooks/{id}"), &admin).await;
    assert!(
        endpoint.body["failing_since"].is_null(),
        "a success ends the failure run"
    );
}

#[actix_web::test]
async fn a_message_committed_before_a_crash_is_delivered_after_the_restart() {
    let first = spawn_app_with(|c| {
        c.webhook_allow_private = true;
        c.webhook_delivery = false;
    })
    .await;
    let admin = first.admin_token().await;
    let receiver = Receiver::start();
    endpoint(&first, &admin, &receiver.url, json!([])).await;
    assert_eq!(first.scan_parent(&admin, "SB94001").await.status, StatusCode::CREATED);
    first.stop_serving().await;
    assert!(receiver.settle(Duration::from_millis(500)).await.is_empty());
    let second = first.twin_with(|c| c.webhook_delivery = true);
    let got = receiver.wait_for("the message", |got| !got.is_empty()).await;
    assert_eq!(got[0].json()["data"]["qr_id"], "SB94001");
    drop(second);
}

#[actix_web::test]
async fn gone_disables_the_endpoint_and_tells_the_admins() {
    let app = hooked_app().await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start();
    receiver.script(&[(410, None)]);
    let (id, _) = endpoint(&app, &admin, &receiver.url, json!([])).await;
    app.scan_parent(&admin, "SB95001").await;
    receiver.wait_for("the attempt", |got| got.len() == 1).await;
    let path = format!("/api/v1/webhooks/{id}");
    let mut disabled = Value::Null;
    for _ in 0..100 {
        disabled = app.get(&path, &admin).await.body;
        if disabled["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(disabled["enabled"], false);
    assert!(disabled["disabled_reason"].as_str().unwrap().contains("410"));
    let notes = app.get("/api/v1/notifications", &admin).await;
    assert!(
        notes.body.to_string().contains("Webhook endpoint disabled"),
        "{}",
        notes.body
    );
    let failed = app.get(&format!("{path}/deliveries?status=failed"), &admin).await;
    assert_eq!(failed.body["items"][0]["response_status"], 410);
    // Nothing more goes out until an admin enables it again.
    app.scan_parent(&admin, "SB95002").await;
    assert_eq!(receiver.settle(Duration::from_millis(700)).await.len(), 1);
    let r = app
        .call(Method::PATCH, &path, Some(&admin), Some(json!({"enabled": true})))
        .await;
    assert_eq!(r.body["disabled_reason"], Value::Null);
    app.scan_parent(&admin, "SB95003").await;
    let got = receiver.wait_for("the next message", |got| got.len() == 2).await;
    assert_eq!(got[1].json()["data"]["qr_id"], "SB95003");
}

#[actix_web::test]
async fn internal_addresses_are_refused_unless_allowed() {
    let app = spawn_app_with(|c| c.epcis_id_base = None).await;
    let admin = app.admin_token().await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.7/hook",
        "http://[::1]/hook",
        "http://100.64.1.1/hook",
        "ftp://example.com/hook",
        "not a url",
    ] {
        let r = app.post("/api/v1/webhooks", &admin, json!({"url": url})).await;
        assert_eq!(r.code(), ErrorCode::ValidationFailed, "{url}: {}", r.body);
        assert_eq!(r.body["errors"][0]["pointer"], "/url", "{url}");
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM webhook_endpoint"), 0);
    // Without any endpoint nothing is kept.
    assert_eq!(app.scan_parent(&admin, "SB97001").await.status, StatusCode::CREATED);
    assert_eq!(app.count("SELECT count(*) AS n FROM webhook_message"), 0);
    let open = app.twin_with(|c| c.webhook_allow_private = true);
    let r = open
        .post("/api/v1/webhooks", &admin, json!({"url": "http://127.0.0.1:9/hook"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[actix_web::test]
async fn rotation_signs_with_both_secrets_and_test_and_replay_resend() {
    let app = hooked_app().await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start();
    let (id, old) = endpoint(&app, &admin, &receiver.url, json!(["bag.created"])).await;
    let since = chrono::Utc::now().to_rfc3339();
    app.scan_parent(&admin, "SB96001").await;
    receiver.wait_for("the parent", |got| got.len() == 1).await;

    let rotated = app
        .post(&format!("/api/v1/webhooks/{id}/rotate-secret"), &admin, json!({}))
        .await;
    let new = rotated.body["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert!(rotated.body["endpoint"]["secret_rotating_until"].is_string());
    let r = app
        .post(&format!("/api/v1/webhooks/{id}/test"), &admin, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let got = receiver.wait_for("the test message", |got| got.len() == 2).await;
    assert_eq!(
        got[1].json()["type"],
        "webhook.test",
        "a test goes out whatever the filter"
    );
    assert!(
        got[1].signed_by(&new) && got[1].signed_by(&old),
        "both secrets sign during the overlap"
    );
    assert_eq!(got[1].signature.split(' ').count(), 2);

    // Replay: the same messages, the same ids (tests are not replayed).
    let r = app
        .post(
            &format!("/api/v1/webhooks/{id}/replay?since={}", urlencode(&since)),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body["queued"], 1);
    let again = receiver.wait_for("the replay", |got| got.len() == 3).await;
    assert_eq!(again[2].id, again[0].id);
    // A manual retry of a delivery sends it once more.
    let log = app
        .get(&format!("/api/v1/webhooks/{id}/deliveries?status=succeeded"), &admin)
        .await;
    assert_eq!(log.body["items"].as_array().unwrap().len(), 3);
    let first = log.body["items"][2]["id"].as_i64().unwrap();
    let r = app
        .post(&format!("/api/v1/webhooks/deliveries/{first}/retry"), &admin, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let more = receiver.wait_for("the retry", |got| got.len() == 4).await;
    assert_eq!(more[3].id, again[0].id);
    let bad = app
        .post(
            &format!("/api/v1/webhooks/{id}/replay?since=yesterday"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(bad.code(), ErrorCode::ValidationFailed);
    let bad = app
        .get(&format!("/api/v1/webhooks/{id}/deliveries?status=dead"), &admin)
        .await;
    assert_eq!(bad.code(), ErrorCode::ValidationFailed);
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

#[actix_web::test]
async fn an_internal_address_is_refused_when_connecting_too() {
    // Stored by an instance that allows private receivers, delivered by one that does not.
    let open = spawn_app_with(|c| {
        c.webhook_allow_private = true;
        c.webhook_delivery = false;
    })
    .await;
    let admin = open.admin_token().await;
    let receiver = Receiver::start();
    let (id, _) = endpoint(&open, &admin, &receiver.url, json!([])).await;
    let strict = open.twin_with(|c| {
        c.webhook_allow_private = false;
        c.webhook_delivery = true;
        c.webhook_retry_scale = 0.001;
    });
    open.scan_parent(&admin, "SB98001").await;
    let path = format!("/api/v1/webhooks/{id}/deliveries");
    let mut last = Value::Null;
    for _ in 0..100 {
        last = open.get(&path, &admin).await.body["items"][0].clone();
        if last["attempts"].as_i64().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        last["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("internal address"),
        "{last}"
    );
    assert!(
        receiver.settle(Duration::from_millis(300)).await.is_empty(),
        "nothing reached 127.0.0.1"
    );
    drop(strict);
}

#[actix_web::test]
async fn two_delivering_instances_send_each_message_once_in_order() {
    let app = hooked_app().await;
    let other = app.twin();
    let admin = app.admin_token().await;
    let receiver = Receiver::start();
    endpoint(&app, &admin, &receiver.url, json!(["bag.created"])).await;
    for i in 0..40 {
        let on = if i % 2 == 0 { &app } else { &other };
        assert_eq!(
            on.scan_parent(&admin, &format!("SB99{i:03}")).await.status,
            StatusCode::CREATED
        );
    }
    receiver.wait_for("40 messages", |got| got.len() >= 40).await;
    let got = receiver.settle(Duration::from_millis(700)).await;
    let bags: Vec<String> = got
        .iter()
        .map(|r| r.json()["data"]["qr_id"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = (0..40).map(|i| format!("SB99{i:03}")).collect();
    assert_eq!(bags, expected, "each message once, in commit order");
}

#[actix_web::test]
async fn deleting_a_bill_takes_its_parents_off_for_partners_too() {
    let app = hooked_app().await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start();
    endpoint(
        &app,
        &admin,
        &receiver.url,
        json!(["bill.parent_added", "bill.parent_removed"]),
    )
    .await;
    app.scan_parent(&admin, "SB99501").await;
    let bill = app
        .post("/api/v1/bills", &admin, json!({"bill_number": "WH-DEL", "capacity": 2}))
        .await;
    let id = bill.body["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/bills/{id}/parents"),
        &admin,
        json!({"qr_id": "SB99501"}),
    )
    .await;
    let r = app
        .call(Method::DELETE, &format!("/api/v1/bills/{id}"), Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let got = receiver.wait_for("added and removed", |got| got.len() >= 2).await;
    assert_eq!(types(&got), ["bill.parent_added", "bill.parent_removed"]);
    let removed = got[1].json();
    assert_eq!(removed["data"]["qr_id"], "SB99501");
    assert_eq!(removed["data"]["bill_number"], "WH-DEL");
    let export = app.get("/api/v1/epcis/events?eventType=TransactionEvent", &admin).await;
    let events = &export.body["epcisBody"]["queryResults"]["resultsBody"]["eventList"];
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["ADD", "DELETE"]);
    assert_eq!(events[1]["eventID"], removed["data"]["epcis_event_id"]);
}

#[actix_web::test]
async fn an_endpoint_that_only_fails_for_five_days_is_disabled() {
    // At this scale five days last 4.3 s (and every retry step a moment).
    let app = spawn_app_with(|c| {
        c.webhook_delivery = true;
        c.webhook_allow_private = true;
        c.webhook_retry_scale = 0.00001;
    })
    .await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start();
    receiver.script(&[(500, None); 400]);
    let (id, _) = endpoint(&app, &admin, &receiver.url, json!([])).await;
    let path = format!("/api/v1/webhooks/{id}");
    let started = std::time::Instant::now();
    let mut disabled = Value::Null;
    for i in 0..40 {
        app.scan_parent(&admin, &format!("SB97{i:03}")).await;
        tokio::time::sleep(Duration::from_millis(250)).await;
        disabled = app.get(&path, &admin).await.body;
        if disabled["enabled"] == false {
            break;
        }
    }
    assert_eq!(disabled["enabled"], false, "{disabled}");
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "not before the five (scaled) days"
    );
    assert!(disabled["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("every attempt failed since"));
    let notes = app.get("/api/v1/notifications", &admin).await;
    assert!(notes.body.to_string().contains("Webhook endpoint disabled"));
    let pending = app.get(&format!("{path}/deliveries?status=pending"), &admin).await;
    assert_eq!(
        pending.body["items"],
        json!([]),
        "its waiting deliveries are failed, for a replay later"
    );
}

#[actix_web::test]
async fn a_parent_registered_without_a_scan_is_commissioned_in_the_export_and_the_message() {
    let app = hooked_app().await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start();
    endpoint(&app, &admin, &receiver.url, json!(["bag.created"])).await;
    app.scan_parent(&admin, "SB99602").await;
    let r = app.post("/api/v1/bags", &admin, json!({"qr_id": "SB99601"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        app.post("/api/v1/bags", &admin, json!({"qr_id": "K99601"}))
            .await
            .status,
        StatusCode::CREATED
    );
    let got = receiver.wait_for("three bags", |got| got.len() >= 3).await;
    let registered = got
        .iter()
        .map(Received::json)
        .find(|m| m["data"]["qr_id"] == "SB99601")
        .unwrap();
    let event_id = registered["data"]["epcis_event_id"].clone();
    assert!(event_id.is_string(), "{registered}");
    let child = got
        .iter()
        .map(Received::json)
        .find(|m| m["data"]["qr_id"] == "K99601")
        .unwrap();
    assert!(
        child["data"].get("epcis_event_id").is_none(),
        "a child is not commissioned"
    );
    // One event per page: the scan and the registration both come, once, in record order.
    let mut path = "/api/v1/epcis/events?perPage=1&EQ_bizStep=commissioning".to_string();
    let mut seen = Vec::new();
    for _ in 0..5 {
        let page = app
            .client
            .get(format!("{}{path}", app.base))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        let link = page.headers().get("link").map(|l| l.to_str().unwrap().to_string());
        let body: Value = page.json().await.unwrap();
        for e in body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
            .as_array()
            .unwrap()
        {
            seen.push((e["epcList"][0].as_str().unwrap().to_string(), e["eventID"].clone()));
        }
        let Some(link) = link else { break };
        path = link.trim_start_matches('<').split('>').next().unwrap().to_string();
    }
    let bags: Vec<&str> = seen.iter().map(|(bag, _)| bag.as_str()).collect();
    assert_eq!(
        bags,
        ["https://tt.test/id/bag/SB99602", "https://tt.test/id/bag/SB99601"]
    );
    assert_eq!(seen[1].1, event_id, "the message and the export name the same event");
}
