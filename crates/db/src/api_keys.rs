//! Service accounts (`app_user.kind = 'service'`) and their API keys.

use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;
use tracetrack_api_types::Role;

use crate::schema::{api_key, app_user};

/// `app_user.kind` of service accounts.
pub const SERVICE: &str = "service";

/// A service account.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = app_user)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub description: Option<String>,
    pub role: Role,
    pub dispatch_area: Option<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl AccountRow {
    /// A snapshot for the audit log.
    pub fn audit_snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id, "name": self.username, "description": self.description, "role": self.role,
            "dispatch_area": self.dispatch_area, "is_active": self.is_active,
        })
    }
}

/// A new service account.
#[derive(Debug, Insertable)]
#[diesel(table_name = app_user)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub description: Option<&'a str>,
    /// Not a hash of anything: no password ever matches it.
    pub password_hash: &'a str,
    pub role: Role,
    pub dispatch_area: Option<&'a str>,
    pub kind: &'a str,
}

/// An API key, without the key (only its hash is stored).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_key)]
pub struct KeyRow {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<Option<String>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_used_ip: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new key.
#[derive(Debug, Insertable)]
#[diesel(table_name = api_key)]
pub struct NewKey<'a> {
    pub account_id: i64,
    pub name: &'a str,
    pub prefix: &'a str,
    pub key_hash: &'a [u8],
    pub scopes: &'a [Option<String>],
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
}

/// Inserts a service account; `None` when the name is taken (by a person or a service).
pub fn insert_account(conn: &mut PgConnection, new: &NewAccount<'_>) -> QueryResult<Option<AccountRow>> {
    diesel::insert_into(app_user::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(AccountRow::as_returning())
        .get_result(conn)
        .optional()
}

/// A service account that is not deleted, locked for a change when `lock`.
pub fn find_account(conn: &mut PgConnection, id: i64, lock: bool) -> QueryResult<Option<AccountRow>> {
    let q = app_user::table
        .find(id)
        .filter(app_user::kind.eq(SERVICE))
        .filter(app_user::deleted_at.is_null())
        .select(AccountRow::as_select());
    if lock {
        q.for_update().first(conn).optional()
    } else {
        q.first(conn).optional()
    }
}

/// Service accounts, newest first, after the row id `before`.
pub fn list_accounts(conn: &mut PgConnection, before: Option<i64>, limit: i64) -> QueryResult<Vec<AccountRow>> {
    let mut q = app_user::table
        .filter(app_user::kind.eq(SERVICE))
        .filter(app_user::deleted_at.is_null())
        .select(AccountRow::as_select())
        .into_boxed();
    if let Some(before) = before {
        q = q.filter(app_user::id.lt(before));
    }
    q.order(app_user::id.desc()).limit(limit + 1).load(conn)
}

/// Writes the editable fields of a service account.
pub fn save_account(conn: &mut PgConnection, a: &AccountRow) -> QueryResult<AccountRow> {
    diesel::update(app_user::table.find(a.id))
        .set((
            app_user::description.eq(&a.description),
            app_user::role.eq(&a.role),
            app_user::dispatch_area.eq(&a.dispatch_area),
            app_user::is_active.eq(a.is_active),
            app_user::updated_at.eq(now),
        ))
        .returning(AccountRow::as_returning())
        .get_result(conn)
}

/// Soft-deletes a service account and revokes its keys.
pub fn delete_account(conn: &mut PgConnection, id: i64) -> QueryResult<usize> {
    diesel::update(
        api_key::table
            .filter(api_key::account_id.eq(id))
            .filter(api_key::revoked_at.is_null()),
    )
    .set(api_key::revoked_at.eq(now))
    .execute(conn)?;
    diesel::update(app_user::table.find(id))
        .set((
            app_user::deleted_at.eq(now),
            app_user::is_active.eq(false),
            app_user::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Inserts a key.
pub fn insert_key(conn: &mut PgConnection, new: &NewKey<'_>) -> QueryResult<KeyRow> {
    diesel::insert_into(api_key::table)
        .values(new)
        .returning(KeyRow::as_returning())
        .get_result(conn)
}

/// An account's keys, newest first (revoked ones too: they explain old audit rows).
pub fn list_keys(conn: &mut PgConnection, account: i64) -> QueryResult<Vec<KeyRow>> {
    api_key::table
        .filter(api_key::account_id.eq(account))
        .order(api_key::id.desc())
        .select(KeyRow::as_select())
        .load(conn)
}

/// Revokes one key of an account; the key as it is afterwards (`None`: no such key).
pub fn revoke_key(conn: &mut PgConnection, account: i64, id: i64) -> QueryResult<Option<KeyRow>> {
    diesel::update(api_key::table.find(id).filter(api_key::account_id.eq(account)))
        .set(api_key::revoked_at.eq(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
        >("coalesce(revoked_at, now())")))
        .returning(KeyRow::as_returning())
        .get_result(conn)
        .optional()
}

/// What a request authenticated by a key acts as.
#[derive(Debug, Clone, Queryable)]
pub struct KeyCaller {
    pub key_id: i64,
    pub prefix: String,
    pub scopes: Vec<Option<String>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub account_id: i64,
    pub username: String,
    pub role: Role,
    pub dispatch_area: Option<String>,
    pub usable: bool,
}

/// The key with this SHA-256 and its account (`None`: no such key).
pub fn caller(conn: &mut PgConnection, hash: &[u8]) -> QueryResult<Option<KeyCaller>> {
    api_key::table
        .inner_join(app_user::table.on(app_user::id.eq(api_key::account_id)))
        .filter(api_key::key_hash.eq(hash))
        .select((
            api_key::id,
            api_key::prefix,
            api_key::scopes,
            api_key::expires_at,
            api_key::revoked_at,
            api_key::last_used_at,
            app_user::id,
            app_user::username,
            app_user::role,
            app_user::dispatch_area,
            app_user::is_active.and(app_user::deleted_at.is_null()),
        ))
        .first(conn)
        .optional()
}

/// Records a use of the key, at most once a minute whatever the number of instances.
pub fn touch(conn: &mut PgConnection, id: i64, ip: Option<&str>) -> QueryResult<usize> {
    let stale = diesel::dsl::sql::<diesel::sql_types::Bool>(
        "(last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
    );
    diesel::update(api_key::table.find(id).filter(stale))
        .set((api_key::last_used_at.eq(now), api_key::last_used_ip.eq(ip)))
        .execute(conn)
}
