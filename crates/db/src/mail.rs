//! Password reset tokens and the mail outbox.

use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;

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

/// A stored mail: (id, to, subject, body, created_at).
pub type Mail = (i64, String, String, String, DateTime<Utc>);

/// One page of the outbox, newest first.
pub fn outbox(conn: &mut PgConnection, before: Option<i64>, limit: i64) -> QueryResult<Vec<Mail>> {
    let mut q = outbox_mail::table
        .select((
            outbox_mail::id,
            outbox_mail::to_address,
            outbox_mail::subject,
            outbox_mail::body,
            outbox_mail::created_at,
        ))
        .into_boxed();
    if let Some(before) = before {
        q = q.filter(outbox_mail::id.lt(before));
    }
    q.order(outbox_mail::id.desc()).limit(limit + 1).load(conn)
}
