//! `/api/v1/webhooks`: outgoing webhook endpoints and their deliveries (admin).

use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::Deserialize;
use tracetrack_api_types::webhooks::{
    CreateWebhookRequest, DeliveryStatus, PatchWebhookRequest, Queued, WebhookDelivery, WebhookEndpoint,
    WebhookWithSecret,
};
use tracetrack_api_types::{Items, Page, Problem, Role};
use tracetrack_db::webhooks as db;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::common::{decode_id_cursor, id_key, limit, page};
use super::params::timestamp;
use crate::auth::{Ctx, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::input::Json;
use crate::services::webhooks::{self as service, checked_url, delivery_view, not_found, view};
use crate::services::Actor;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(retry_webhook_delivery)
        .service(get_webhook)
        .service(patch_webhook)
        .service(delete_webhook)
        .service(rotate_webhook_secret)
        .service(send_webhook_test)
        .service(list_webhook_deliveries)
        .service(replay_webhook_messages);
}

/// Webhook endpoints, oldest first (admin).
#[utoipa::path(
    tag = "webhooks",
    responses((status = 200, body = Items<WebhookEndpoint>), (status = 403, description = "forbidden", body = Problem)),
    security(("bearer" = []))
)]
#[get("")]
async fn list_webhooks(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<web::Json<Items<WebhookEndpoint>>> {
    user.require(Role::Admin)?;
    let rows = state.db(|c| Ok(db::list_endpoints(c)?)).await?;
    Ok(web::Json(Items {
        items: rows.into_iter().map(view).collect(),
    }))
}

/// Add an endpoint (admin). The answer holds its signing secret, shown this once.
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhookRequest,
    responses(
        (status = 201, body = WebhookWithSecret),
        (status = 403, description = "forbidden", body = Problem),
        (status = 422, description = "validation_failed (URL not https, internal address, unknown area, ...)", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("")]
async fn create_webhook(
    state: web::Data<AppState>,
    ctx: Ctx,
    body: Json<CreateWebhookRequest>,
) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let req = body.into_inner();
    let url = checked_url(&state, Some(&req.url)).await?.unwrap_or_default();
    let actor = Actor::new(&ctx, &state.config);
    let secrets = state.webhook_secrets.clone();
    let created = state
        .tx(move |c| service::create(c, &actor, &secrets, url, req))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// One endpoint (admin).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    responses((status = 200, body = WebhookEndpoint), (status = 403, description = "forbidden", body = Problem), (status = 404, description = "not_found", body = Problem)),
    security(("bearer" = []))
)]
#[get("/{id}")]
async fn get_webhook(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> ApiResult<web::Json<WebhookEndpoint>> {
    user.require(Role::Admin)?;
    let id = path.into_inner();
    let row = state
        .db(move |c| db::find_endpoint(c, id, false)?.ok_or_else(|| not_found(id)))
        .await?;
    Ok(web::Json(view(row)))
}

/// Change an endpoint (admin); `enabled: true` turns a disabled one back on.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    request_body = PatchWebhookRequest,
    responses(
        (status = 200, body = WebhookEndpoint),
        (status = 403, description = "forbidden", body = Problem),
        (status = 404, description = "not_found", body = Problem),
        (status = 422, description = "validation_failed", body = Problem),
    ),
    security(("bearer" = []))
)]
#[patch("/{id}")]
async fn patch_webhook(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<i64>,
    body: Json<PatchWebhookRequest>,
) -> ApiResult<web::Json<WebhookEndpoint>> {
    ctx.user.require(Role::Admin)?;
    let id = path.into_inner();
    let change = body.into_inner();
    let url = checked_url(&state, change.url.as_deref()).await?;
    let actor = Actor::new(&ctx, &state.config);
    let row = state.tx(move |c| service::update(c, &actor, id, url, change)).await?;
    Ok(web::Json(view(row)))
}

/// Delete an endpoint and its delivery log (admin).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    responses((status = 204, description = "deleted"), (status = 403, description = "forbidden", body = Problem), (status = 404, description = "not_found", body = Problem)),
    security(("bearer" = []))
)]
#[delete("/{id}")]
async fn delete_webhook(state: web::Data<AppState>, ctx: Ctx, path: web::Path<i64>) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let id = path.into_inner();
    let actor = Actor::new(&ctx, &state.config);
    state.tx(move |c| service::delete(c, &actor, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A new signing secret (admin), shown this once; the old one also signs for 24 h.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    responses((status = 200, body = WebhookWithSecret), (status = 403, description = "forbidden", body = Problem), (status = 404, description = "not_found", body = Problem)),
    security(("bearer" = []))
)]
#[post("/{id}/rotate-secret")]
async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<i64>,
) -> ApiResult<web::Json<WebhookWithSecret>> {
    ctx.user.require(Role::Admin)?;
    let id = path.into_inner();
    let actor = Actor::new(&ctx, &state.config);
    let secrets = state.webhook_secrets.clone();
    let rotated = state.tx(move |c| service::rotate(c, &actor, &secrets, id)).await?;
    Ok(web::Json(rotated))
}

/// Send a `webhook.test` message to the endpoint (admin).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    responses((status = 202, body = Queued), (status = 403, description = "forbidden", body = Problem), (status = 404, description = "not_found", body = Problem)),
    security(("bearer" = []))
)]
#[post("/{id}/test")]
async fn send_webhook_test(state: web::Data<AppState>, ctx: Ctx, path: web::Path<i64>) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let id = path.into_inner();
    let actor = Actor::new(&ctx, &state.config);
    state.tx(move |c| service::send_test(c, &actor, id)).await?;
    Ok(HttpResponse::Accepted().json(Queued { queued: 1 }))
}

/// Filters of the delivery log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only deliveries in this state.
    #[param(value_type = Option<DeliveryStatus>)]
    status: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// From the previous page.
    cursor: Option<String>,
}

/// An endpoint's deliveries, newest first, with status and last response (admin).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id"), DeliveryQuery),
    responses((status = 200, body = Page<WebhookDelivery>), (status = 403, description = "forbidden", body = Problem), (status = 404, description = "not_found", body = Problem), (status = 422, description = "validation_failed", body = Problem)),
    security(("bearer" = []))
)]
#[get("/{id}/deliveries")]
async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
    q: web::Query<DeliveryQuery>,
) -> ApiResult<web::Json<Page<WebhookDelivery>>> {
    user.require(Role::Admin)?;
    let id = path.into_inner();
    let q = q.into_inner();
    let limit = limit(q.limit)?;
    let before = decode_id_cursor(q.cursor.as_deref())?;
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s @ ("pending" | "succeeded" | "failed")) => Some(s.to_string()),
        Some(_) => {
            return Err(ApiError::invalid_param(
                "status",
                "status must be one of: pending, succeeded, failed.",
            ))
        }
    };
    let rows = state
        .db(move |c| {
            db::find_endpoint(c, id, false)?.ok_or_else(|| not_found(id))?;
            Ok(db::deliveries(c, id, status.as_deref(), before, limit)?)
        })
        .await?;
    Ok(web::Json(page(rows, limit, |d| id_key(d.id), delivery_view)))
}

/// Send one delivery again now, whatever its state (admin).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Delivery id")),
    responses((status = 202, body = Queued), (status = 403, description = "forbidden", body = Problem), (status = 404, description = "not_found", body = Problem)),
    security(("bearer" = []))
)]
#[post("/deliveries/{id}/retry")]
async fn retry_webhook_delivery(state: web::Data<AppState>, ctx: Ctx, path: web::Path<i64>) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let id = path.into_inner();
    let actor = Actor::new(&ctx, &state.config);
    state.tx(move |c| service::retry(c, &actor, id)).await?;
    Ok(HttpResponse::Accepted().json(Queued { queued: 1 }))
}

/// When a replay starts.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReplayQuery {
    /// RFC 3339 time: every message since then that the endpoint wants is sent again.
    since: Option<String>,
}

/// Send again every message since a time (admin), with the original `webhook-id`s.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id"), ReplayQuery),
    responses((status = 202, body = Queued), (status = 403, description = "forbidden", body = Problem), (status = 404, description = "not_found", body = Problem), (status = 422, description = "validation_failed", body = Problem)),
    security(("bearer" = []))
)]
#[post("/{id}/replay")]
async fn replay_webhook_messages(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<i64>,
    q: web::Query<ReplayQuery>,
) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let id = path.into_inner();
    let since = timestamp(q.since.as_deref(), "since")?
        .ok_or_else(|| ApiError::invalid_param("since", "since is required (RFC 3339)."))?;
    let actor = Actor::new(&ctx, &state.config);
    let queued = state.tx(move |c| service::replay(c, &actor, id, since)).await?;
    Ok(HttpResponse::Accepted().json(Queued { queued }))
}
