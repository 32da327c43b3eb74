//! Per-user notifications (docs/domain.md §8).

use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;
use tracetrack_api_types::NotificationLevel;
use tracetrack_api_types::Role;

use crate::schema::{app_user, notification};

/// A stored notification.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notification)]
pub struct NotificationRow {
    pub id: i64,
    pub user_id: i64,
    pub level: NotificationLevel,
    pub title: String,
    pub message: String,
    pub link: Option<String>,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// What to tell someone.
#[derive(Debug, Clone, Copy)]
pub struct Note<'a> {
    pub level: NotificationLevel,
    pub title: &'a str,
    pub message: &'a str,
    pub link: Option<&'a str>,
}

/// Notifies one user.
pub fn notify(conn: &mut PgConnection, user: i64, note: Note<'_>) -> QueryResult<usize> {
    notify_many(conn, &[user], note)
}

/// Notifies each of `users`.
pub fn notify_many(conn: &mut PgConnection, users: &[i64], note: Note<'_>) -> QueryResult<usize> {
    let rows: Vec<_> = users
        .iter()
        .map(|u| {
            (
                notification::user_id.eq(*u),
                notification::level.eq(note.level),
                notification::title.eq(note.title),
                notification::message.eq(note.message),
                notification::link.eq(note.link),
            )
        })
        .collect();
    diesel::insert_into(notification::table).values(rows).execute(conn)
}

/// Notifies every active admin.
pub fn notify_admins(conn: &mut PgConnection, note: Note<'_>) -> QueryResult<usize> {
    let admins: Vec<i64> = app_user::table
        .filter(app_user::role.eq(Role::Admin))
        .filter(app_user::is_active.eq(true))
        .filter(app_user::deleted_at.is_null())
        .select(app_user::id)
        .load(conn)?;
    notify_many(conn, &admins, note)
}

/// One page of a user's notifications, newest first (`limit + 1` rows).
pub fn list(
    conn: &mut PgConnection,
    user: i64,
    unread_only: bool,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<NotificationRow>> {
    let mut q = notification::table
        .filter(notification::user_id.eq(user))
        .select(NotificationRow::as_select())
        .into_boxed();
    if unread_only {
        q = q.filter(notification::read_at.is_null());
    }
    if let Some(before) = before {
        q = q.filter(notification::id.lt(before));
    }
    q.order(notification::id.desc()).limit(limit + 1).load(conn)
}

/// How many of a user's notifications are unread.
pub fn unread_count(conn: &mut PgConnection, user: i64) -> QueryResult<i64> {
    notification::table
        .filter(notification::user_id.eq(user))
        .filter(notification::read_at.is_null())
        .count()
        .get_result(conn)
}

/// Marks one of the user's notifications read; `None` when it is not theirs.
pub fn mark_read(conn: &mut PgConnection, user: i64, id: i64) -> QueryResult<Option<NotificationRow>> {
    let found: Option<NotificationRow> = notification::table
        .filter(notification::id.eq(id))
        .filter(notification::user_id.eq(user))
        .select(NotificationRow::as_select())
        .first(conn)
        .optional()?;
    if found.as_ref().is_some_and(|n| n.read_at.is_none()) {
        diesel::update(notification::table.find(id))
            .set(notification::read_at.eq(now))
            .execute(conn)?;
    }
    Ok(found)
}

/// Marks all of the user's notifications read; returns how many changed.
pub fn mark_all_read(conn: &mut PgConnection, user: i64) -> QueryResult<usize> {
    diesel::update(
        notification::table
            .filter(notification::user_id.eq(user))
            .filter(notification::read_at.is_null()),
    )
    .set(notification::read_at.eq(now))
    .execute(conn)
}
