//! `/api/v1/exports/{kind}` (admin): bags, bills, scan events and user activity as
//! CSV (streamed page by page, constant memory, no row cap) or XLSX.

use actix_web::web::Bytes;
use actix_web::{get, web, HttpResponse};
use chrono::Utc;
use futures_util::stream;
use serde::Deserialize;
use tracetrack_api_types::{ExportFormat, Role};
use tracetrack_db::exports::Window;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::routes::params::{choice, time_range};
use crate::services::exports::{csv_line, csv_rows, record_export, Kind, XlsxSheet};
use crate::services::Actor;
use crate::state::AppState;
use tracetrack_api_types::ErrorCode;

/// Rows read per database round trip.
const PAGE: i64 = 2_000;
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(export);
}

/// Which rows, in which form.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` when absent.
    #[param(value_type = Option<ExportFormat>)]
    format: Option<String>,
    /// Rows created (scans: recorded) at or after this instant (RFC 3339).
    #[param(format = DateTime)]
    from: Option<String>,
    /// Rows created (scans: recorded) before this instant (RFC 3339).
    #[param(format = DateTime)]
    to: Option<String>,
}

/// Export `bags`, `bills`, `scans` or `user-activity` (admin). CSV is streamed with
/// no row cap; XLSX holds one sheet (Excel's 1,048,575 rows, else
/// `422 too_many_rows`). Every export is audited.
#[utoipa::path(
    operation_id = "export_table",
    tag = "exports",
    params(
        ("kind" = String, Path, description = "bags, bills, scans or user-activity", pattern = "^(bags|bills|scans|user-activity)$"),
        ExportQuery
    ),
    responses((status = 200, description = "the file", content(
        (String = "text/csv"),
        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    ))),
    security(("bearer" = []))
)]
#[get("/{kind}")]
async fn export(
    state: web::Data<AppState>,
    ctx: Ctx,
    kind: web::Path<String>,
    q: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    ctx.user.require(Role::Admin)?;
    let kind = Kind::parse(&kind)
        .ok_or_else(|| ApiError::not_found(ErrorCode::NotFound, "Exports are bags, bills, scans and user-activity."))?;
    let q = q.into_inner();
    let format = choice::<ExportFormat>(q.format.as_deref(), "format")?.unwrap_or(ExportFormat::Csv);
    let xlsx = format == ExportFormat::Xlsx;
    let (from, to) = time_range(q.from.as_deref(), q.to.as_deref(), ("from", "to"))?;
    let window = Window { from, to };
    let actor = Actor::new(&ctx, &state.config);
    state
        .tx(move |c| record_export(c, &actor, kind, format, window))
        .await?;
    let filename = format!(
        "attachment; filename=\"{}-{}.{format}\"",
        kind.as_str(),
        Utc::now().format("%Y%m%d-%H%M%S")
    );
    if xlsx {
        let sheet = state.db(move |c| xlsx_rows(c, kind, window)).await?;
        // The zip compression runs with the connection given back.
        let file = web::block(move || sheet.finish()).await?.map_err(ApiError::internal)?;
        return Ok(HttpResponse::Ok()
            .content_type(XLSX_TYPE)
            .insert_header(("Content-Disposition", filename))
            .body(file));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", filename))
        .streaming(csv_stream(state.get_ref().clone(), kind, window)))
}

/// The header, then one chunk per page until a short page. A database failure
/// mid-stream ends the body early (the client sees a truncated download).
fn csv_stream(
    state: AppState,
    kind: Kind,
    window: Window,
) -> impl futures_util::Stream<Item = Result<Bytes, ApiError>> {
    let mut header = String::new();
    csv_line(&mut header, kind.header());
    let first = stream::once(async move { Ok(Bytes::from(header)) });
    let pages = stream::try_unfold(Some(0i64), move |after| {
        let state = state.clone();
        async move {
            let Some(after) = after else { return Ok(None) };
            let (rows, last) = state.db(move |c| Ok(kind.page(c, window, after, PAGE)?)).await?;
            if rows.is_empty() {
                return Ok(None);
            }
            let next = (rows.len() as i64 == PAGE).then_some(last);
            Ok(Some((Bytes::from(csv_rows(&rows)), next)))
        }
    });
    futures_util::StreamExt::chain(first, pages)
}

/// Every row in an XLSX sheet, read page by page on one connection.
fn xlsx_rows(c: &mut tracetrack_db::diesel::PgConnection, kind: Kind, window: Window) -> ApiResult<XlsxSheet> {
    let mut sheet = XlsxSheet::new(kind).map_err(ApiError::internal)?;
    let mut after = 0;
    loop {
        let (rows, last) = kind.page(c, window, after, PAGE)?;
        if !sheet.append(&rows).map_err(ApiError::internal)? {
            return Err(ApiError::unprocessable(
                ErrorCode::TooManyRows,
                "More rows than one spreadsheet holds; export as CSV or narrow from/to.",
            ));
        }
        if (rows.len() as i64) < PAGE {
            break;
        }
        after = last;
    }
    Ok(sheet)
}
