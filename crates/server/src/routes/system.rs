//! `/api/v1/system/health` (admin): pool use, database size, Redis, memory,
//! uptime, errors in the last hour and slow database work of this instance.

use actix_web::{get, web};
use tracetrack_api_types::system::{PoolHealth, SystemHealth};
use tracetrack_api_types::Role;
use utoipa_actix_web::service_config::ServiceConfig;

use super::health::redis_answers;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(system_health);
}

/// Resident memory from `/proc/self/statm` (Linux; pages of 4 KiB).
fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// How this instance and its dependencies are doing (admin).
#[utoipa::path(operation_id = "get_system_health", tag = "system", responses((status = 200, body = SystemHealth)), security(("bearer" = [])))]
#[get("/health")]
async fn system_health(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<web::Json<SystemHealth>> {
    user.require(Role::Admin)?;
    let size = state.db(|c| Ok(tracetrack_db::stats::database_size(c)?)).await;
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    let redis = match redis_answers(&state).await {
        Some(ok) => word(ok),
        None => "not_configured",
    };
    let pool = state.pool.state();
    Ok(web::Json(SystemHealth {
        version: env!("CARGO_PKG_VERSION").into(),
        uptime_seconds: state.started_at.elapsed().as_secs(),
        database: word(size.is_ok()).into(),
        database_bytes: size.ok(),
        redis: redis.into(),
        pool: PoolHealth {
            max: state.config.pool_size,
            open: pool.connections,
            idle: pool.idle_connections,
            in_use: pool.connections.saturating_sub(pool.idle_connections),
        },
        memory_rss_bytes: rss_bytes(),
        errors_last_hour: state.monitor.errors_last_hour() as u64,
        slow_query_ms: state.monitor.slow_ms(),
        slow_queries: state.monitor.slow(),
    }))
}
