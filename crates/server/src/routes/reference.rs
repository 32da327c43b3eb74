//! `/api/v1/dispatch-areas` and `/api/v1/bag-formats`: managed lists.

use actix_web::{get, patch, post, web, HttpResponse};
use serde_json::json;
use tracetrack_api_types::admin::*;
use tracetrack_api_types::{BagRole, Role};
use tracetrack_api_types::{Items, Problem};
use tracetrack_db::reference::{self, NewFormat};
use tracetrack_domain::format::validate_pattern;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{Ctx, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::input::clean_text;
use crate::input::Json;
use crate::services::audit::Auditor;
use crate::services::views::{area_view, format_view};
use crate::state::AppState;
use tracetrack_api_types::ErrorCode;

pub fn configure_areas(cfg: &mut ServiceConfig) {
    cfg.service(list_areas).service(create_area).service(patch_area);
}

pub fn configure_formats(cfg: &mut ServiceConfig) {
    cfg.service(list_formats).service(create_format).service(patch_format);
}

fn required_name(name: Option<String>) -> ApiResult<String> {
    clean_text(name, "/name", 100)?
        .ok_or_else(|| ApiError::invalid_field("/name", "required", "name must not be empty."))
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
    let b = body.into_inner();
    let code = b.code.trim().to_lowercase();
    if !(2..=40).contains(&code.len())
        || !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        return Err(ApiError::invalid_field(
            "/code",
            "invalid",
            "2–40 characters: a-z, 0-9, '_' or '-'.",
        ));
    }
    let name = required_name(Some(b.name))?;
    let st = state.get_ref().clone();
    let area = state
        .tx(move |c| {
            let area = reference::insert_area(c, &code, &name)?
                .ok_or_else(|| ApiError::conflict(ErrorCode::Duplicate, format!("Area {code} exists.")))?;
            Auditor::new(&ctx, &st.config).record(
                c,
                "dispatch_area.create",
                "dispatch_area",
                Some(code),
                None,
                Some(json!(area)),
            )?;
            Ok(area_view(&area))
        })
        .await?;
    Ok(HttpResponse::Created().json(area))
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
    let code = path.into_inner().to_lowercase();
    let b = body.into_inner();
    let name = b.name.map(|n| required_name(Some(n))).transpose()?;
    let st = state.get_ref().clone();
    let area = state
        .tx(move |c| {
            let before = reference::area(c, &code)?
                .ok_or_else(|| ApiError::not_found(ErrorCode::NotFound, format!("No area {code}.")))?;
            let mut area = before.clone();
            area.name = name.unwrap_or(area.name);
            area.active = b.active.unwrap_or(area.active);
            let after = reference::save_area(c, &area)?;
            Auditor::new(&ctx, &st.config).record(
                c,
                "dispatch_area.update",
                "dispatch_area",
                Some(code),
                Some(json!(before)),
                Some(json!(after)),
            )?;
            Ok(area_view(&after))
        })
        .await?;
    Ok(web::Json(area))
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

fn check_pattern(pattern: &str) -> ApiResult<()> {
    if pattern.is_empty() || pattern.len() > 200 {
        return Err(ApiError::invalid_field(
            "/pattern",
            "invalid",
            "pattern needs 1–200 characters.",
        ));
    }
    validate_pattern(pattern)
        .map_err(|e| ApiError::invalid_field("/pattern", "invalid", format!("Not a valid regular expression: {e}")))
}

fn grams(kg: f64) -> ApiResult<i32> {
    if !kg.is_finite() || kg <= 0.0 || kg > 1000.0 {
        return Err(ApiError::invalid_field(
            "/child_weight_kg",
            "out_of_range",
            "child_weight_kg must be above 0 and at most 1000.",
        ));
    }
    Ok((kg * 1000.0).round() as i32)
}

fn check_format_capacity(capacity: i32) -> ApiResult<i32> {
    if !(1..=10_000).contains(&capacity) {
        return Err(ApiError::invalid_field(
            "/capacity",
            "out_of_range",
            "capacity must be between 1 and 10000.",
        ));
    }
    Ok(capacity)
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
    let b = body.into_inner();
    let code = b.code.trim().to_uppercase();
    if !(2..=20).contains(&code.len())
        || !code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        return Err(ApiError::invalid_field(
            "/code",
            "invalid",
            "2–20 characters: A-Z, 0-9, '_' or '-'.",
        ));
    }
    let name = required_name(Some(b.name))?;
    let role = b.role;
    check_pattern(&b.pattern)?;
    let (capacity, weight) = match role {
        BagRole::Parent => {
            let cap = b
                .capacity
                .ok_or_else(|| ApiError::invalid_field("/capacity", "required", "A parent format needs capacity."))?;
            let kg = b.child_weight_kg.ok_or_else(|| {
                ApiError::invalid_field("/child_weight_kg", "required", "A parent format needs child_weight_kg.")
            })?;
            (Some(check_format_capacity(cap)?), Some(grams(kg)?))
        }
        BagRole::Child => (None, None),
    };
    let st = state.get_ref().clone();
    let format = state
        .tx(move |c| {
            let new = NewFormat {
                code: &code,
                name: &name,
                role: role.as_str(),
                pattern: &b.pattern,
                capacity,
                child_weight_g: weight,
            };
            let row = reference::insert_format(c, &new)?
                .ok_or_else(|| ApiError::conflict(ErrorCode::Duplicate, format!("Format {code} exists.")))?;
            Auditor::new(&ctx, &st.config).record(
                c,
                "bag_format.create",
                "bag_format",
                Some(code),
                None,
                Some(json!(row)),
            )?;
            Ok(format_view(&row))
        })
        .await?;
    state.formats.invalidate();
    Ok(HttpResponse::Created().json(format))
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
    let code = path.into_inner().to_uppercase();
    let b = body.into_inner();
    let name = b.name.map(|n| required_name(Some(n))).transpose()?;
    if let Some(p) = &b.pattern {
        check_pattern(p)?;
    }
    let capacity = b.capacity.map(check_format_capacity).transpose()?;
    let weight = b.child_weight_kg.map(grams).transpose()?;
    let st = state.get_ref().clone();
    let format = state
        .tx(move |c| {
            let before = reference::format(c, &code)?
                .ok_or_else(|| ApiError::not_found(ErrorCode::NotFound, format!("No format {code}.")))?;
            let parent = before.role == BagRole::Parent;
            if !parent && (capacity.is_some() || weight.is_some()) {
                return Err(ApiError::invalid_field(
                    "/capacity",
                    "not_allowed",
                    "Child formats have no capacity or weight.",
                ));
            }
            let mut row = before.clone();
            row.name = name.unwrap_or(row.name);
            row.pattern = b.pattern.unwrap_or(row.pattern);
            row.capacity = capacity.or(row.capacity);
            row.child_weight_g = weight.or(row.child_weight_g);
            row.active = b.active.unwrap_or(row.active);
            let after = reference::save_format(c, &row)?;
            Auditor::new(&ctx, &st.config).record(
                c,
                "bag_format.update",
                "bag_format",
                Some(code),
                Some(json!(before)),
                Some(json!(after)),
            )?;
            Ok(format_view(&after))
        })
        .await?;
    state.formats.invalidate();
    Ok(web::Json(format))
}
