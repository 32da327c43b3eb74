//! `/api/v1/reports/eod` (admin): the end-of-day summary as JSON or CSV.

use actix_web::{get, web, HttpResponse};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use tracetrack_api_types::reports::EodReport;
use tracetrack_domain::Role;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::services::reports::{day_bounds, summarise, to_csv};
use crate::state::AppState;

/// More bills than this in one day answer `422 too_many_bills`; nobody ships that many.
const MAX_BILLS: i64 = 20_000;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(eod);
}

/// Which day, in which form.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EodQuery {
    /// The day (`YYYY-MM-DD`) in `REPORT_TIMEZONE`; today when absent.
    #[param(format = Date)]
    date: Option<String>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

/// The bills created on one day, counted by status and creator, with parents,
/// children and weights, and one row per bill (admin).
#[utoipa::path(
    tag = "reports",
    params(EodQuery),
    responses((status = 200, description = "the report", content((EodReport = "application/json"), (String = "text/csv")))),
    security(("bearer" = []))
)]
#[get("/eod")]
async fn eod(state: web::Data<AppState>, user: CurrentUser, q: web::Query<EodQuery>) -> ApiResult<HttpResponse> {
    user.require(Role::Admin)?;
    let q = q.into_inner();
    let tz = state.config.report_timezone;
    let date = match q.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| ApiError::invalid_param("date", "date must be YYYY-MM-DD."))?,
        None => Utc::now().with_timezone(&tz).date_naive(),
    };
    let csv = match q.format.as_deref().unwrap_or("json") {
        "json" | "" => false,
        "csv" => true,
        _ => return Err(ApiError::invalid_param("format", "format must be json or csv.")),
    };
    let (from, to) = day_bounds(date, tz);
    let bills = state
        .db(move |c| Ok(tracetrack_db::bills::created_between(c, from, to, MAX_BILLS + 1)?))
        .await?;
    if bills.len() as i64 > MAX_BILLS {
        return Err(ApiError::unprocessable(
            "too_many_bills",
            format!("More than {MAX_BILLS} bills on {date}; export them instead."),
        ));
    }
    let report = summarise(date, tz, bills);
    if csv {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"eod-{date}.csv\""),
            ))
            .body(to_csv(&report)));
    }
    Ok(HttpResponse::Ok().json(report))
}
