//! `/api/v1/dispatch-areas` and `/api/v1/bag-formats`: managed lists.

use actix_web::{get, patch, post, web, HttpResponse};
use tracetrack_api_types::admin::*;
use tracetrack_api_types::{Items, Problem, Role};
use tracetrack_db::reference;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{Ctx, CurrentUser};
use crate::error::ApiResult;
use crate::input::Json;
use crate::services::reference as rules;
use crate::services::views::{area_view, format_view};
use crate::services::Actor;
use crate::state::AppState;

pub fn configure_areas(cfg: &mut ServiceConfig) {
    cfg.service(list_areas).service(create_area).service(patch_area);
}

pub fn configure_formats(cfg: &mut ServiceConfig) {
    cfg.service(list_formats).service(create_format).service(patch_format);
}

/// All dispatch areas (every signed-in user).
#[utoipa::path(tag = "dispatch-areas", responses((status = 200, body = Items<DispatchArea>)), security(("bearer" = [])))]
#[get("")]
async fn list_areas(state: web::Data<AppState>, _user: CurrentUser) -> ApiResult<web::Json<Items<DispatchArea>>> {
    let rows = state.db(|c| Ok(reference::areas(c)?)).await?;
    Ok(web::Json(Items {
        items: rows.iter().map(area_view).collect(),
    }))
}

/// Add a dispatch area (admin).
#[utoipa::path(
    tag = "dispatch-areas",
    request_body = CreateAreaRequest,
    responses(
        (status = 201, body = DispatchArea),
        (status = 403, description = "forbidden", body = Problem),
        (status = 409, description = "duplicate", body = Problem),
        (status = 422, description = "validation_failed", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("")]
async fn create_area(state: web::Data<AppState>, ctx: Ctx, body: Json<CreateAreaRequest>) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let (b, actor) = (body.into_inner(), Actor::new(&ctx, &state.config));
    let area = state.tx(move |c| rules::create_area(c, &actor, b)).await?;
    Ok(HttpResponse::Created().json(area_view(&area)))
}

/// Rename or retire (`active: false`) a dispatch area (admin).
#[utoipa::path(
    tag = "dispatch-areas",
    params(("code" = String, Path, description = "Area code")),
    request_body = PatchAreaRequest,
    responses(
        (status = 200, body = DispatchArea),
        (status = 403, description = "forbidden", body = Problem),
        (status = 404, description = "not_found", body = Problem),
        (status = 422, description = "validation_failed", body = Problem),
    ),
    security(("bearer" = []))
)]
#[patch("/{code}")]
async fn patch_area(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<String>,
    body: Json<PatchAreaRequest>,
) -> ApiResult<web::Json<DispatchArea>> {
    ctx.user.require(Role::Admin)?;
    let (code, b, actor) = (path.into_inner(), body.into_inner(), Actor::new(&ctx, &state.config));
    let area = state.tx(move |c| rules::update_area(c, &actor, &code, b)).await?;
    Ok(web::Json(area_view(&area)))
}

/// All bag formats, in classification order (every signed-in user).
#[utoipa::path(tag = "bag-formats", responses((status = 200, body = Items<BagFormat>)), security(("bearer" = [])))]
#[get("")]
async fn list_formats(state: web::Data<AppState>, _user: CurrentUser) -> ApiResult<web::Json<Items<BagFormat>>> {
    let rows = state.db(|c| Ok(reference::formats(c)?)).await?;
    Ok(web::Json(Items {
        items: rows.iter().map(format_view).collect(),
    }))
}

/// Add a bag format (admin).
#[utoipa::path(
    tag = "bag-formats",
    request_body = CreateFormatRequest,
    responses(
        (status = 201, body = BagFormat),
        (status = 403, description = "forbidden", body = Problem),
        (status = 409, description = "duplicate", body = Problem),
        (status = 422, description = "validation_failed (bad pattern, parent without capacity, ...)", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("")]
async fn create_format(
    state: web::Data<AppState>,
    ctx: Ctx,
    body: Json<CreateFormatRequest>,
) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let (b, actor) = (body.into_inner(), Actor::new(&ctx, &state.config));
    let format = state.tx(move |c| rules::create_format(c, &actor, b)).await?;
    crate::format_cache::announce_change(&state).await;
    Ok(HttpResponse::Created().json(format_view(&format)))
}

/// Edit or retire (`active: false`) a bag format (admin); existing bags keep their copied values.
#[utoipa::path(
    tag = "bag-formats",
    params(("code" = String, Path, description = "Format code")),
    request_body = PatchFormatRequest,
    responses(
        (status = 200, body = BagFormat),
        (status = 403, description = "forbidden", body = Problem),
        (status = 404, description = "not_found", body = Problem),
        (status = 422, description = "validation_failed", body = Problem),
    ),
    security(("bearer" = []))
)]
#[patch("/{code}")]
async fn patch_format(
    state: web::Data<AppState>,
    ctx: Ctx,
    path: web::Path<String>,
    body: Json<PatchFormatRequest>,
) -> ApiResult<web::Json<BagFormat>> {
    ctx.user.require(Role::Admin)?;
    let (code, b, actor) = (path.into_inner(), body.into_inner(), Actor::new(&ctx, &state.config));
    let format = state.tx(move |c| rules::update_format(c, &actor, &code, b)).await?;
    crate::format_cache::announce_change(&state).await;
    Ok(web::Json(format_view(&format)))
}
