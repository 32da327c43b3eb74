//! The end-of-day report: a day's bills summed up, as JSON or CSV.

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::json;
use tracetrack_api_types::reports::{EodBill, EodReport};
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::models::BillRow;
use tracetrack_domain::bill::kg;

use crate::error::ApiResult;
use crate::services::audit::Auditor;
use crate::state::AppState;

/// The UTC bounds `[start, end)` of a local day.
pub fn day_bounds(date: NaiveDate, tz: chrono_tz::Tz) -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    let at_midnight = |d: NaiveDate| {
        let local = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        tz.from_local_datetime(&local)
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
    };
    (at_midnight(date), at_midnight(date.succ_opt().unwrap_or(date)))
}

/// Sums up the bills of one day.
pub fn summarise(date: NaiveDate, tz: chrono_tz::Tz, bills: Vec<(BillRow, Option<String>)>) -> EodReport {
    let mut report = EodReport {
        date,
        timezone: tz.name().to_string(),
        bills: bills.len() as i64,
        by_status: Default::default(),
        by_creator: Default::default(),
        parents: 0,
        children: 0,
        actual_weight_kg: 0.0,
        expected_weight_kg: 0.0,
        rows: Vec::with_capacity(bills.len()),
    };
    let (mut actual_g, mut expected_g) = (0i64, 0i64);
    for (b, creator) in bills {
        *report.by_status.entry(b.status.to_string()).or_default() += 1;
        *report
            .by_creator
            .entry(creator.clone().unwrap_or_default())
            .or_default() += 1;
        report.parents += i64::from(b.parent_count);
        report.children += i64::from(b.child_count);
        actual_g += b.actual_weight_g;
        expected_g += b.expected_weight_g;
        report.rows.push(EodBill {
            bill_number: b.bill_number,
            status: b.status,
            created_by: creator,
            parents: b.parent_count,
            children: b.child_count,
            actual_weight_kg: kg(b.actual_weight_g),
            expected_weight_kg: kg(b.expected_weight_g),
            created_at: b.created_at,
        });
    }
    report.actual_weight_kg = kg(actual_g);
    report.expected_weight_kg = kg(expected_g);
    report
}

/// One CSV field: quoted when needed, and never read as a formula by a spreadsheet.
pub(crate) fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The report as CSV: one row per bill, then a total row.
pub fn to_csv(r: &EodReport) -> String {
    let mut out =
        String::from("bill_number,status,created_by,parents,children,actual_weight_kg,expected_weight_kg,created_at\n");
    for b in &r.rows {
        let cells = [
            field(&b.bill_number),
            field(b.status.as_str()),
            field(b.created_by.as_deref().unwrap_or_default()),
            b.parents.to_string(),
            b.children.to_string(),
            format!("{:.3}", b.actual_weight_kg),
            format!("{:.3}", b.expected_weight_kg),
            b.created_at.to_rfc3339(),
        ];
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out.push_str(&format!(
        "TOTAL {} ({}),{} bills,,{},{},{:.3},{:.3},\n",
        r.date, r.timezone, r.bills, r.parents, r.children, r.actual_weight_kg, r.expected_weight_kg
    ));
    out
}

/// Queues the report for every active admin and biller (the mailer sends it after
/// the commit); `audit.actor` is `None` when the cron secret asked. Returns the
/// number of recipients.
pub fn queue_eod(c: &mut PgConnection, audit: &Auditor, report: &EodReport) -> ApiResult<usize> {
    let date = report.date;
    let summary = format!(
        "End-of-day report for {date} ({}):\n{} bills, {} parents, {} children, {:.1} kg actual, {:.1} kg expected.\n\n{}",
        report.timezone,
        report.bills,
        report.parents,
        report.children,
        report.actual_weight_kg,
        report.expected_weight_kg,
        to_csv(report)
    );
    let to = tracetrack_db::mail::report_recipients(c)?;
    let subject = format!("TraceTrack end-of-day report {date}");
    for address in &to {
        tracetrack_db::mail::queue_mail(c, address, &subject, &summary)?;
    }
    let after = json!({"date": date, "recipients": to.len(), "by_cron": audit.actor_id().is_none()});
    audit.record(
        c,
        "report.eod_sent",
        "report",
        Some(date.to_string()),
        None,
        Some(after),
    )?;
    Ok(to.len())
}

/// Most bills one report lists: more in one day answer `422 too_many_bills` (export
/// them instead); nobody ships that many.
pub const MAX_BILLS: i64 = 20_000;

/// Queues today's report for mailing once `EOD_SEND_AT` has passed in
/// `REPORT_TIMEZONE`: the day's `scheduled_run` row is written in the same
/// transaction, so one instance sends it, once, whoever tries and however often.
/// Returns the recipients when this call queued it.
pub async fn send_when_due(state: &AppState) -> ApiResult<Option<usize>> {
    let Some(at) = state.config.eod_send_at else {
        return Ok(None);
    };
    let tz = state.config.report_timezone;
    let now = Utc::now().with_timezone(&tz);
    if now.time() < at {
        return Ok(None);
    }
    let date = now.date_naive();
    let (from, to) = day_bounds(date, tz);
    let audit = Auditor::anonymous(None, format!("eod-send-at-{date}"), &state.config);
    let queued = state
        .tx(move |c| {
            if !tracetrack_db::mail::claim_run(c, "eod_report", date)? {
                return Ok(None);
            }
            let mut bills = tracetrack_db::bills::created_between(c, from, to, MAX_BILLS + 1)?;
            if bills.len() as i64 > MAX_BILLS {
                tracing::warn!(%date, "more than {MAX_BILLS} bills today: the mailed report lists the first {MAX_BILLS}");
                bills.truncate(MAX_BILLS as usize);
            }
            Ok(Some(queue_eod(c, &audit, &summarise(date, tz, bills))?))
        })
        .await?;
    if let Some(recipients) = queued {
        tracing::info!(%date, recipients, "EOD_SEND_AT: end-of-day report queued");
        crate::services::mailer::deliver_soon(state);
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kolkata_day_starts_at_18_30_utc_the_day_before() {
        let (from, to) = day_bounds(NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(), chrono_tz::Asia::Kolkata);
        assert_eq!(from.to_rfc3339(), "2026-11-21T18:30:00+00:00");
        assert_eq!((to - from).num_hours(), 24);
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(field("SB-1"), "SB-1");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-5"), "'-5");
    }
}
