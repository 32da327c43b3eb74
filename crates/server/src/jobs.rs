//! Background upkeep: fold counter deltas, forget old idempotency keys.

use std::time::Duration;

use chrono::Utc;

use crate::state::AppState;

/// Seconds between folds of the dashboard counters: the unfolded tail a reader adds
/// up stays a few seconds of scans.
const FOLD_SECONDS: u64 = 5;
/// Folds per round of the rest of the upkeep (every 30 s).
const FOLDS_PER_ROUND: u64 = 6;

/// Webhook messages (and their delivery log) are kept this long: past the retry
/// schedule (about 3.4 days), and a week of replay.
const WEBHOOK_DAYS: i64 = 7;

/// Runs forever on the actix runtime.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(FOLD_SECONDS));
    let mut folds: u64 = 0;
    loop {
        tick.tick().await;
        folds += 1;
        if folds % FOLDS_PER_ROUND != 1 {
            if let Err(e) = state.db(fold).await {
                tracing::warn!(error = %e, "folding the counters failed");
            }
            continue;
        }
        let rounds = folds / FOLDS_PER_ROUND + 1;
        let purge = rounds % 120 == 1;
        let days = state.config.idempotency_days;
        let (clear_days, delete_days) = (state.config.audit_clear_days, state.config.audit_delete_days);
        let result = state
            .db(move |c| {
                let folded = fold(c)?;
                // A running import reports at least every few seconds; silence
                // this long means its instance stopped.
                tracetrack_db::imports::fail_stale(c, Utc::now() - chrono::Duration::minutes(10))?;
                let purged = if purge {
                    tracetrack_db::idempotency::purge(c, Utc::now() - chrono::Duration::days(days))?
                        + tracetrack_db::users::purge_sessions(c, Utc::now() - chrono::Duration::days(1))?
                        + tracetrack_db::webhooks::purge(c, Utc::now() - chrono::Duration::days(WEBHOOK_DAYS))?
                } else {
                    0
                };
                if purge {
                    tracetrack_db::audit::apply_retention(c, clear_days, delete_days)?;
                }
                Ok((folded, purged))
            })
            .await;
        if let Err(e) = crate::services::reports::send_when_due(&state).await {
            tracing::warn!(error = %e, "EOD_SEND_AT: the end-of-day report could not be queued");
        }
        match crate::services::mailer::deliver(&state).await {
            Ok((sent, failed)) if sent + failed > 0 => tracing::info!(sent, failed, "mail delivery round"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "mail delivery failed"),
        }
        match result {
            Ok((_, purged)) if purged > 0 => {
                tracing::info!(purged, "forgot old idempotency keys, sessions and webhook messages")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "upkeep failed"),
        }
    }
}

/// Folds the dashboard counters; after a fold, vacuums the tallies it emptied.
fn fold(c: &mut tracetrack_db::diesel::PgConnection) -> crate::error::ApiResult<usize> {
    let folded = tracetrack_db::stats::fold(c)?;
    if folded > 0 {
        tracetrack_db::stats::vacuum_tallies(c)?;
    }
    Ok(folded)
}
