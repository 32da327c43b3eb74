//! `/api/v1/service-accounts`: integrations' accounts and their API keys (admin).

use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::Deserialize;
use tracetrack_api_types::integrations::{
    ApiKey, CreateApiKeyRequest, CreateServiceAccountRequest, CreatedApiKey, PatchServiceAccountRequest, ServiceAccount,
};
use tracetrack_api_types::{Page, Problem, Role};
use tracetrack_db::api_keys;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::common::{decode_id_cursor, id_key, limit, page};
use crate::auth::{Ctx, CurrentUser};
use crate::error::ApiResult;
use crate::input::Json;
use crate::services::service_accounts::{self as service, account_view, key_view, not_found};
use crate::services::Actor;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_service_accounts)
        .service(create_service_account)
        .service(get_service_account)
        .service(patch_service_account)
        .service(delete_service_account)
        .service(list_api_keys)
        .service(create_api_key)
        .service(revoke_api_key);
}

/// Paging of the account list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountQuery {
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// From the previous page.
    cursor: Option<String>,
}

/// Service accounts, newest first (admin).
#[utoipa::path(
    tag = "integrations",
    params(AccountQuery),
    responses((status = 200, body = Page<ServiceAccount>), (status = 403, description = "forbidden", body = Problem), (status = 422, description = "validation_failed", body = Problem)),
    security(("bearer" = []))
)]
#[get("")]
async fn list_service_accounts(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<AccountQuery>,
) -> ApiResult<web::Json<Page<ServiceAccount>>> {
    user.require(Role::Admin)?;
    let limit = limit(q.limit)?;
    let before = decode_id_cursor(q.cursor.as_deref())?;
    let rows = state
        .db(move |c| Ok(api_keys::list_accounts(c, before, limit)?))
        .await?;
    Ok(web::Json(page(rows, limit, |a| id_key(a.id), account_view)))
}

/// Create a service account (admin): a biller or dispatcher that signs in only with keys.
#[utoipa::path(
    tag = "integrations",
    request_body = CreateServiceAccountRequest,
    responses(
        (status = 201, body = ServiceAccount),
        (status = 403, description = "forbidden", body = Problem),
        (status = 409, description = "duplicate (name taken)", body = Problem),
        (status = 422, description = "validation_failed (admin role, unknown area, ...)", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("")]
async fn create_service_account(
    state: web::Data<AppState>,
    ctx: Ctx,
    body: Json<CreateServiceAccountRequest>,
) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let actor = Actor::new(&ctx, &state.config);
    let req = body.into_inner();
    let account = state
        .tx(move |c| service::create(c, &actor, req).map(account_view))
        .await?;
    Ok(HttpResponse::Created().json(account))
}

/// One service account (admin).
#[utoipa::path(
    tag = "integrations",
    params(("id" = i64, Path, description = "Service account id")),
    responses((status = 200, body = ServiceAccount), (status = 403, description = "forbidden", body = Problem), (status = 404, description = "not_found", body = Problem)),
    security(("bearer" = []))
)]
#[get("/{id}")]
async fn get_service_account(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> ApiResult<web::Json<ServiceAccount>> {
    user.require(Role::Admin)?;
    let id = path.into_inner();
    let row = state
        .db(move |c| api_keys::find_account(c, id, false)?.ok_or_else(|| not_found(id)))
        .await?;
    Ok(web::Json(account_view(row)))
}

/// Change a service account (admin); deactivating refuses all its keys at once.
#[utoipa::path(
    tag = "integrations",
    params(("id" = i64, Path, description = "Service account id")),
    request_body = PatchServiceAccountRequest,
    responses(
        (status = 200, body = ServiceAccount),
        (status = 403, description = "forbidden", body = Problem),
        (status = 404, description = "not_found", body = Problem),
        (status = 422, description = "validation_failed", body = Problem),
    ),
    security(("bearer" = []))
)]
#[patch("/{id}")]
async fn patch_service_account(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<i64>,
    body: Json<PatchServiceAccountRequest>,
) -> ApiResult<web::Json<ServiceAccount>> {
    ctx.user.require(Role::Admin)?;
    let id = path.into_inner();
    let actor = Actor::new(&ctx, &state.config);
    let change = body.into_inner();
    let account = state
        .tx(move |c| service::update(c, &actor, id, change).map(account_view))
        .await?;
    Ok(web::Json(account))
}

/// Delete a service account and revoke its keys (admin).
#[utoipa::path(
    tag = "integrations",
    params(("id" = i64, Path, description = "Service account id")),
    responses((status = 204, description = "deleted"), (status = 403, description = "forbidden", body = Problem), (status = 404, description = "not_found", body = Problem)),
    security(("bearer" = []))
)]
#[delete("/{id}")]
async fn delete_service_account(state: web::Data<AppState>, ctx: Ctx, path: web::Path<i64>) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let id = path.into_inner();
    let actor = Actor::new(&ctx, &state.config);
    state.tx(move |c| service::delete(c, &actor, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An account's keys, newest first, revoked ones included; never the keys themselves (admin).
#[utoipa::path(
    tag = "integrations",
    params(("id" = i64, Path, description = "Service account id")),
    responses((status = 200, body = Vec<ApiKey>), (status = 403, description = "forbidden", body = Problem), (status = 404, description = "not_found", body = Problem)),
    security(("bearer" = []))
)]
#[get("/{id}/keys")]
async fn list_api_keys(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> ApiResult<web::Json<Vec<ApiKey>>> {
    user.require(Role::Admin)?;
    let id = path.into_inner();
    let keys = state
        .db(move |c| {
            api_keys::find_account(c, id, false)?.ok_or_else(|| not_found(id))?;
            Ok(api_keys::list_keys(c, id)?)
        })
        .await?;
    Ok(web::Json(keys.into_iter().map(key_view).collect()))
}

/// Issue a key (admin). The answer holds the key; it is never shown again.
#[utoipa::path(
    tag = "integrations",
    params(("id" = i64, Path, description = "Service account id")),
    request_body = CreateApiKeyRequest,
    responses(
        (status = 201, body = CreatedApiKey),
        (status = 403, description = "forbidden", body = Problem),
        (status = 404, description = "not_found", body = Problem),
        (status = 422, description = "validation_failed (no scopes, end in the past)", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/keys")]
async fn create_api_key(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<i64>,
    body: Json<CreateApiKeyRequest>,
) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let id = path.into_inner();
    let actor = Actor::new(&ctx, &state.config);
    let req = body.into_inner();
    let created = state.tx(move |c| service::issue_key(c, &actor, id, req)).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Revoke a key (admin): every instance refuses it from the next request on.
#[utoipa::path(
    tag = "integrations",
    params(("id" = i64, Path, description = "Service account id"), ("key_id" = i64, Path, description = "Key id")),
    responses((status = 200, body = ApiKey), (status = 403, description = "forbidden", body = Problem), (status = 404, description = "not_found", body = Problem)),
    security(("bearer" = []))
)]
#[delete("/{id}/keys/{key_id}")]
async fn revoke_api_key(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<(i64, i64)>,
) -> ApiResult<web::Json<ApiKey>> {
    ctx.user.require(Role::Admin)?;
    let (id, key_id) = path.into_inner();
    let actor = Actor::new(&ctx, &state.config);
    let key = state.tx(move |c| service::revoke_key(c, &actor, id, key_id)).await?;
    Ok(web::Json(key))
}
