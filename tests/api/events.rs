//! The live event stream (SSE): committed scan and bill changes, per area, from
//! any instance.

use std::time::Duration;
use tracetrack_api_types::ErrorCode;

use reqwest::{Method, StatusCode};
use serde_json::json;
use tracetrack_test_utils::{spawn_app, spawn_app_with, TestApp, USER_PASSWORD};

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

    /// Whether the server ends the stream within `secs` (heartbeats keep arriving until then).
    async fn ends_within(&mut self, secs: u64) -> bool {
        let until = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            match tokio::time::timeout_at(until, self.res.chunk()).await {
                Err(_) => return false,
                Ok(Ok(Some(chunk))) => self.text.push_str(&String::from_utf8_lossy(&chunk)),
                Ok(_) => return true,
            }
        }
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

#[actix_web::test]
async fn an_open_stream_ends_when_its_session_ends_or_its_rights_change() {
    let app = spawn_app_with(|c| c.event_heartbeat = Duration::from_secs(1)).await;
    let admin = app.admin_token().await;
    let mut streams = Vec::new();
    for name in ["out", "pass", "gone", "promoted", "moved", "kept"] {
        let username = format!("ev-{name}");
        let (id, token) = app.user(&admin, &username, "dispatcher", Some("lucknow")).await;
        // The stream runs in a session of its own (say, the dashboard on another device).
        let stream_token = app.login(&username, USER_PASSWORD).await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        let listener = Listener::open(&app, &stream_token).await;
        let acting = if name == "out" { stream_token } else { token };
        streams.push((name, id, acting, listener));
    }
    for (name, id, token, _) in &streams {
        let r = match *name {
            "out" => app.post("/api/v1/auth/logout", token, json!({})).await,
            "pass" => {
                let body = json!({"current_password": USER_PASSWORD, "new_password": "a-brand-new-pass-42"});
                app.post("/api/v1/auth/password", token, body).await
            }
            "gone" | "promoted" | "moved" => {
                let body = match *name {
                    "gone" => json!({"is_active": false}),
                    "promoted" => json!({"role": "biller"}),
                    _ => json!({"dispatch_area": "jaipur"}),
                };
                let path = format!("/api/v1/users/{id}");
                app.call(Method::PATCH, &path, Some(&admin), Some(body)).await
            }
            _ => continue,
        };
        assert!(r.status.is_success(), "{name}: {:?}", r.body);
    }
    for (name, _, _, listener) in &mut streams {
        let ended = listener.ends_within(5).await;
        assert_eq!(ended, *name != "kept", "{name}: {}", listener.text);
    }
}

#[actix_web::test]
async fn a_refused_scan_of_unknown_area_reaches_only_admins_and_its_maker() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (lata_id, lata) = app.user(&admin, "lata", "dispatcher", Some("lucknow")).await;
    let (_, lalit) = app.user(&admin, "lalit", "dispatcher", Some("lucknow")).await;
    let (_, jaya) = app.user(&admin, "jaya", "dispatcher", Some("jaipur")).await;
    app.scan_parent(&jaya, "SB91000").await;
    let mut views = Vec::new();
    for token in [&admin, &lata, &lalit, &jaya] {
        views.push(Listener::open(&app, token).await);
    }
    // No such parent: the area is unknown, so the refusal is private.
    assert_eq!(
        app.scan_child(&lata, "SB91999", "MX9100").await.code(),
        ErrorCode::BagNotFound
    );
    // Jaipur's parent: the refusal is filed under Jaipur.
    assert_eq!(
        app.scan_child(&lata, "SB91000", "MX9101").await.code(),
        ErrorCode::BagNotFound
    );
    // Something everyone may see, to know the stream has caught up.
    assert!(app.scan_parent(&admin, "SB91001").await.status.is_success());
    let texts: Vec<String> = {
        let mut out = Vec::new();
        for v in &mut views {
            out.push(v.wait_for("SB91001").await);
        }
        out
    };
    let sees = |i: usize, qr: &str| texts[i].contains(qr);
    assert!(sees(0, "MX9100") && sees(0, "MX9101"), "admin: {}", texts[0]);
    assert!(sees(1, "MX9100") && sees(1, "MX9101"), "the maker: {}", texts[1]);
    assert!(
        !texts[1].contains("jaipur"),
        "the maker does not learn another area's bag: {}",
        texts[1]
    );
    assert!(texts[0].contains("\"dispatch_area\":\"jaipur\""), "admin: {}", texts[0]);
    assert!(
        !sees(2, "MX9100") && !sees(2, "MX9101"),
        "same area, not the maker: {}",
        texts[2]
    );
    assert!(!sees(3, "MX9100") && sees(3, "MX9101"), "jaipur: {}", texts[3]);
    // The log answers the same.
    let log = |token: &str| {
        let token = token.to_string();
        let app = &app;
        async move {
            app.get("/api/v1/scans?qr_id=MX9100", &token).await.body["items"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(log(&admin).await, 1);
    assert_eq!(log(&lata).await, 1);
    assert_eq!(log(&lalit).await, 0);
    assert_eq!(log(&jaya).await, 0);
    let area = app.count("SELECT count(*) AS n FROM scan_event WHERE qr_id = 'MX9101' AND dispatch_area = 'jaipur'");
    assert_eq!(area, 1);
    let mine = app.get(&format!("/api/v1/scans?user_id={lata_id}"), &lata).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 2, "{:?}", mine.body);
}
