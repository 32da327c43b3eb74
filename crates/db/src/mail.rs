//! Password reset tokens, the mail outbox and the days scheduled mail was sent.

use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;
use tracetrack_api_types::Role;

use crate::schema::{app_user, outbox_mail, password_reset};

/// Finds an active user by e-mail (case-insensitive).
pub fn active_user_by_email(conn: &mut PgConnection, email: &str) -> QueryResult<Option<(i64, String)>> {
    app_user::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(email) = ")
                .bind::<diesel::sql_types::Text, _>(email.to_lowercase()),
        )
        .filter(app_user::deleted_at.is_null())
        .filter(app_user::is_active.eq(true))
        .select((app_user::id, app_user::username))
        .first(conn)
        .optional()
}

/// Stores a reset token hash.
pub fn create_reset(conn: &mut PgConnection, user: i64, hash: &str, expires_at: DateTime<Utc>) -> QueryResult<usize> {
    diesel::insert_into(password_reset::table)
        .values((
            password_reset::token_hash.eq(hash),
            password_reset::user_id.eq(user),
            password_reset::expires_at.eq(expires_at),
        ))
        .execute(conn)
}

/// Uses a reset token once: the user id, when it is valid now.
pub fn use_reset(conn: &mut PgConnection, hash: &str) -> QueryResult<Option<i64>> {
    diesel::update(
        password_reset::table
            .find(hash)
            .filter(password_reset::used_at.is_null())
            .filter(password_reset::expires_at.gt(now)),
    )
    .set(password_reset::used_at.eq(now))
    .returning(password_reset::user_id)
    .get_result(conn)
    .optional()
}

/// Keeps a mail in the outbox.
pub fn queue_mail(conn: &mut PgConnection, to: &str, subject: &str, body: &str) -> QueryResult<usize> {
    diesel::insert_into(outbox_mail::table)
        .values((
            outbox_mail::to_address.eq(to),
            outbox_mail::subject.eq(subject),
            outbox_mail::body.eq(body),
        ))
        .execute(conn)
}

/// A stored mail and how its delivery went.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox_mail)]
pub struct MailRow {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub claimed_until: Option<DateTime<Utc>>,
}

/// What a delivered mail's body becomes: reset codes do not linger in the table.
pub const DELIVERED_BODY: &str = "(delivered by SMTP; the body is not kept)";

/// One page of the outbox, newest first.
pub fn outbox(conn: &mut PgConnection, before: Option<i64>, limit: i64) -> QueryResult<Vec<MailRow>> {
    let mut q = outbox_mail::table.select(MailRow::as_select()).into_boxed();
    if let Some(before) = before {
        q = q.filter(outbox_mail::id.lt(before));
    }
    q.order(outbox_mail::id.desc()).limit(limit + 1).load(conn)
}

/// Claims up to `limit` due mails (unsent, attempts left, their next attempt due, not
/// claimed by a round still running) for `lease`, oldest first, in one statement of
/// its own (a short transaction): the caller sends them holding no connection. Instances skip each other's.
pub fn claim_due(
    conn: &mut PgConnection,
    max_attempts: i32,
    limit: i64,
    lease: std::time::Duration,
) -> QueryResult<Vec<MailRow>> {
    let until = lease_end(lease);
    conn.transaction(|c| {
        let due: Vec<i64> = outbox_mail::table
            .filter(outbox_mail::sent_at.is_null())
            .filter(outbox_mail::attempts.lt(max_attempts))
            .filter(outbox_mail::next_attempt_at.le(now))
            .filter(
                outbox_mail::claimed_until
                    .is_null()
                    .or(outbox_mail::claimed_until.lt(now)),
            )
            .order(outbox_mail::id)
            .limit(limit)
            .select(outbox_mail::id)
            .for_update()
            .skip_locked()
            .load(c)?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows: Vec<MailRow> = diesel::update(outbox_mail::table.filter(outbox_mail::id.eq_any(&due)))
            .set(outbox_mail::claimed_until.eq(until))
            .returning(MailRow::as_returning())
            .get_results(c)?;
        rows.sort_by_key(|r| r.id);
        Ok(rows)
    })
}

/// Mails not sent yet that have attempts left.
pub fn unsent(conn: &mut PgConnection, max_attempts: i32) -> QueryResult<i64> {
    outbox_mail::table
        .filter(outbox_mail::sent_at.is_null())
        .filter(outbox_mail::attempts.lt(max_attempts))
        .count()
        .get_result(conn)
}

/// Renews the claim on one mail just before it is sent, for `lease` from now; false
/// when the claim is no longer this round's (it ran past its lease and another round
/// took the mail, or the mail went out meanwhile), so the mail is not sent twice.
pub fn renew_claim(
    conn: &mut PgConnection,
    id: i64,
    claimed_until: DateTime<Utc>,
    lease: std::time::Duration,
) -> QueryResult<Option<DateTime<Utc>>> {
    let until = lease_end(lease);
    diesel::update(
        outbox_mail::table
            .find(id)
            .filter(outbox_mail::sent_at.is_null())
            .filter(outbox_mail::claimed_until.eq(claimed_until)),
    )
    .set(outbox_mail::claimed_until.eq(until))
    .returning(outbox_mail::claimed_until.assume_not_null())
    .get_result(conn)
    .optional()
}

/// When a claim taken now for `lease` ends.
fn lease_end(lease: std::time::Duration) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(lease).unwrap_or_else(|_| chrono::Duration::minutes(5))
}

/// Gives claimed mails back unattempted (a round that stopped early).
pub fn release(conn: &mut PgConnection, ids: &[i64]) -> QueryResult<usize> {
    diesel::update(outbox_mail::table.filter(outbox_mail::id.eq_any(ids)))
        .set(outbox_mail::claimed_until.eq(None::<DateTime<Utc>>))
        .execute(conn)
}

/// Records one delivery attempt: sent (the body is dropped), or the error and when
/// to try again (`retry_in`; `None`: never, the relay refused it for good).
pub fn record_attempt(
    conn: &mut PgConnection,
    id: i64,
    error: Option<&str>,
    retry_in: Option<std::time::Duration>,
    max_attempts: i32,
) -> QueryResult<usize> {
    let target = outbox_mail::table.find(id);
    match error {
        None => diesel::update(target)
            .set((
                outbox_mail::sent_at.eq(now),
                outbox_mail::attempts.eq(outbox_mail::attempts + 1),
                outbox_mail::last_error.eq(None::<String>),
                outbox_mail::body.eq(DELIVERED_BODY),
                outbox_mail::claimed_until.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn),
        Some(e) => {
            let wait = retry_in.map_or(chrono::Duration::zero(), |r| {
                chrono::Duration::from_std(r).unwrap_or_else(|_| chrono::Duration::hours(1))
            });
            let set = (
                outbox_mail::last_error.eq(e),
                outbox_mail::next_attempt_at.eq(Utc::now() + wait),
                outbox_mail::claimed_until.eq(None::<DateTime<Utc>>),
            );
            match retry_in {
                Some(_) => diesel::update(target)
                    .set((outbox_mail::attempts.eq(outbox_mail::attempts + 1), set))
                    .execute(conn),
                // A permanent refusal uses up the attempts: the mail stays listed, given up.
                None => diesel::update(target)
                    .set((outbox_mail::attempts.eq(max_attempts), set))
                    .execute(conn),
            }
        }
    }
}

/// E-mail addresses of active admins and billers (the end-of-day report's readers).
pub fn report_recipients(conn: &mut PgConnection) -> QueryResult<Vec<String>> {
    app_user::table
        .filter(app_user::role.eq_any([Role::Admin, Role::Biller]))
        .filter(app_user::is_active.eq(true))
        .filter(app_user::deleted_at.is_null())
        .filter(app_user::email.is_not_null())
        .select(app_user::email.assume_not_null())
        .order(app_user::id)
        .load(conn)
}

/// Claims today's run of `job` (`date` is the local day) in the caller's transaction;
/// false when some instance ran it already (or is running it now: this waits for it).
pub fn claim_run(conn: &mut PgConnection, job: &str, date: chrono::NaiveDate) -> QueryResult<bool> {
    use crate::schema::scheduled_run;
    diesel::insert_into(scheduled_run::table)
        .values((scheduled_run::job.eq(job), scheduled_run::run_date.eq(date)))
        .on_conflict_do_nothing()
        .execute(conn)
        .map(|n| n == 1)
}
