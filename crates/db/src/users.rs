//! Users, sessions, refresh tokens and login failures.

use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;
use tracetrack_api_types::Role;
use uuid::Uuid;

use crate::models::{NewUser, SessionRow, UserRow};
/// `app_user.kind` of people (the other kind, `service`, belongs to integrations).
pub const PERSON: &str = "person";

use crate::schema::{app_user, login_failure, recovery_code, refresh_token, user_session};

/// Finds a user that is not deleted by id.
pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<UserRow>> {
    app_user::table
        .find(id)
        .filter(app_user::deleted_at.is_null())
        .filter(app_user::kind.eq(PERSON))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Finds and locks a user that is not deleted.
pub fn find_for_update(conn: &mut PgConnection, id: i64) -> QueryResult<Option<UserRow>> {
    app_user::table
        .find(id)
        .filter(app_user::deleted_at.is_null())
        .filter(app_user::kind.eq(PERSON))
        .select(UserRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Finds a user that is not deleted by (lower-case) username.
pub fn find_by_username(conn: &mut PgConnection, username: &str) -> QueryResult<Option<UserRow>> {
    app_user::table
        .filter(app_user::username.eq(username))
        .filter(app_user::deleted_at.is_null())
        .filter(app_user::kind.eq(PERSON))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts a user; `None` when the username is taken.
pub fn insert(conn: &mut PgConnection, new: &NewUser<'_>) -> QueryResult<Option<UserRow>> {
    diesel::insert_into(app_user::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(UserRow::as_returning())
        .get_result(conn)
        .optional()
}

/// Number of users that are not deleted.
pub fn count(conn: &mut PgConnection) -> QueryResult<i64> {
    app_user::table
        .filter(app_user::deleted_at.is_null())
        .filter(app_user::kind.eq(PERSON))
        .count()
        .get_result(conn)
}

/// Active admins, locked so that two demotions cannot both pass the last-admin check.
pub fn active_admin_ids_for_update(conn: &mut PgConnection) -> QueryResult<Vec<i64>> {
    app_user::table
        .filter(app_user::role.eq(Role::Admin))
        .filter(app_user::is_active.eq(true))
        .filter(app_user::deleted_at.is_null())
        .filter(app_user::kind.eq(PERSON))
        .order(app_user::id.asc())
        .select(app_user::id)
        .for_update()
        .load(conn)
}

/// Writes the editable fields of a user.
pub fn save(conn: &mut PgConnection, u: &UserRow) -> QueryResult<UserRow> {
    diesel::update(app_user::table.find(u.id))
        .set((
            app_user::email.eq(&u.email),
            app_user::password_hash.eq(&u.password_hash),
            app_user::role.eq(&u.role),
            app_user::dispatch_area.eq(&u.dispatch_area),
            app_user::is_active.eq(u.is_active),
            app_user::deleted_at.eq(u.deleted_at),
            app_user::updated_at.eq(now),
        ))
        .returning(UserRow::as_returning())
        .get_result(conn)
}

/// Records a successful login.
pub fn touch_login(conn: &mut PgConnection, id: i64) -> QueryResult<UserRow> {
    diesel::update(app_user::table.find(id))
        .set(app_user::last_login_at.eq(now))
        .returning(UserRow::as_returning())
        .get_result(conn)
}

/// Filters of `GET /users`.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Username or e-mail substring, case-insensitive.
    pub q: Option<String>,
    pub role: Option<Role>,
    pub dispatch_area: Option<String>,
}

/// One page of users, newest first, after the row id `before`.
pub fn list(conn: &mut PgConnection, f: &UserFilter, before: Option<i64>, limit: i64) -> QueryResult<Vec<UserRow>> {
    let mut q = app_user::table
        .filter(app_user::deleted_at.is_null())
        .filter(app_user::kind.eq(PERSON))
        .select(UserRow::as_select())
        .into_boxed();
    if let Some(text) = &f.q {
        let pattern = format!("%{}%", crate::bills::escape_like(&text.to_lowercase()));
        q = q.filter(
            app_user::username
                .like(pattern.clone())
                .or(app_user::email.ilike(pattern)),
        );
    }
    if let Some(role) = &f.role {
        q = q.filter(app_user::role.eq(*role));
    }
    if let Some(area) = &f.dispatch_area {
        q = q.filter(app_user::dispatch_area.eq(area.clone()));
    }
    if let Some(before) = before {
        q = q.filter(app_user::id.lt(before));
    }
    q.order(app_user::id.desc()).limit(limit + 1).load(conn)
}

/// Current lock state for a username: (failures, locked_until).
pub fn failures(conn: &mut PgConnection, username: &str) -> QueryResult<Option<(i32, Option<DateTime<Utc>>)>> {
    login_failure::table
        .find(username)
        .select((login_failure::failures, login_failure::locked_until))
        .first(conn)
        .optional()
}

/// Counts one failed password atomically; returns the new count. A lock that has
/// run out starts a fresh count (one wrong password after it does not lock again).
pub fn add_failure(conn: &mut PgConnection, username: &str) -> QueryResult<i32> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        failures: i32,
    }
    diesel::sql_query(
        "INSERT INTO login_failure (username, failures) VALUES ($1, 1)
         ON CONFLICT (username) DO UPDATE SET
           failures = CASE WHEN login_failure.locked_until <= now() THEN 1 ELSE login_failure.failures + 1 END,
           locked_until = CASE WHEN login_failure.locked_until <= now() THEN NULL ELSE login_failure.locked_until END,
           updated_at = now()
         RETURNING failures",
    )
    .bind::<diesel::sql_types::Text, _>(username)
    .get_result::<Count>(conn)
    .map(|c| c.failures)
}

/// Counts one wrong second-factor code in the current window (a window older than
/// `window_minutes` starts over); returns the count and when the window began.
pub fn add_totp_failure(
    conn: &mut PgConnection,
    username: &str,
    window_minutes: i32,
) -> QueryResult<(i32, DateTime<Utc>)> {
    #[derive(QueryableByName)]
    struct Window {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        totp_failures: i32,
        #[diesel(sql_type = diesel::sql_types::Timestamptz)]
        totp_window_start: DateTime<Utc>,
    }
    diesel::sql_query(
        "INSERT INTO login_failure (username, failures, totp_failures, totp_window_start) VALUES ($1, 0, 1, now())
         ON CONFLICT (username) DO UPDATE SET
           totp_failures = CASE WHEN login_failure.totp_window_start > now() - make_interval(mins => $2)
                                THEN login_failure.totp_failures + 1 ELSE 1 END,
           totp_window_start = CASE WHEN login_failure.totp_window_start > now() - make_interval(mins => $2)
                                    THEN login_failure.totp_window_start ELSE now() END,
           updated_at = now()
         RETURNING totp_failures, totp_window_start",
    )
    .bind::<diesel::sql_types::Text, _>(username)
    .bind::<diesel::sql_types::Integer, _>(window_minutes)
    .get_result::<Window>(conn)
    .map(|w| (w.totp_failures, w.totp_window_start))
}

/// Locks a username until `until`.
pub fn lock(conn: &mut PgConnection, username: &str, until: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(login_failure::table.find(username))
        .set(login_failure::locked_until.eq(until))
        .execute(conn)
}

/// Clears failures and any lock (success or admin unlock).
pub fn clear_failures(conn: &mut PgConnection, username: &str) -> QueryResult<usize> {
    diesel::delete(login_failure::table.find(username)).execute(conn)
}

/// Creates a session.
pub fn create_session(
    conn: &mut PgConnection,
    user_id: i64,
    expires_at: DateTime<Utc>,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> QueryResult<SessionRow> {
    diesel::insert_into(user_session::table)
        .values((
            user_session::id.eq(Uuid::new_v4()),
            user_session::user_id.eq(user_id),
            user_session::expires_at.eq(expires_at),
            user_session::ip.eq(ip),
            user_session::user_agent.eq(user_agent),
        ))
        .returning(SessionRow::as_returning())
        .get_result(conn)
}

/// A session with its user, for authenticating a request.
pub fn session_with_user(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<(SessionRow, UserRow)>> {
    user_session::table
        .inner_join(app_user::table)
        .filter(user_session::id.eq(id))
        .select((SessionRow::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()
}

/// Marks a session as seen now (idle timeout).
pub fn touch_session(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::update(user_session::table.find(id))
        .set(user_session::last_seen_at.eq(now))
        .execute(conn)
}

/// Ends one session.
pub fn revoke_session(conn: &mut PgConnection, id: Uuid, reason: &str) -> QueryResult<usize> {
    diesel::update(user_session::table.find(id).filter(user_session::revoked_at.is_null()))
        .set((
            user_session::revoked_at.eq(now),
            user_session::revoked_reason.eq(reason),
        ))
        .execute(conn)
}

/// Ends every session of a user, except `keep`.
pub fn revoke_user_sessions(
    conn: &mut PgConnection,
    user_id: i64,
    keep: Option<Uuid>,
    reason: &str,
) -> QueryResult<usize> {
    let mut q = diesel::update(user_session::table)
        .filter(user_session::user_id.eq(user_id))
        .filter(user_session::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        q = q.filter(user_session::id.ne(keep));
    }
    q.set((
        user_session::revoked_at.eq(now),
        user_session::revoked_reason.eq(reason),
    ))
    .execute(conn)
}

/// Stores a new refresh token hash for a session.
pub fn insert_refresh(conn: &mut PgConnection, session: Uuid, hash: &str) -> QueryResult<usize> {
    diesel::insert_into(refresh_token::table)
        .values((
            refresh_token::token_hash.eq(hash),
            refresh_token::session_id.eq(session),
        ))
        .execute(conn)
}

/// Finds and locks a refresh token: (session id, used_at).
pub fn find_refresh_for_update(
    conn: &mut PgConnection,
    hash: &str,
) -> QueryResult<Option<(Uuid, Option<DateTime<Utc>>)>> {
    refresh_token::table
        .find(hash)
        .select((refresh_token::session_id, refresh_token::used_at))
        .for_update()
        .first(conn)
        .optional()
}

/// Marks a refresh token as used.
pub fn use_refresh(conn: &mut PgConnection, hash: &str) -> QueryResult<usize> {
    diesel::update(refresh_token::table.find(hash))
        .set(refresh_token::used_at.eq(now))
        .execute(conn)
}

/// Deletes sessions (and their refresh tokens) that ended before `before`.
pub fn purge_sessions(conn: &mut PgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(user_session::table.filter(user_session::expires_at.lt(before))).execute(conn)
}

/// Stores TOTP state: the secret (pending or active), whether it is enabled, the last step used.
pub fn set_totp(
    conn: &mut PgConnection,
    id: i64,
    secret: Option<&str>,
    enabled: bool,
    last_step: Option<i64>,
) -> QueryResult<usize> {
    diesel::update(app_user::table.find(id))
        .set((
            app_user::totp_secret.eq(secret),
            app_user::totp_enabled.eq(enabled),
            app_user::totp_last_step.eq(last_step),
            app_user::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Records the step of an accepted code, only if it is newer (each code works once).
pub fn use_totp_step(conn: &mut PgConnection, id: i64, step: i64) -> QueryResult<bool> {
    diesel::update(
        app_user::table
            .find(id)
            .filter(app_user::totp_last_step.is_null().or(app_user::totp_last_step.lt(step))),
    )
    .set(app_user::totp_last_step.eq(step))
    .execute(conn)
    .map(|n| n == 1)
}

/// Replaces a user's recovery codes with these hashes.
pub fn replace_recovery_codes(conn: &mut PgConnection, user: i64, hashes: &[String]) -> QueryResult<()> {
    diesel::delete(recovery_code::table.filter(recovery_code::user_id.eq(user))).execute(conn)?;
    let rows: Vec<_> = hashes
        .iter()
        .map(|h| (recovery_code::user_id.eq(user), recovery_code::code_hash.eq(h)))
        .collect();
    diesel::insert_into(recovery_code::table)
        .values(&rows)
        .execute(conn)
        .map(|_| ())
}

/// Uses a recovery code once; `false` when unknown or used.
pub fn use_recovery_code(conn: &mut PgConnection, user: i64, hash: &str) -> QueryResult<bool> {
    diesel::update(
        recovery_code::table
            .find((user, hash))
            .filter(recovery_code::used_at.is_null()),
    )
    .set(recovery_code::used_at.eq(now))
    .execute(conn)
    .map(|n| n == 1)
}
