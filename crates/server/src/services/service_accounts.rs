//! Service accounts and their API keys (docs/integrations.md): an account acts with
//! a role (biller or dispatcher, never admin) and, for a dispatcher, an area; each key
//! is shown once, stored as its SHA-256, and narrowed by its scopes.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use tracetrack_api_types::integrations::{
    ApiKey, CreateApiKeyRequest, CreateServiceAccountRequest, CreatedApiKey, PatchServiceAccountRequest, Scope,
    ServiceAccount,
};
use tracetrack_api_types::{ErrorCode, Role};
use tracetrack_db::api_keys::{self, AccountRow, KeyRow, NewAccount, NewKey, SERVICE};
use tracetrack_db::diesel::PgConnection;

use crate::auth::api_key::digest;
use crate::error::{ApiError, ApiResult};
use crate::services::accounts::valid_username;
use crate::services::users::check_area;
use crate::services::Actor;

/// Stored in `password_hash`: not a hash, so no password ever matches it.
const NO_PASSWORD: &str = "!service-account";
/// Keys expire after a year unless the admin says otherwise.
const DEFAULT_LIFETIME_DAYS: i64 = 365;

pub fn not_found(id: i64) -> ApiError {
    ApiError::not_found(ErrorCode::NotFound, format!("Service account {id} does not exist."))
}

fn check_role(role: Role) -> ApiResult<Role> {
    match role {
        Role::Admin => Err(ApiError::invalid_field(
            "/role",
            "not_allowed",
            "A service account is a biller or a dispatcher, never an admin.",
        )),
        other => Ok(other),
    }
}

fn check_description(text: Option<String>) -> ApiResult<Option<String>> {
    let text = text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > 500) {
        return Err(ApiError::invalid_field(
            "/description",
            "too_long",
            "At most 500 characters.",
        ));
    }
    Ok(text)
}

/// Creates a service account.
pub fn create(c: &mut PgConnection, actor: &Actor, req: CreateServiceAccountRequest) -> ApiResult<AccountRow> {
    let name = req.name.trim().to_lowercase();
    if !valid_username(&name) {
        return Err(ApiError::invalid_field(
            "/name",
            "invalid",
            "3–50 characters: a-z, 0-9, '.', '_' or '-'.",
        ));
    }
    let role = check_role(req.role)?;
    let description = check_description(req.description)?;
    let area = check_area(c, role, req.dispatch_area)?;
    if role == Role::Dispatcher && area.is_none() {
        return Err(ApiError::invalid_field(
            "/dispatch_area",
            "required",
            "A dispatcher service account needs a dispatch area.",
        ));
    }
    let new = NewAccount {
        username: &name,
        description: description.as_deref(),
        password_hash: NO_PASSWORD,
        role,
        dispatch_area: area.as_deref(),
        kind: SERVICE,
    };
    let account = api_keys::insert_account(c, &new)?.ok_or_else(|| {
        ApiError::conflict(
            ErrorCode::Duplicate,
            format!("The name {name} is taken by a user or another service account."),
        )
    })?;
    actor.audit.record(
        c,
        "service_account.create",
        "service_account",
        Some(account.id.to_string()),
        None,
        Some(account.audit_snapshot()),
    )?;
    Ok(account)
}

/// Applies a change; deactivating refuses every key of the account at once.
pub fn update(
    c: &mut PgConnection,
    actor: &Actor,
    id: i64,
    change: PatchServiceAccountRequest,
) -> ApiResult<AccountRow> {
    let before = api_keys::find_account(c, id, true)?.ok_or_else(|| not_found(id))?;
    let mut account = before.clone();
    if let Some(role) = change.role {
        account.role = check_role(role)?;
    }
    if let Some(text) = change.description {
        account.description = check_description(Some(text))?;
    }
    account.dispatch_area = match (account.role, change.dispatch_area) {
        (role, Some(area)) => check_area(c, role, Some(area))?,
        (Role::Dispatcher, None) => before.dispatch_area.clone(),
        (_, None) => None,
    };
    if account.role == Role::Dispatcher && account.dispatch_area.is_none() {
        return Err(ApiError::invalid_field(
            "/dispatch_area",
            "required",
            "A dispatcher service account needs a dispatch area.",
        ));
    }
    if let Some(active) = change.is_active {
        account.is_active = active;
    }
    let saved = api_keys::save_account(c, &account)?;
    actor.audit.record(
        c,
        "service_account.update",
        "service_account",
        Some(id.to_string()),
        Some(before.audit_snapshot()),
        Some(saved.audit_snapshot()),
    )?;
    Ok(saved)
}

/// Deletes an account and revokes its keys; its history stays attributable.
pub fn delete(c: &mut PgConnection, actor: &Actor, id: i64) -> ApiResult<()> {
    let before = api_keys::find_account(c, id, true)?.ok_or_else(|| not_found(id))?;
    api_keys::delete_account(c, id)?;
    actor.audit.record(
        c,
        "service_account.delete",
        "service_account",
        Some(id.to_string()),
        Some(before.audit_snapshot()),
        None,
    )
}

/// A new key from the operating system's random source.
fn new_key() -> ApiResult<String> {
    let mut buf = [0u8; 64];
    let mut at = buf.len();
    let mut failed = None;
    let key = tracetrack_domain::api_key::from_random(&mut || {
        if at == buf.len() {
            if let Err(e) = getrandom::fill(&mut buf) {
                failed = Some(e);
            }
            at = 0;
        }
        at += 1;
        buf[at - 1]
    });
    match failed {
        Some(e) => Err(ApiError::internal(e)),
        None => Ok(key),
    }
}

fn check_scopes(scopes: &[Scope]) -> ApiResult<Vec<Option<String>>> {
    if scopes.is_empty() {
        return Err(ApiError::invalid_field(
            "/scopes",
            "required",
            "Give the key at least one scope.",
        ));
    }
    let mut names: Vec<Option<String>> = scopes.iter().map(|s| Some(s.as_str().to_string())).collect();
    names.sort();
    names.dedup();
    Ok(names)
}

fn check_expiry(req: &CreateApiKeyRequest, now: DateTime<Utc>) -> ApiResult<Option<DateTime<Utc>>> {
    match (req.expires_at, req.never_expires) {
        (Some(_), true) => Err(ApiError::invalid_field(
            "/expires_at",
            "conflict",
            "Send either expires_at or never_expires, not both.",
        )),
        (Some(at), false) if at <= now => Err(ApiError::invalid_field(
            "/expires_at",
            "in_past",
            "The end of a new key must be in the future.",
        )),
        (Some(at), false) => Ok(Some(at)),
        (None, true) => Ok(None),
        (None, false) => Ok(Some(now + Duration::days(DEFAULT_LIFETIME_DAYS))),
    }
}

/// Issues a key for an account; the answer is the only place the key appears.
pub fn issue_key(
    c: &mut PgConnection,
    actor: &Actor,
    account: i64,
    req: CreateApiKeyRequest,
) -> ApiResult<CreatedApiKey> {
    let name = req.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid_field("/name", "invalid", "1–100 characters."));
    }
    let scopes = check_scopes(&req.scopes)?;
    let expires_at = check_expiry(&req, Utc::now())?;
    api_keys::find_account(c, account, true)?.ok_or_else(|| not_found(account))?;
    let key = new_key()?;
    let prefix = tracetrack_domain::api_key::check(&key)
        .map_err(|_| ApiError::internal("a new key failed its own checksum"))?
        .to_string();
    let hash = digest(&key);
    let row = api_keys::insert_key(
        c,
        &NewKey {
            account_id: account,
            name: &name,
            prefix: &prefix,
            key_hash: &hash,
            scopes: &scopes,
            expires_at,
            created_by: Some(actor.id()),
        },
    )?;
    let view = key_view(row);
    actor.audit.record(
        c,
        "api_key.create",
        "api_key",
        Some(view.id.to_string()),
        None,
        Some(
            json!({"account_id": account, "name": view.name, "prefix": view.prefix, "scopes": view.scopes,
                    "expires_at": view.expires_at}),
        ),
    )?;
    Ok(CreatedApiKey { key, api_key: view })
}

/// Revokes a key (idempotent); every instance refuses it from the next request on.
pub fn revoke_key(c: &mut PgConnection, actor: &Actor, account: i64, id: i64) -> ApiResult<ApiKey> {
    let row = api_keys::revoke_key(c, account, id)?.ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::NotFound,
            format!("Key {id} of account {account} does not exist."),
        )
    })?;
    actor.audit.record(
        c,
        "api_key.revoke",
        "api_key",
        Some(id.to_string()),
        None,
        Some(json!({"account_id": account, "prefix": row.prefix, "revoked_at": row.revoked_at})),
    )?;
    Ok(key_view(row))
}

pub fn account_view(a: AccountRow) -> ServiceAccount {
    ServiceAccount {
        id: a.id,
        name: a.username,
        description: a.description,
        role: a.role,
        dispatch_area: a.dispatch_area,
        is_active: a.is_active,
        created_at: a.created_at,
        updated_at: a.updated_at,
    }
}

pub fn key_view(k: KeyRow) -> ApiKey {
    ApiKey {
        id: k.id,
        account_id: k.account_id,
        name: k.name,
        prefix: k.prefix,
        scopes: k.scopes.iter().flatten().filter_map(|s| Scope::parse(s)).collect(),
        expires_at: k.expires_at,
        created_by: k.created_by,
        created_at: k.created_at,
        last_used_at: k.last_used_at,
        last_used_ip: k.last_used_ip,
        revoked_at: k.revoked_at,
    }
}
