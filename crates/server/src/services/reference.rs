//! Managed lists (docs/domain.md §1, §5): dispatch areas and bag formats. Codes are
//! fixed once created; a parent format has a capacity and a child weight, a child
//! format has neither; a pattern must be a valid regular expression. Retiring
//! (`active: false`) keeps the row, and bags keep the values copied from it.

use serde_json::json;
use tracetrack_api_types::admin::{CreateAreaRequest, CreateFormatRequest, PatchAreaRequest, PatchFormatRequest};
use tracetrack_api_types::{BagRole, ErrorCode};
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::models::{AreaRow, FormatRow};
use tracetrack_db::reference::{self, NewFormat};
use tracetrack_domain::format::validate_pattern;

use crate::error::{ApiError, ApiResult};
use crate::input::clean_text;
use crate::services::Actor;

/// Adds a dispatch area.
pub fn create_area(c: &mut PgConnection, actor: &Actor, b: CreateAreaRequest) -> ApiResult<AreaRow> {
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
    let area = reference::insert_area(c, &code, &name)?
        .ok_or_else(|| ApiError::conflict(ErrorCode::Duplicate, format!("Area {code} exists.")))?;
    actor.audit.record(
        c,
        "dispatch_area.create",
        "dispatch_area",
        Some(code),
        None,
        Some(json!(area)),
    )?;
    Ok(area)
}

/// Renames or retires a dispatch area.
pub fn update_area(c: &mut PgConnection, actor: &Actor, code: &str, b: PatchAreaRequest) -> ApiResult<AreaRow> {
    let code = code.to_lowercase();
    let name = b.name.map(|n| required_name(Some(n))).transpose()?;
    let before = reference::area(c, &code)?
        .ok_or_else(|| ApiError::not_found(ErrorCode::NotFound, format!("No area {code}.")))?;
    let mut area = before.clone();
    area.name = name.unwrap_or(area.name);
    area.active = b.active.unwrap_or(area.active);
    let after = reference::save_area(c, &area)?;
    actor.audit.record(
        c,
        "dispatch_area.update",
        "dispatch_area",
        Some(code),
        Some(json!(before)),
        Some(json!(after)),
    )?;
    Ok(after)
}

/// Adds a bag format.
pub fn create_format(c: &mut PgConnection, actor: &Actor, b: CreateFormatRequest) -> ApiResult<FormatRow> {
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
    check_pattern(&b.pattern)?;
    let (capacity, weight) = match b.role {
        BagRole::Parent => {
            let cap = b
                .capacity
                .ok_or_else(|| ApiError::invalid_field("/capacity", "required", "A parent format needs capacity."))?;
            let kg = b.child_weight_kg.ok_or_else(|| {
                ApiError::invalid_field("/child_weight_kg", "required", "A parent format needs child_weight_kg.")
            })?;
            (Some(check_capacity(cap)?), Some(grams(kg)?))
        }
        BagRole::Child => (None, None),
    };
    let new = NewFormat {
        code: &code,
        name: &name,
        role: b.role,
        pattern: &b.pattern,
        capacity,
        child_weight_g: weight,
    };
    let row = reference::insert_format(c, &new)?
        .ok_or_else(|| ApiError::conflict(ErrorCode::Duplicate, format!("Format {code} exists.")))?;
    actor
        .audit
        .record(c, "bag_format.create", "bag_format", Some(code), None, Some(json!(row)))?;
    Ok(row)
}

/// Edits or retires a bag format.
pub fn update_format(c: &mut PgConnection, actor: &Actor, code: &str, b: PatchFormatRequest) -> ApiResult<FormatRow> {
    let code = code.to_uppercase();
    let name = b.name.map(|n| required_name(Some(n))).transpose()?;
    if let Some(p) = &b.pattern {
        check_pattern(p)?;
    }
    let capacity = b.capacity.map(check_capacity).transpose()?;
    let weight = b.child_weight_kg.map(grams).transpose()?;
    let before = reference::format(c, &code)?
        .ok_or_else(|| ApiError::not_found(ErrorCode::NotFound, format!("No format {code}.")))?;
    if before.role == BagRole::Child && (capacity.is_some() || weight.is_some()) {
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
    actor.audit.record(
        c,
        "bag_format.update",
        "bag_format",
        Some(code),
        Some(json!(before)),
        Some(json!(after)),
    )?;
    Ok(after)
}

fn required_name(name: Option<String>) -> ApiResult<String> {
    clean_text(name, "/name", 100)?
        .ok_or_else(|| ApiError::invalid_field("/name", "required", "name must not be empty."))
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

fn check_capacity(capacity: i32) -> ApiResult<i32> {
    if !(1..=10_000).contains(&capacity) {
        return Err(ApiError::invalid_field(
            "/capacity",
            "out_of_range",
            "capacity must be between 1 and 10000.",
        ));
    }
    Ok(capacity)
}
