//! `tracetrack seed`: a generated warehouse keeps every invariant, leaves the schema
//! exactly as the migrations made it (indexes and keys are dropped for the load and
//! rebuilt), and its users can sign in.

use tracetrack_test_utils::spawn_app;

use crate::concurrency::assert_counters_match_rows;

/// Every index and constraint of the schema, as text.
const SCHEMA: &str = "SELECT string_agg(x, E'\\n' ORDER BY x) AS t FROM ( \
     SELECT indexdef AS x FROM pg_indexes WHERE schemaname = 'public' \
     UNION ALL SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
     WHERE connamespace = 'public'::regnamespace) s";

#[actix_web::test]
async fn a_seeded_warehouse_keeps_its_invariants_and_its_schema() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let before = app.text(SCHEMA);
    let hash = tracetrack_server::auth::password::hash("seed-test-password").expect("hash");
    let mut conn = app.pool.get().expect("conn");
    assert!(tracetrack_db::seed::check_empty(&mut conn).unwrap());
    let mut steps = Vec::new();
    let size = tracetrack_db::seed::Size { bags: 20_000 };
    tracetrack_db::seed::generate(&mut conn, size, &hash, &mut |s| steps.push(s.to_string())).expect("seed");
    assert!(
        !tracetrack_db::seed::check_empty(&mut conn).unwrap(),
        "a second seed is refused"
    );
    tracetrack_db::seed::finish(&mut conn).expect("finish");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM scan_tally"),
        0,
        "every scan folded"
    );
    drop(conn);
    assert!(steps.iter().any(|s| s.contains("rebuilt")), "{steps:?}");
    assert_eq!(app.text(SCHEMA), before, "indexes and constraints are back as migrated");

    let bags = app.count("SELECT count(*) AS n FROM bag");
    assert!((19_000..=21_000).contains(&bags), "{bags} bags for 20,000 asked");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM bag WHERE role = 'parent'"),
        size.parents()
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM bill"), size.bills());
    assert_eq!(app.count("SELECT count(*) AS n FROM scan_event"), size.events());
    assert_eq!(
        app.count("SELECT count(*) AS n FROM app_user WHERE username LIKE 'seed-%'"),
        200
    );
    // Every parent status and bill status occurs; billed parents are on a bill.
    assert_eq!(
        app.count("SELECT count(DISTINCT status) AS n FROM bag WHERE role = 'parent'"),
        4
    );
    assert_eq!(app.count("SELECT count(DISTINCT status) AS n FROM bill"), 3);
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM bag p WHERE p.status = 'billed' \
             AND NOT EXISTS (SELECT 1 FROM bill_item i WHERE i.bag_id = p.id)"
        ),
        0
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM bill WHERE status = 'completed' AND parent_count <> capacity"),
        0
    );
    // Every id fits the formats the station uses, so a seeded bag can be scanned.
    let parent = app.text("SELECT max(qr_id) AS t FROM bag WHERE role = 'parent' AND status = 'open'");
    assert_eq!(app.scan_parent(&admin, &parent).await.status, reqwest::StatusCode::OK);
    assert_counters_match_rows(&app, &admin).await;
    let stats = app.get("/api/v1/stats", &admin).await.body;
    assert_eq!(stats["bills"], size.bills(), "{stats:?}");
    let completed = app.count("SELECT count(*) AS n FROM bill WHERE status = 'completed'");
    assert_eq!(stats["bills_by_status"]["completed"], completed, "{stats:?}");

    let signed_in = app.login("seed-001", "seed-test-password").await;
    assert!(signed_in["access_token"].is_string(), "{signed_in:?}");
}
