//! TraceTrack server: the actix-web API, Swagger UI and the web app.

pub mod app;
pub mod auth;
pub mod bootstrap;
pub mod client_ip;
pub mod config;
pub mod error;
pub mod error_tracker;
pub mod format_cache;
pub mod input;
pub mod jobs;
pub mod live;
pub mod metrics;
pub mod monitor;
pub mod openapi;
pub mod pool_monitor;
pub mod ratelimit;
pub mod redis;
pub mod routes;
pub mod security;
pub mod services;
pub mod settings;
pub mod state;
pub mod stats_cache;
pub mod tls;
pub mod webhooks;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Instant;

use actix_web::{web, HttpServer};
use anyhow::Context;
use tracetrack_db::PoolConfig;

use crate::auth::jwt::JwtKeys;
use crate::config::Config;
use crate::state::{AppState, FormatCache};

/// Creates the database if needed, migrates, bootstraps users, builds the state.
pub fn prepare(config: Config) -> anyhow::Result<AppState> {
    bootstrap::ensure_database(&config.database_url)?;
    let pool_cfg = PoolConfig {
        max_size: config.pool_size,
        min_idle: config.pool_min_idle,
        timeout: config.pool_timeout,
        lock_timeout: config.db_lock_timeout,
    };
    let pool = tracetrack_db::build_pool(&bootstrap::with_timeout(&config.database_url), &pool_cfg)
        .context("cannot open the database pool")?;
    let dashboard_cfg = PoolConfig {
        max_size: config.dashboard_pool_size,
        min_idle: 0,
        ..pool_cfg
    };
    let dashboard_pool = tracetrack_db::build_pool(&bootstrap::with_timeout(&config.database_url), &dashboard_cfg)
        .context("cannot open the dashboard's database pool")?;
    let mut conn = pool.get().context("cannot get a database connection")?;
    let applied = tracetrack_db::run_migrations(&mut conn).map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied migrations");
    }
    let secret = bootstrap::jwt_secret(&mut conn, &config)?;
    bootstrap::users(&mut conn, &config)?;
    // Hash the dummy password now, so the first unknown-user login is not faster than the rest.
    auth::password::dummy_hash();
    drop(conn);
    let config_prefix = config.redis_prefix.clone();
    let redis = match &config.redis_url {
        Some(url) => Some(
            deadpool_redis::Config::from_url(url)
                .create_pool(Some(deadpool_redis::Runtime::Tokio1))
                .context("REDIS_URL is not a valid Redis URL")?,
        ),
        None => {
            tracing::info!("REDIS_URL is not set: using in-process fallbacks (single instance)");
            None
        }
    };
    let mailer = services::mailer::Mailer::from_config(&config)?;
    let errors = error_tracker::ErrorTracker::from_config(&config)?;
    let config_stats_age = config.stats_max_age;
    Ok(AppState {
        monitor: Arc::new(monitor::Monitor::new(config.slow_query_ms)),
        mailer,
        pool,
        dashboard_pool,
        jwt: Arc::new(JwtKeys::new(secret.as_bytes())),
        webhook_secrets: Arc::new(webhooks::secrets::SecretBox::new(
            config.webhook_secret_key.as_deref(),
            &secret,
        )),
        config: Arc::new(config),
        formats: Arc::new(FormatCache::default()),
        started_at: Instant::now(),
        limiter: Arc::new(ratelimit::Limiter::new(redis.clone(), config_prefix.clone())),
        sessions: Arc::new(auth::session_cache::SessionCache::new(redis.clone(), config_prefix)),
        redis,
        live: Arc::new(live::LiveHub::default()),
        stats: Arc::new(stats_cache::StatsCache::new(config_stats_age)),
        pool_watch: Arc::new(pool_monitor::PoolWatch::default()),
        metrics: Arc::new(metrics::Metrics::new()),
        errors,
    })
}

/// Starts serving on bound listeners (plain HTTP, and HTTPS when `TLS_CERT_PATH` is
/// set); returns the server handle to await.
pub fn serve(
    state: AppState,
    listener: TcpListener,
    https: Option<TcpListener>,
    workers: usize,
) -> anyhow::Result<actix_web::dev::Server> {
    let tls = match (&state.config.tls, https) {
        (Some(files), Some(https)) => Some((tls::Certificates::load(files.clone())?, https)),
        (None, None) => None,
        _ => anyhow::bail!("an HTTPS listener goes with TLS_CERT_PATH and TLS_KEY_PATH"),
    };
    let doc = Arc::new(openapi::document());
    let routes = web::Data::new(app::KnownRoutes::from_document(&doc));
    let scopes = web::Data::new(auth::api_key::KeyScopes::from_document(&doc));
    // Both builds' pages: their inline scripts are hashed into the CSP.
    let index = state.config.static_dir.as_ref().and_then(|d| {
        let read = |name: &str| std::fs::read_to_string(std::path::Path::new(d).join(name)).ok();
        read("index.html").map(|i| i + &read("office.html").unwrap_or_default())
    });
    let security = web::Data::new(security::SecurityHeaders::new(
        index.as_deref(),
        state.config.production,
    ));
    actix_web::rt::spawn(jobs::run(state.clone()));
    actix_web::rt::spawn(live::run(state.clone()));
    actix_web::rt::spawn(stats_cache::run(state.clone()));
    actix_web::rt::spawn(pool_monitor::run(state.clone()));
    actix_web::rt::spawn(webhooks::deliver::run(state.clone()));
    if let Some(url) = state.config.redis_url.clone() {
        let prefix = state.config.redis_prefix.clone();
        actix_web::rt::spawn(format_cache::follow(state.formats.clone(), url, prefix));
    }
    let mut server = HttpServer::new(move || {
        app::build(state.clone(), doc.clone(), routes.clone())
            .app_data(security.clone())
            .app_data(scopes.clone())
    })
    .workers(workers)
    .shutdown_timeout(30)
    .listen(listener)?;
    if let Some((certs, https)) = tls {
        server = server.listen_rustls_0_23(https, certs.server_config()?)?;
        #[cfg(unix)]
        actix_web::rt::spawn(tls::reload_on_hangup(certs));
    }
    Ok(server.run())
}
