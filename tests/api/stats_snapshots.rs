//! `GET /stats` serves per-scope snapshots at most `STATS_MAX_AGE_MS` old, refreshed in
//! the background, and stops serving them when the database stays away too long.

use std::time::{Duration, Instant};

use diesel::{sql_query, Connection, PgConnection, RunQueryDsl};
use reqwest::StatusCode;
use serde_json::Value;
use tracetrack_test_utils::{server_url, spawn_app_with, TestApp};

async fn stats(app: &TestApp, token: &str) -> Value {
    let r = app.get("/api/v1/stats", token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

/// Polls `/stats` until `done` holds, for at most `secs`.
async fn stats_until(app: &TestApp, token: &str, secs: u64, done: impl Fn(&Value) -> bool) -> Value {
    let until = Instant::now() + Duration::from_secs(secs);
    loop {
        let s = stats(app, token).await;
        if done(&s) || Instant::now() > until {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn each_scope_has_its_own_snapshot_and_it_is_refreshed_after_its_age() {
    let app = spawn_app_with(|c| c.stats_max_age = Duration::from_secs(2)).await;
    let admin = app.admin_token().await;
    let (_, lata) = app.user(&admin, "lata", "dispatcher", Some("lucknow")).await;
    let (_, jaya) = app.user(&admin, "jaya", "dispatcher", Some("jaipur")).await;
    app.scan_parent(&lata, "SB70001").await;
    assert!(app.scan_child(&lata, "SB70001", "ST0001").await.status.is_success());

    // Read in this order, a cache with one slot would hand Jaipur Lucknow's counts.
    let lucknow = stats(&app, &lata).await;
    let jaipur = stats(&app, &jaya).await;
    let everyone = stats(&app, &admin).await;
    assert_eq!(lucknow["scans_today"], 2, "{lucknow}");
    assert_eq!(jaipur["scans_today"], 0, "{jaipur}");
    assert_eq!(everyone["scans_today"], 2, "{everyone}");

    // Within its age the snapshot is served as read, and says when it was read.
    assert!(app.scan_child(&lata, "SB70001", "ST0002").await.status.is_success());
    let again = stats(&app, &lata).await;
    assert_eq!(
        (&again["as_of"], &again["scans_today"]),
        (&lucknow["as_of"], &lucknow["scans_today"])
    );

    // Past it, a refresh brings the new scan; as_of moves forward.
    let fresh = stats_until(&app, &lata, 6, |s| s["scans_today"] == 3).await;
    assert_eq!(fresh["scans_today"], 3, "{fresh}");
    assert!(
        fresh["as_of"].as_str() > lucknow["as_of"].as_str(),
        "{fresh} after {lucknow}"
    );
    assert_eq!(stats(&app, &jaya).await["scans_today"], 0);
}

/// Closes the app's database to new connections and ends the open ones (`shut`), or
/// opens it again.
fn database_reachable(app: &TestApp, open: bool) {
    let name = app
        .config
        .database_url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let mut conn = PgConnection::establish(&format!(
        "{}/postgres{}",
        server_url(),
        tracetrack_test_utils::DB_OPTIONS
    ))
    .expect("admin connection");
    sql_query(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {open}"))
        .execute(&mut conn)
        .expect("alter database");
    if !open {
        sql_query(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .execute(&mut conn)
        .expect("terminate");
    }
}

#[actix_web::test]
async fn through_a_short_outage_the_last_counts_are_served_then_the_failure_is_told() {
    let app = spawn_app_with(|c| {
        c.stats_max_age = Duration::from_millis(300);
        c.pool_timeout = Duration::from_millis(500);
    })
    .await;
    let admin = app.admin_token().await;
    app.scan_parent(&admin, "SB70002").await;
    let before = stats(&app, &admin).await;
    assert_eq!(before["parents"], 1);

    database_reachable(&app, false);
    tokio::time::sleep(Duration::from_millis(400)).await;
    // Aged but under ten ages: served as it was while the refresh fails.
    let during = stats(&app, &admin).await;
    assert_eq!(during["as_of"], before["as_of"], "{during}");
    // Past ten ages the request reads itself and reports the outage.
    tokio::time::sleep(Duration::from_millis(3000)).await;
    let told = app.get("/api/v1/stats", &admin).await;
    assert_eq!(told.status, StatusCode::SERVICE_UNAVAILABLE, "{:?}", told.body);

    database_reachable(&app, true);
    let back = stats_until(&app, &admin, 10, |s| s["as_of"] != before["as_of"]).await;
    assert_eq!(back["parents"], 1, "{back}");
    assert_ne!(back["as_of"], before["as_of"]);
}
