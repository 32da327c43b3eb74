//! `/api/v1/imports` (admin): upload a CSV or XLSX file; a background job applies
//! it while `GET /imports/{id}` shows progress and row errors.

use actix_multipart::{Field, Multipart};
use actix_web::{get, post, web, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use tracetrack_api_types::imports::{ImportDetail, ImportJob, ImportRowError};
use tracetrack_api_types::{ImportMode, Role};
use tracetrack_api_types::{Page, Problem};
use tracetrack_db::imports::ImportRow;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::common::{decode_id_cursor, id_key, limit, page};
use crate::auth::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::services::imports as job;
use crate::services::imports::file::ImportKind;
use crate::services::imports::upload::{self, Upload};
use crate::state::AppState;
use tracetrack_api_types::ErrorCode;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(start_import).service(list_imports).service(detail);
}

/// The multipart form of an upload.
#[derive(ToSchema)]
#[schema(example = json!({"file": "akola-batch-2026-12-03.xlsx", "kind": "batch_sheet", "mode": "best_effort"}))]
#[allow(dead_code)]
pub struct ImportUpload {
    /// The CSV (UTF-8) or XLSX file, at most `MAX_FILE_UPLOAD_SIZE` bytes.
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
    /// What the file holds; found from the header when absent.
    kind: Option<ImportKind>,
    /// What a refused row does; `all_or_nothing` when absent.
    mode: Option<ImportMode>,
}

/// Start an import (admin): answers `202` with the queued job at once; the rows
/// are applied in the background. A file that cannot be read or whose layout is
/// unknown is refused with `422 bad_file` before anything runs.
#[utoipa::path(
    tag = "imports",
    request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses(
        (status = 202, body = ImportJob, headers(("Location" = String, description = "the job"))),
        (status = 413, description = "payload_too_large: over MAX_FILE_UPLOAD_SIZE", body = Problem),
        (status = 422, description = "bad_file, empty_file or validation_failed", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("")]
async fn start_import(state: web::Data<AppState>, ctx: Ctx, mut form: Multipart) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let max = state.config.max_upload_bytes;
    let (mut upload, mut kind, mut mode) = (None, None, None);
    while let Some(field) = form.next().await {
        let field = field.map_err(bad_form)?;
        match field.name().unwrap_or_default() {
            "file" => {
                let name = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .unwrap_or("upload")
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect::<String>();
                upload = Some((name, read_field(field, max).await?));
            }
            "kind" => kind = Some(text_field(field).await?),
            "mode" => mode = Some(text_field(field).await?),
            _ => drop(read_field(field, max).await?),
        }
    }
    let (filename, bytes) = upload
        .ok_or_else(|| ApiError::invalid_field("/file", "required", "Attach the file as the form field file."))?;
    let kind =
        match kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            None => None,
            Some(k) => Some(ImportKind::parse(k).ok_or_else(|| {
                ApiError::invalid_field("/kind", "invalid", "kind must be bags, bills or batch_sheet.")
            })?),
        };
    let mode = match mode.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        None => ImportMode::AllOrNothing,
        Some(m) => ImportMode::parse(m).ok_or_else(|| {
            ApiError::invalid_field("/mode", "invalid", "mode must be all_or_nothing or best_effort.")
        })?,
    };
    let upload = Upload {
        filename,
        bytes,
        kind,
        mode,
    };
    let row = upload::start(&state, ctx, upload).await?;
    Ok(HttpResponse::Accepted()
        .insert_header(("Location", format!("/api/v1/imports/{}", row.id)))
        .json(view(row)))
}

fn bad_form(e: actix_multipart::MultipartError) -> ApiError {
    ApiError::bad_request(
        ErrorCode::InvalidMultipart,
        format!("Send the file as multipart/form-data: {e}"),
    )
}

/// A field's bytes, refusing more than `max`.
async fn read_field(mut field: Field, max: usize) -> ApiResult<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(bad_form)?;
        if out.len() + chunk.len() > max {
            return Err(ApiError::new(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                format!("The file is larger than {max} bytes (MAX_FILE_UPLOAD_SIZE)."),
            ));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// A short text field.
async fn text_field(field: Field) -> ApiResult<String> {
    let bytes = read_field(field, 100).await?;
    String::from_utf8(bytes)
        .map_err(|_| ApiError::bad_request(ErrorCode::InvalidMultipart, "Form fields must be UTF-8."))
}

fn view(r: ImportRow) -> ImportJob {
    let percent = if r.total_rows > 0 {
        (i64::from(r.processed_rows) * 100 / i64::from(r.total_rows)) as i32
    } else {
        100
    };
    ImportJob {
        id: r.id,
        kind: r.kind,
        mode: r.mode,
        filename: r.filename,
        status: r.status,
        total_rows: r.total_rows,
        processed_rows: r.processed_rows,
        applied_rows: r.applied_rows,
        error_rows: r.error_rows,
        percent,
        message: r.message,
        created_by: r.created_by,
        created_by_name: r.created_by_name,
        created_at: r.created_at,
        updated_at: r.updated_at,
        finished_at: r.finished_at,
    }
}

/// Paging of the import list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportListQuery {
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// From the previous page.
    cursor: Option<String>,
}

/// Imports, newest first (admin).
#[utoipa::path(
    tag = "imports",
    params(ImportListQuery),
    responses((status = 200, body = Page<ImportJob>)),
    security(("bearer" = []))
)]
#[get("")]
async fn list_imports(state: web::Data<AppState>, ctx: Ctx, q: web::Query<ImportListQuery>) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let limit = limit(q.limit)?;
    let before = decode_id_cursor(q.cursor.as_deref())?;
    let rows = state
        .db(move |c| Ok(tracetrack_db::imports::list(c, before, limit + 1)?))
        .await?;
    Ok(HttpResponse::Ok().json(page(rows, limit, |r| id_key(r.id), view)))
}

/// One import with its progress and its first 1,000 row errors (admin).
#[utoipa::path(
    operation_id = "get_import",
    tag = "imports",
    params(("id" = i64, Path, description = "the import")),
    responses((status = 200, body = ImportDetail)),
    security(("bearer" = []))
)]
#[get("/{id}")]
async fn detail(state: web::Data<AppState>, ctx: Ctx, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let id = id.into_inner();
    let (row, errors) = state
        .db(move |c| {
            let row = tracetrack_db::imports::find(c, id)?.ok_or_else(|| job::not_found(id))?;
            Ok((row, tracetrack_db::imports::errors(c, id)?))
        })
        .await?;
    let errors = errors
        .into_iter()
        .map(|e| ImportRowError {
            row: e.row_number,
            code: e.code,
            message: e.message,
        })
        .collect();
    Ok(HttpResponse::Ok().json(ImportDetail { job: view(row), errors }))
}
