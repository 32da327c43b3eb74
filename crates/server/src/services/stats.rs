//! The dashboard's counts (docs/domain.md §8): read from counters and per-minute
//! rollups, so the cost does not grow with the scan log.

use chrono::{DateTime, Duration, TimeZone, Utc};
use tracetrack_api_types::admin::{BillsByStatus, HourCount, Stats};
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::stats;
use tracetrack_domain::visibility::Visibility;

use crate::error::ApiResult;

/// The counts `visibility` may see, "today" starting at midnight in `tz`.
pub fn dashboard(c: &mut PgConnection, visibility: &Visibility, tz: chrono_tz::Tz) -> ApiResult<Stats> {
    let scope = visibility;
    let now = Utc::now();
    let midnight = midnight(now, tz);
    let t = stats::totals(c)?;
    let a = stats::activity(c, scope, midnight, now - Duration::hours(1))?;
    let scans_by_hour = stats::scans_by_hour(c, scope, midnight)?
        .into_iter()
        .map(|(hour, scans)| HourCount { hour, scans })
        .collect();
    Ok(Stats {
        parents: t.parents,
        children: t.children,
        links: t.links,
        bills: t.bills_new + t.bills_processing + t.bills_completed,
        bills_by_status: BillsByStatus {
            new: t.bills_new,
            processing: t.bills_processing,
            completed: t.bills_completed,
        },
        scans_today: a.today,
        scans_last_hour: a.last_hour,
        active_users_last_hour: a.users_last_hour,
        scans_by_hour,
        as_of: now,
    })
}

/// The last midnight in `tz` before `now` (the earlier instant when a clock change
/// makes midnight ambiguous).
fn midnight(now: DateTime<Utc>, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let local = now
        .with_timezone(&tz)
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    tz.from_local_datetime(&local)
        .earliest()
        .map_or(now, |t| t.with_timezone(&Utc))
}
