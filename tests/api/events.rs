//! The live event stream (SSE): committed scan and bill changes, per area, from
//! any instance.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tracetrack_test_utils::{spawn_app, TestApp};

/// An open event stream and the text read from it so far.
struct Listener {
    res: reqwest::Response,
    text: String,
}

impl Listener {
    /// Opens the stream with the token in the query, as `EventSource` does.
    async fn open(app: &TestApp, token: &str) -> Listener {
        let res = app
            .client
            .get(format!("{}/api/v1/events/stream?access_token={token}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        let mut l = Listener {
            res,
            text: String::new(),
        };
        l.wait_for(": connected").await;
        l
    }

    /// Reads until `needle` arrives (panics after 10 s); returns everything read.
    async fn wait_for(&mut self, needle: &str) -> String {
        let until = tokio::time::Instant::now() + Duration::from_secs(10);
        while !self.text.contains(needle) {
            let chunk = tokio::time::timeout_at(until, self.res.chunk())
                .await
                .unwrap_or_else(|_| panic!("no {needle:?} within 10 s; got {:?}", self.text))
                .unwrap()
                .expect("stream ended");
            self.text.push_str(&String::from_utf8_lossy(&chunk));
        }
        self.text.clone()
    }
}

#[actix_web::test]
async fn scans_and_bill_changes_reach_listeners_of_every_instance_by_area() {
    let app = spawn_app().await;
    let other = app.twin();
    let admin = app.admin_token().await;
    let (_, lucknow) = app.user(&admin, "lata", "dispatcher", Some("lucknow")).await;
    let (_, akola) = app.user(&admin, "arun", "dispatcher", Some("akola")).await;
    assert!(
        app.scan_parent(&admin, "SB90000").await.status.is_success(),
        "before anyone listens"
    );

    let mut everything = Listener::open(&other, &admin).await;
    let mut akola_view = Listener::open(&app, &akola).await;

    assert!(app.scan_parent(&lucknow, "SB90001").await.status.is_success());
    assert!(app.scan_child(&lucknow, "SB90001", "MX9001").await.status.is_success());
    assert!(app.scan_parent(&akola, "SB90002").await.status.is_success());
    let bill = app
        .post("/api/v1/bills", &admin, json!({"bill_number": "LIVE-1", "capacity": 1}))
        .await;
    let bill_id = bill.body["id"].as_i64().unwrap();

    let seen = everything.wait_for("\"action\":\"bill.create\"").await;
    assert!(seen.contains("event: scan\nid: "), "{seen}");
    assert!(
        seen.contains("\"qr_id\":\"MX9001\",\"parent_qr_id\":\"SB90001\""),
        "{seen}"
    );
    assert!(seen.contains("\"qr_id\":\"SB90002\""), "{seen}");
    assert!(
        seen.contains(&format!("event: bill\ndata: {{\"bill_id\":{bill_id},")),
        "{seen}"
    );
    assert!(
        !seen.contains("SB90000"),
        "nothing from before the stream opened: {seen}"
    );
    let first = seen.find("MX9001").unwrap();
    assert!(seen.find("SB90001").unwrap() < first, "in order: {seen}");

    let area = akola_view.wait_for("SB90002").await;
    assert!(
        !area.contains("SB90001") && !area.contains("MX9001"),
        "another area's scans: {area}"
    );
}

#[actix_web::test]
async fn the_stream_needs_a_valid_token_and_only_it_takes_one_in_the_query() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let cases = [
        ("/api/v1/events/stream", None, StatusCode::UNAUTHORIZED),
        (
            "/api/v1/events/stream?access_token=abc.def.ghi",
            None,
            StatusCode::UNAUTHORIZED,
        ),
        (
            &format!("/api/v1/stats?access_token={admin}"),
            None,
            StatusCode::UNAUTHORIZED,
        ),
        ("/api/v1/events/stream", Some(admin.as_str()), StatusCode::OK),
    ];
    for (path, bearer, want) in cases {
        let mut req = app.client.get(format!("{}{path}", app.base));
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        // An allowed stream never ends: judge by the status, drop the body unread.
        let status = req.send().await.unwrap().status();
        assert_eq!(
            status,
            want,
            "{path}, bearer {}: query tokens are for the stream only",
            bearer.is_some()
        );
    }
}
