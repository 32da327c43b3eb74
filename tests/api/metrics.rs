//! `GET /metrics` (docs/logging.md): requests by route template and status, latency
//! histograms, scans by kind and outcome, pool and checkout figures, Redis, outbox,
//! build info; and deploy/grafana-dashboard.json asks only for metrics served here.

use reqwest::StatusCode;
use serde_json::Value;
use tracetrack_test_utils::{spawn_app, TestApp};

async fn scrape(app: &TestApp) -> String {
    let r = app.client.get(format!("{}/metrics", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.text().await.unwrap()
}

/// The value of the sample `series` (name and labels exactly as rendered).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
}

#[actix_web::test]
async fn requests_scans_and_the_pool_are_counted() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    assert_eq!(app.scan_parent(&admin, "SB71001").await.status, StatusCode::CREATED);
    let body = serde_json::json!({"parent_qr_id": "SB71001", "qr_id": "MX7100"});
    let keyed = [("Idempotency-Key", "metrics-key-1")];
    for _ in 0..2 {
        let r = app
            .send(
                reqwest::Method::POST,
                "/api/v1/scans/child",
                Some(&admin),
                Some(body.clone()),
                &keyed,
            )
            .await;
        assert!(r.status.is_success(), "{:?}", r.body);
    }
    assert_eq!(
        app.scan_child(&admin, "MX7100", "MX7101").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let text = scrape(&app).await;

    let count = |series: &str| sample(&text, series).unwrap_or_else(|| panic!("no {series} in\n{text}"));
    assert_eq!(
        count(r#"http_requests_total{method="POST",route="/api/v1/scans/parent",status="201"}"#),
        1.0
    );
    assert_eq!(
        count(r#"http_requests_total{method="POST",route="/api/v1/scans/child",status="201"}"#),
        2.0,
        "the replay answers 201 too"
    );
    assert_eq!(
        count(r#"http_requests_total{method="POST",route="/api/v1/scans/child",status="422"}"#),
        1.0
    );
    assert_eq!(count(r#"tracetrack_scans_total{kind="parent",outcome="created"}"#), 1.0);
    assert_eq!(count(r#"tracetrack_scans_total{kind="child",outcome="linked"}"#), 1.0);
    assert_eq!(count(r#"tracetrack_scans_total{kind="child",outcome="replayed"}"#), 1.0);
    assert_eq!(
        count(r#"tracetrack_scans_total{kind="child",outcome="wrong_role"}"#),
        1.0
    );
    assert_eq!(
        count(r#"http_request_duration_seconds_count{route="/api/v1/scans/child"}"#),
        3.0
    );
    assert_eq!(
        count(r#"http_request_duration_seconds_bucket{route="/api/v1/scans/child",le="+Inf"}"#),
        3.0
    );
    assert!(count("tracetrack_db_pool_checkout_seconds_count") >= 4.0);
    assert_eq!(
        count(r#"tracetrack_db_pool_max{pool="main"}"#),
        f64::from(app.config.pool_size)
    );
    assert_eq!(count(r#"tracetrack_db_pool_waiting{pool="main"}"#), 0.0);
    assert_eq!(count("tracetrack_redis_up"), 1.0);
    assert_eq!(count("tracetrack_outbox_backlog"), 0.0);
    assert!(text.contains(r#"tracetrack_build_info{version=""#), "{text}");
    // Unknown paths share one label, so probes cannot grow the series without bound.
    app.client
        .get(format!("{}/api/v1/no-such-{}", app.base, 1))
        .send()
        .await
        .unwrap();
    app.client
        .get(format!("{}/api/v1/no-such-{}", app.base, 2))
        .send()
        .await
        .unwrap();
    let text = scrape(&app).await;
    assert!(!text.contains("no-such"), "raw paths are not labels");
}

/// Metric names in a PromQL expression: identifiers followed by `{`, `[` or `)`.
fn metric_names(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_alphabetic() || chars[i] == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let next = chars[i..].iter().find(|c| !c.is_whitespace());
            let in_braces = chars[..start].iter().filter(|&&c| c == '{').count()
                > chars[..start].iter().filter(|&&c| c == '}').count();
            if !in_braces && (word.starts_with("http_") || word.starts_with("tracetrack_")) && next != Some(&'(') {
                names.push(word);
            }
        } else {
            i += 1;
        }
    }
    names
}

#[actix_web::test]
async fn the_grafana_dashboard_asks_only_for_served_metrics() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.scan_parent(&admin, "SB71002").await;
    let text = scrape(&app).await;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/grafana-dashboard.json");
    let dashboard: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let panels = dashboard["panels"].as_array().expect("panels");
    assert!(panels.len() >= 8, "a panel per concern");
    let mut asked = 0;
    for panel in panels {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().expect("a PromQL expr");
            for name in metric_names(expr) {
                let base = ["_bucket", "_sum", "_count"]
                    .iter()
                    .find_map(|s| name.strip_suffix(s))
                    .unwrap_or(&name);
                assert!(
                    text.lines().any(|l| l.starts_with(&format!("# TYPE {base} "))),
                    "panel {:?} asks for {name}, which /metrics does not serve",
                    panel["title"]
                );
                asked += 1;
            }
        }
    }
    assert!(asked >= 10, "{asked} metric references");
}
