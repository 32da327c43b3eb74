//! Statistics and the audit log.

use actix_web::{get, web};
use serde::Deserialize;
use tracetrack_api_types::admin::{AuditEntry, Stats};
use tracetrack_api_types::Role;
use tracetrack_api_types::{Page, Problem};
use tracetrack_db::audit::{self, AuditFilter};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::common::{decode_id_cursor, id_key, limit, page};
use super::params::time_range;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::services::views::audit_view;
use crate::state::AppState;

pub fn configure_stats(cfg: &mut ServiceConfig) {
    cfg.service(stats);
}

pub fn configure_audit(cfg: &mut ServiceConfig) {
    cfg.service(audit_log);
}

/// Exact dashboard counts as of `as_of` (read again in the background every
/// `STATS_MAX_AGE_MS`, default 1 s),
/// cheap to read at millions of bags; a dispatcher's scan counts are their area's and
/// those of bags of no area.
#[utoipa::path(operation_id = "get_stats", tag = "dashboard", responses((status = 200, body = Stats)), security(("bearer" = [])))]
#[get("")]
async fn stats(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<web::Json<Stats>> {
    let stats = state.stats.get(&state, user.visibility()).await?;
    Ok(web::Json(Stats::clone(&stats)))
}

/// Filters of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Who acted.
    actor_id: Option<i64>,
    /// E.g. `bill.complete`.
    action: Option<String>,
    /// `user`, `bill`, `bag`, `bag_format`, `dispatch_area`, `session`.
    entity_type: Option<String>,
    /// The entity's id or code.
    entity_id: Option<String>,
    /// At or after (RFC 3339).
    #[param(format = DateTime)]
    from: Option<String>,
    /// Before (RFC 3339).
    #[param(format = DateTime)]
    to: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// From the previous page.
    cursor: Option<String>,
}

/// The audit log, newest first (admin).
#[utoipa::path(
    operation_id = "list_audit_entries",
    tag = "audit",
    params(AuditQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 403, description = "forbidden", body = Problem), (status = 422, description = "validation_failed", body = Problem)),
    security(("bearer" = []))
)]
#[get("")]
async fn audit_log(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<AuditQuery>,
) -> ApiResult<web::Json<Page<AuditEntry>>> {
    user.require(Role::Admin)?;
    let q = q.into_inner();
    let limit = limit(q.limit)?;
    let before = decode_id_cursor(q.cursor.as_deref())?;
    let (from, to) = time_range(q.from.as_deref(), q.to.as_deref(), ("from", "to"))?;
    let filter = AuditFilter {
        actor_id: q.actor_id,
        action: q.action,
        entity_type: q.entity_type,
        entity_id: q.entity_id,
        from,
        to,
    };
    let rows = state.db(move |c| Ok(audit::list(c, &filter, before, limit)?)).await?;
    Ok(web::Json(page(rows, limit, |a| id_key(a.id), audit_view)))
}
