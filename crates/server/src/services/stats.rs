//! The dashboard's counts (docs/domain.md §8): read from counters and per-minute
//! rollups, so the cost does not grow with the scan log.

use chrono::{DateTime, Duration, TimeZone, Utc};
use tracetrack_api_types::admin::{BillsByStatus, HourCount, Stats};
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::stats::{self, ScanScope};
use tracetrack_domain::visibility::Visibility;

use crate::error::ApiResult;

/// The counts `visibility` may see, "today" starting at midnight in `tz`.
pub fn dashboard(c: &mut PgConnection, visibility: &Visibility, tz: chrono_tz::Tz) -> ApiResult<Stats> {
    let scope = match visibility {
        Visibility::All => ScanScope::All,
        Visibility::Area(a) => ScanScope::Area(Some(a.clone())),
        Visibility::Nothing => ScanScope::Area(None),
    };
    let now = Utc::now();
    let midnight = midnight(now, tz);
    let (parents, children, links) = stats::totals(c)?;
    let (new, processing, completed) = stats::bills_by_status(c)?;
    let (scans_today, _) = stats::scans_since(c, &scope, midnight)?;
    let (scans_last_hour, active_users_last_hour) = stats::scans_since(c, &scope, now - Duration::hours(1))?;
    let scans_by_hour = stats::scans_by_hour(c, &scope, midnight, tz.name())?
        .into_iter()
        .map(|(hour, scans)| HourCount { hour, scans })
        .collect();
    Ok(Stats {
        parents,
        children,
        links,
        bills: new + processing + completed,
        bills_by_status: BillsByStatus {
            new,
            processing,
            completed,
        },
        scans_today,
        scans_last_hour,
        active_users_last_hour,
        scans_by_hour,
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
