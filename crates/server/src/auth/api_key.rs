//! Requests made with an integration's API key (docs/integrations.md): the key's
//! checksum is checked before any lookup, the key is looked up on every request (so
//! a revocation holds on every instance at once), each key has its own rate limit,
//! and its scopes narrow what the service account's role allows.

use std::collections::HashMap;

use actix_web::{http::header, web, HttpRequest};
use chrono::{Duration, Utc};
use sha2::{Digest, Sha256};
use tracetrack_api_types::integrations::Scope;
use tracetrack_api_types::ErrorCode;
use tracetrack_db::api_keys;
use utoipa::openapi::OpenApi as Document;

use super::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::ratelimit::Quota;
use crate::state::AppState;

/// Name of the API-key security scheme in the OpenAPI document.
pub const SCHEME: &str = "apiKey";
/// The other header a key may come in.
pub const HEADER: &str = "X-API-Key";

/// What a request authenticated by a key may do.
#[derive(Debug, Clone)]
pub struct KeyAuth {
    pub id: i64,
    /// The first characters after `ttk_`: the station id of its scans.
    pub prefix: String,
    pub scopes: Vec<Scope>,
}

/// The scope each operation needs from a key, read from the OpenAPI document (an
/// operation without an `apiKey` requirement is not open to keys).
pub struct KeyScopes(HashMap<(String, String), Scope>);

impl KeyScopes {
    pub fn from_document(doc: &Document) -> KeyScopes {
        let mut map = HashMap::new();
        for (path, item) in &doc.paths.paths {
            let operations = [
                ("GET", &item.get),
                ("POST", &item.post),
                ("PATCH", &item.patch),
                ("DELETE", &item.delete),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation else { continue };
                let requirements = operation.security.iter().flatten();
                let scope = requirements
                    .filter_map(|r| serde_json::to_value(r).ok())
                    .filter_map(|v| v.get(SCHEME)?.get(0)?.as_str().and_then(Scope::parse))
                    .next();
                if let Some(scope) = scope {
                    map.insert((method.to_string(), path.clone()), scope);
                }
            }
        }
        KeyScopes(map)
    }

    /// The scope a key needs for `method` on the route template `pattern`.
    pub fn needed(&self, method: &str, pattern: &str) -> Option<Scope> {
        self.0.get(&(method.to_string(), pattern.to_string())).copied()
    }
}

/// The API key of a request, if it carries one (`Authorization: Bearer ttk_…` or `X-API-Key`).
pub fn presented(req: &HttpRequest) -> Option<String> {
    let text = |name| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(key) = text(HEADER).filter(|k| !k.is_empty()) {
        return Some(key.to_string());
    }
    let (scheme, token) = text(header::AUTHORIZATION.as_str())?.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && token.starts_with(tracetrack_domain::api_key::PREFIX))
        .then(|| token.to_string())
}

fn invalid() -> ApiError {
    ApiError::unauthorized(
        ErrorCode::InvalidApiKey,
        "The API key is not valid: it is mistyped, unknown, revoked or expired.",
    )
}

/// SHA-256 of a whole key, as stored.
pub fn digest(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// The service account a key acts as, with the key's quota for this window.
pub async fn authenticate(state: &AppState, req: &HttpRequest, key: &str) -> ApiResult<(CurrentUser, Quota)> {
    let (ip, _, _) = super::extract::request_meta(req)?;
    let user = resolve(state, key, ip).await?;
    let id = user.api_key.as_ref().map_or(0, |k| k.id);
    let quota = state
        .limiter
        .take("api-key", &id.to_string(), state.config.rate_api_key)
        .await?;
    Ok((user, quota))
}

/// The service account a live key acts as (marking the key used, at most once a
/// minute); `401 invalid_api_key` for a bad checksum (before any lookup), an unknown,
/// revoked or expired key, or an inactive account.
pub async fn resolve(state: &AppState, key: &str, ip: Option<String>) -> ApiResult<CurrentUser> {
    tracetrack_domain::api_key::check(key).map_err(|_| invalid())?;
    let hash = digest(key);
    let caller = state
        .db(move |c| {
            let Some(caller) = api_keys::caller(c, &hash)? else {
                return Ok(None);
            };
            let now = Utc::now();
            let live = caller.usable && caller.revoked_at.is_none() && caller.expires_at.is_none_or(|at| at > now);
            let stale = caller.last_used_at.is_none_or(|at| now - at >= Duration::minutes(1));
            if live && stale {
                api_keys::touch(c, caller.key_id, ip.as_deref())?;
            }
            Ok(live.then_some(caller))
        })
        .await?
        .ok_or_else(invalid)?;
    Ok(CurrentUser {
        id: caller.account_id,
        username: caller.username,
        role: caller.role,
        dispatch_area: caller.dispatch_area,
        session_id: uuid::Uuid::nil(),
        api_key: Some(KeyAuth {
            id: caller.key_id,
            prefix: caller.prefix,
            scopes: caller.scopes.iter().flatten().filter_map(|s| Scope::parse(s)).collect(),
        }),
    })
}

/// 403 unless the key's scopes cover this operation.
pub fn check_scope(req: &HttpRequest, key: &KeyAuth) -> ApiResult<()> {
    let pattern = req.match_pattern().unwrap_or_default();
    let needed = req
        .app_data::<web::Data<KeyScopes>>()
        .and_then(|scopes| scopes.needed(req.method().as_str(), &pattern));
    match needed {
        Some(scope) if key.scopes.contains(&scope) => Ok(()),
        Some(scope) => {
            let mut err = ApiError::new(
                actix_web::http::StatusCode::FORBIDDEN,
                ErrorCode::InsufficientScope,
                format!("This API key lacks the `{}` scope this needs.", scope.as_str()),
            );
            err.extras_mut().scope = Some(scope.as_str());
            Err(err)
        }
        None => Err(ApiError::forbidden(
            "API keys cannot use this operation; it needs a person's session.".to_string(),
        )),
    }
}
