//! `/health`, `/ready`, `/metrics` (no auth).

use actix_web::{get, http::header, web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};
use tracetrack_api_types::{HealthStatus, Problem};
use tracetrack_db::diesel::{sql_query, RunQueryDsl};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;
use crate::state::AppState;
use tracetrack_api_types::ErrorCode;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health).service(ready).service(metrics);
}

/// The process is up (touches nothing).
#[utoipa::path(operation_id = "check_health", tag = "health", responses((status = 200, body = HealthStatus)))]
#[get("/health")]
async fn health() -> web::Json<HealthStatus> {
    web::Json(HealthStatus {
        status: "ok".into(),
        checks: None,
    })
}

/// PostgreSQL answers (and Redis, when configured).
#[utoipa::path(operation_id = "check_readiness", tag = "health", responses((status = 200, body = HealthStatus), (status = 503, description = "a dependency failed", body = HealthStatus)))]
#[get("/ready")]
async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let db_ok = state
        .db(|c| sql_query("SELECT 1").execute(c).map_err(ApiError::from))
        .await
        .is_ok();
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    let mut checks = serde_json::Map::new();
    checks.insert("postgres".into(), word(db_ok).into());
    let mut ok = db_ok;
    if let Some(redis_ok) = redis_answers(&state).await {
        checks.insert("redis".into(), word(redis_ok).into());
        ok &= redis_ok;
    }
    let body = HealthStatus {
        status: word(ok).into(),
        checks: Some(checks),
    };
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header((header::RETRY_AFTER, "5"))
            .json(body)
    }
}

/// Does Redis answer a PING within 2 s? `None` when no Redis is configured.
pub async fn redis_answers(state: &AppState) -> Option<bool> {
    let redis = state.redis.as_ref()?;
    let ping = async {
        let mut conn = redis.get().await.ok()?;
        deadpool_redis::redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .ok()
    };
    Some(
        tokio::time::timeout(std::time::Duration::from_secs(2), ping)
            .await
            .ok()
            .flatten()
            .is_some(),
    )
}

/// Prometheus metrics (bearer `METRICS_TOKEN` when set).
#[utoipa::path(
    operation_id = "get_metrics",
    tag = "health",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String),
              (status = 401, description = "unauthorized (METRICS_TOKEN set)", body = Problem))
)]
#[get("/metrics")]
async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if let Some(token) = &state.config.metrics_token {
        let sent = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        // Digests compared, so the time taken says nothing about how much matched.
        let digest = |v: &str| Sha256::digest(v.as_bytes());
        if sent.map(digest) != Some(digest(&format!("Bearer {token}"))) {
            return Err(ApiError::unauthorized(
                ErrorCode::Unauthorized,
                "Send Authorization: Bearer <METRICS_TOKEN>.",
            ));
        }
    }
    let m = &state.metrics;
    m.gauge(
        "tracetrack_uptime_seconds",
        &[],
        state.started_at.elapsed().as_secs_f64(),
    );
    m.gauge(
        "tracetrack_build_info",
        &[
            ("version", env!("CARGO_PKG_VERSION")),
            ("commit", env!("TRACETRACK_COMMIT")),
        ],
        1.0,
    );
    for (name, pool, max) in [
        ("main", &state.pool, state.config.pool_size),
        ("dashboard", &state.dashboard_pool, state.config.dashboard_pool_size),
    ] {
        let s = pool.state();
        m.gauge(
            "tracetrack_db_pool_connections",
            &[("pool", name)],
            f64::from(s.connections),
        );
        m.gauge(
            "tracetrack_db_pool_idle",
            &[("pool", name)],
            f64::from(s.idle_connections),
        );
        m.gauge("tracetrack_db_pool_max", &[("pool", name)], f64::from(max));
    }
    m.gauge(
        "tracetrack_db_pool_waiting",
        &[("pool", "main")],
        state.pool_watch.waiting_now() as f64,
    );
    if let Some(up) = redis_answers(&state).await {
        m.gauge("tracetrack_redis_up", &[], if up { 1.0 } else { 0.0 });
    }
    // Mail waiting for the relay; -1 when the database did not answer. Without a
    // relay the outbox is where mail stays for admins, so 0.
    let backlog = match state.mailer {
        None => 0.0,
        Some(_) => state
            .dashboard_db(|c| Ok(tracetrack_db::mail::unsent(c, crate::services::mailer::MAX_ATTEMPTS)?))
            .await
            .map_or(-1.0, |n| n as f64),
    };
    m.gauge("tracetrack_outbox_backlog", &[], backlog);
    let text = m.render();
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(text))
}
