//! The connection-pool alarm (docs/operations.md, `POOL_*`): an exhausted pool raises
//! one alarm to admins (and one mail to MAIL_ADMIN), not one per refused request, and
//! it is written although the main pool has no connection to give.

use std::time::Duration;

use reqwest::StatusCode;
use tracetrack_test_utils::spawn_app_with;

#[actix_web::test]
async fn an_exhausted_pool_raises_one_alarm_not_one_per_request() {
    let app = spawn_app_with(|c| {
        c.pool_size = 2;
        c.pool_timeout = Duration::from_millis(300);
        c.pool_alarm.interval = Duration::from_millis(400);
        c.pool_alarm.mail = true;
        c.mail_admin = Some("ops@example.com".into());
    })
    .await;
    let admin = app.admin_token().await;
    let alarms = "SELECT count(*) AS n FROM notification WHERE title = 'Database pool danger' AND level = 'error'";
    let mails = "SELECT count(*) AS n FROM outbox_mail WHERE to_address = 'ops@example.com'";
    assert_eq!(app.count(alarms), 0, "a quiet pool raises nothing");

    // Every connection taken, for several checks, while requests keep coming.
    let held: Vec<_> = (0..2).map(|_| app.pool.get().expect("a connection")).collect();
    let mut refused = 0;
    for _ in 0..10 {
        let r = app.get("/api/v1/bags?limit=1", &admin).await;
        if r.status == StatusCode::SERVICE_UNAVAILABLE {
            refused += 1;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    assert!(refused > 0, "the pool was exhausted");
    drop(held);

    assert_eq!(app.count(alarms), 1, "one alarm for the episode");
    let message: String = {
        use tracetrack_db::diesel::prelude::*;
        use tracetrack_db::schema::notification;
        notification::table
            .select(notification::message)
            .filter(notification::title.eq("Database pool danger"))
            .first(&mut app.pool.get().unwrap())
            .unwrap()
    };
    assert!(message.contains("of 2 connections"), "{message}");
    assert_eq!(app.count(mails), 1, "one mail to MAIL_ADMIN");

    // Calm again: no more alarms.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(app.count(alarms), 1);
}
