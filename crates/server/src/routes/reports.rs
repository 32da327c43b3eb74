//! `/api/v1/reports/eod` (admin): the end-of-day summary as JSON or CSV.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tracetrack_api_types::reports::{EodReport, EodSent};
use tracetrack_api_types::Problem;
use tracetrack_api_types::{ReportFormat, Role};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::extract::{authenticate, request_meta};
use crate::auth::CurrentUser;
use crate::error::{current_request_id, ApiError, ApiResult};
use crate::routes::params::choice;
use crate::services::audit::Auditor;
use crate::services::reports::{day_bounds, queue_eod, summarise, to_csv, MAX_BILLS};
use crate::state::AppState;
use tracetrack_api_types::ErrorCode;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(eod).service(send_eod);
}

/// Which day, in which form.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EodQuery {
    /// The day (`YYYY-MM-DD`) in `REPORT_TIMEZONE`; today when absent.
    #[param(format = Date)]
    date: Option<String>,
    /// `json` when absent.
    #[param(value_type = Option<ReportFormat>)]
    format: Option<String>,
}

/// The bills created on one day, counted by status and creator, with parents,
/// children and weights, and one row per bill (admin).
#[utoipa::path(
    operation_id = "get_eod_report",
    tag = "reports",
    params(EodQuery),
    responses((status = 200, description = "the report", content((EodReport = "application/json"), (String = "text/csv")))),
    security(("bearer" = []))
)]
#[get("/eod")]
async fn eod(state: web::Data<AppState>, user: CurrentUser, q: web::Query<EodQuery>) -> ApiResult<HttpResponse> {
    user.require(Role::Admin)?;
    let q = q.into_inner();
    let csv = choice::<ReportFormat>(q.format.as_deref(), "format")? == Some(ReportFormat::Csv);
    let report = build(&state, q.date.as_deref()).await?;
    let date = report.date;
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

/// The report of `date` (`YYYY-MM-DD`, today in `REPORT_TIMEZONE` when absent).
async fn build(state: &AppState, date: Option<&str>) -> ApiResult<EodReport> {
    let tz = state.config.report_timezone;
    let date = match date.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| ApiError::invalid_param("date", "date must be YYYY-MM-DD."))?,
        None => Utc::now().with_timezone(&tz).date_naive(),
    };
    let (from, to) = day_bounds(date, tz);
    let bills = state
        .db(move |c| Ok(tracetrack_db::bills::created_between(c, from, to, MAX_BILLS + 1)?))
        .await?;
    if bills.len() as i64 > MAX_BILLS {
        return Err(ApiError::unprocessable(
            ErrorCode::TooManyBills,
            format!("More than {MAX_BILLS} bills on {date}; export them instead."),
        ));
    }
    Ok(summarise(date, tz, bills))
}

/// Which day to send.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SendQuery {
    /// The day (`YYYY-MM-DD`) in `REPORT_TIMEZONE`; today when absent.
    #[param(format = Date)]
    date: Option<String>,
}

/// Is the `X-EOD-Secret` header the configured key? (Digests compared, so the
/// time taken says nothing about how much of the key matched.)
fn secret_matches(state: &AppState, sent: &str) -> bool {
    state
        .config
        .eod_secret_key
        .as_ref()
        .is_some_and(|key| Sha256::digest(key.as_bytes()) == Sha256::digest(sent.as_bytes()))
}

/// Mail the end-of-day report to active admins and billers with an e-mail address:
/// a cron job with `X-EOD-Secret: <EOD_SECRET_KEY>` (disabled when unset), or an admin.
#[utoipa::path(
    operation_id = "send_eod_report",
    tag = "reports",
    params(SendQuery, ("X-EOD-Secret" = Option<String>, Header, description = "EOD_SECRET_KEY, instead of a token")),
    responses(
        (status = 202, body = EodSent),
        (status = 401, description = "unauthorized: neither the secret nor a token", body = Problem),
    ),
    security(("bearer" = []), ())
)]
#[post("/eod/send")]
async fn send_eod(state: web::Data<AppState>, req: HttpRequest, q: web::Query<SendQuery>) -> ApiResult<HttpResponse> {
    let (ip, _, _) = request_meta(&req)?;
    let secret = req.headers().get("X-EOD-Secret").and_then(|v| v.to_str().ok());
    let actor = match secret {
        Some(sent) if secret_matches(&state, sent) => None,
        Some(_) => {
            return Err(ApiError::unauthorized(
                ErrorCode::Unauthorized,
                "The X-EOD-Secret is wrong, or EOD_SECRET_KEY is not set.",
            ))
        }
        None => {
            let user = authenticate(req.clone()).await?;
            user.require(Role::Admin)?;
            Some(user.id)
        }
    };
    let report = build(&state, q.date.as_deref()).await?;
    let date = report.date;
    let audit = Auditor::anonymous(ip, current_request_id(), &state.config).actor(actor);
    let recipients = state.tx(move |c| queue_eod(c, &audit, &report)).await?;
    crate::services::mailer::deliver_soon(&state);
    Ok(HttpResponse::Accepted().json(EodSent { date, recipients }))
}
