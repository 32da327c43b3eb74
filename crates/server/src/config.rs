//! Configuration from the environment (and `.env`): README.md (Configuration), docs/operations.md.

use std::time::Duration;

use anyhow::{bail, Context};

/// Everything the server reads at start-up.
#[derive(Debug, Clone)]
pub struct Config {
    pub production: bool,
    pub database_url: String,
    pub redis_url: Option<String>,
    pub jwt_secret: Option<String>,
    pub admin_password: Option<String>,
    pub create_test_users: bool,
    pub biller_password: Option<String>,
    pub dispatcher_password: Option<String>,
    pub bind: String,
    pub port: u16,
    pub pool_size: u32,
    pub pool_min_idle: u32,
    /// Connections of the dashboard's own pool (`DASHBOARD_POOL_SIZE`).
    pub dashboard_pool_size: u32,
    pub pool_timeout: Duration,
    pub lockout_threshold: i32,
    pub lockout_minutes: i64,
    pub session_idle_minutes: i64,
    pub session_absolute_minutes: i64,
    pub access_token_minutes: i64,
    pub undo_window_minutes: i64,
    pub idempotency_days: i64,
    pub anonymize_audit_logs: bool,
    pub report_timezone: chrono_tz::Tz,
    pub static_dir: Option<String>,
    pub log_json: bool,
    pub metrics_token: Option<String>,
    /// Origins allowed to call the API from a browser (`CORS_ORIGINS`, comma list).
    pub cors_origins: Vec<String>,
    /// Sign-ins per minute per (client IP, username).
    pub rate_login: u64,
    /// Sign-ins per minute per client IP (a whole shift shares one NAT address).
    pub rate_login_ip: u64,
    /// API calls per minute per user.
    pub rate_api: u64,
    /// Namespace of this deployment's Redis keys.
    pub redis_prefix: String,
    /// Admins must enrol in TOTP before anything else (`REQUIRE_ADMIN_2FA`).
    pub require_admin_2fa: bool,
    /// Self-registration as a dispatcher without area (`ALLOW_REGISTRATION`).
    pub allow_registration: bool,
    /// Per-address limits per minute: forgot-password, reset, register.
    pub rate_forgot: u64,
    pub rate_reset: u64,
    pub rate_register: u64,
    /// Audit retention: snapshots cleared, rows deleted after these many days.
    pub audit_clear_days: i32,
    pub audit_delete_days: i32,
    /// SMTP relay (`SMTP_URL`, or SendGrid's from `SENDGRID_API_KEY`); unset keeps
    /// mail in the outbox for admins.
    pub smtp_url: Option<String>,
    /// Sender of every mail (`MAIL_FROM` or `SENDGRID_FROM_EMAIL`).
    pub mail_from: String,
    /// Database work at least this long is logged and listed in system health.
    pub slow_query_ms: u64,
    /// Lets a cron job send the end-of-day report (`X-EOD-Secret`); unset disables that.
    pub eod_secret_key: Option<String>,
    /// Largest import file in bytes (`MAX_FILE_UPLOAD_SIZE`).
    pub max_upload_bytes: usize,
    /// Longest wait of a request for a row lock (`DB_LOCK_TIMEOUT_MS`); past it, `503`.
    pub db_lock_timeout: Duration,
    /// Proxies whose `X-Forwarded-For` / `Forwarded` is believed (`TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<crate::client_ip::Cidr>,
    /// Calls per minute per user to `/auth/2fa/*` (`RATE_LIMIT_2FA`).
    pub rate_2fa: u64,
    /// Wrong TOTP codes per account within `totp_failure_minutes` before `423`.
    pub totp_failure_limit: i32,
    pub totp_failure_minutes: i32,
    /// Comment line interval of the event stream; its session is re-checked as often.
    pub event_heartbeat: Duration,
    /// Oldest dashboard snapshot `GET /stats` serves (`STATS_MAX_AGE_MS`; 0: none).
    pub stats_max_age: Duration,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|e| anyhow::anyhow!("{name}={v:?} is not valid: {e}")),
    }
}

fn flag(name: &str, default: bool) -> anyhow::Result<bool> {
    match var(name).map(|v| v.to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(true),
        Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => Ok(false),
        Some(v) => bail!("{name}={v:?} is not a boolean (true/false)"),
    }
}

/// The default database of a developer machine.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/tracetrack";

impl Config {
    /// Reads the environment; refuses unsafe production settings.
    pub fn from_env() -> anyhow::Result<Config> {
        let production = var("ENVIRONMENT").is_some_and(|e| e.eq_ignore_ascii_case("production"));
        let database_url = production
            .then(|| var("PRODUCTION_DATABASE_URL"))
            .flatten()
            .or_else(|| var("DATABASE_URL"))
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        let cores = std::thread::available_parallelism()
            .map(|n| n.get() as u32)
            .unwrap_or(2);
        let cfg = Config {
            production,
            database_url,
            redis_url: var("REDIS_URL"),
            jwt_secret: var("JWT_SECRET").or_else(|| var("SESSION_SECRET")),
            admin_password: var("ADMIN_PASSWORD"),
            create_test_users: flag("CREATE_TEST_USERS", false)?,
            biller_password: var("BILLER_PASSWORD"),
            dispatcher_password: var("DISPATCHER_PASSWORD"),
            bind: var("BIND").unwrap_or_else(|| "127.0.0.1".into()),
            port: parse("PORT", 8080)?,
            pool_size: parse("POOL_SIZE", 2 * cores)?,
            pool_min_idle: parse("POOL_MIN_IDLE", 1)?,
            dashboard_pool_size: parse("DASHBOARD_POOL_SIZE", 2)?,
            pool_timeout: Duration::from_millis(parse("POOL_TIMEOUT_MS", 5000)?),
            lockout_threshold: parse("LOCKOUT_THRESHOLD", 5)?,
            lockout_minutes: parse("LOCKOUT_MINUTES", 30)?,
            session_idle_minutes: parse("SESSION_IDLE_MINUTES", 30)?,
            session_absolute_minutes: parse("SESSION_ABSOLUTE_MINUTES", 60)?,
            access_token_minutes: parse("ACCESS_TOKEN_MINUTES", 15)?,
            undo_window_minutes: parse("UNDO_WINDOW_MINUTES", 60)?,
            idempotency_days: parse("IDEMPOTENCY_DAYS", 7)?,
            anonymize_audit_logs: flag("ANONYMIZE_AUDIT_LOGS", true)?,
            report_timezone: parse("REPORT_TIMEZONE", chrono_tz::Asia::Kolkata)?,
            static_dir: var("STATIC_DIR"),
            log_json: var("LOG_FORMAT").map_or(production, |f| f.eq_ignore_ascii_case("json")),
            metrics_token: var("METRICS_TOKEN"),
            rate_login: parse("RATE_LIMIT_LOGIN", 10)?,
            rate_login_ip: parse("RATE_LIMIT_LOGIN_IP", 300)?,
            rate_api: parse("RATE_LIMIT_API", 1200)?,
            redis_prefix: var("REDIS_PREFIX").unwrap_or_else(|| "tracetrack".into()),
            require_admin_2fa: flag("REQUIRE_ADMIN_2FA", false)?,
            allow_registration: flag("ALLOW_REGISTRATION", false)?,
            rate_forgot: parse("RATE_LIMIT_FORGOT", 3)?,
            rate_reset: parse("RATE_LIMIT_RESET", 5)?,
            rate_register: parse("RATE_LIMIT_REGISTER", 5)?,
            audit_clear_days: parse("AUDIT_SNAPSHOT_DAYS", 30)?,
            audit_delete_days: parse("AUDIT_RETENTION_DAYS", 90)?,
            slow_query_ms: parse("SLOW_QUERY_MS", 100)?,
            eod_secret_key: var("EOD_SECRET_KEY"),
            max_upload_bytes: parse("MAX_FILE_UPLOAD_SIZE", 104_857_600)?,
            db_lock_timeout: Duration::from_millis(parse("DB_LOCK_TIMEOUT_MS", 2000)?),
            trusted_proxies: crate::client_ip::Cidr::parse_list(&var("TRUSTED_PROXIES").unwrap_or_default())
                .context("TRUSTED_PROXIES")?,
            rate_2fa: parse("RATE_LIMIT_2FA", 5)?,
            totp_failure_limit: parse("TOTP_FAILURE_LIMIT", 5)?,
            totp_failure_minutes: parse("TOTP_FAILURE_MINUTES", 15)?,
            event_heartbeat: Duration::from_secs(parse("EVENT_STREAM_HEARTBEAT_SECS", 15)?),
            stats_max_age: Duration::from_millis(parse("STATS_MAX_AGE_MS", 1000)?),
            smtp_url: var("SMTP_URL")
                .or_else(|| var("SENDGRID_API_KEY").map(|key| format!("smtps://apikey:{key}@smtp.sendgrid.net:465"))),
            mail_from: var("MAIL_FROM")
                .or_else(|| var("SENDGRID_FROM_EMAIL"))
                .unwrap_or_else(|| "TraceTrack <tracetrack@localhost>".into()),
            cors_origins: var("CORS_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|o| o.trim().trim_end_matches('/').to_string())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        };
        cfg.check()?;
        Ok(cfg)
    }

    /// Production refuses weak or missing secrets and test users.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.pool_size == 0 || self.pool_min_idle > self.pool_size {
            bail!("POOL_SIZE must be at least 1 and at least POOL_MIN_IDLE");
        }
        if self.dashboard_pool_size == 0 {
            bail!("DASHBOARD_POOL_SIZE must be at least 1");
        }
        if self.stats_max_age > Duration::from_secs(60) {
            bail!("STATS_MAX_AGE_MS must be at most 60000");
        }
        if self.event_heartbeat.is_zero() {
            bail!("EVENT_STREAM_HEARTBEAT_SECS must be at least 1");
        }
        if self.production {
            let secret = self
                .jwt_secret
                .as_deref()
                .context("ENVIRONMENT=production needs JWT_SECRET")?;
            if secret.len() < 32 {
                bail!("JWT_SECRET must be at least 32 bytes in production");
            }
            if self.create_test_users {
                bail!("CREATE_TEST_USERS=true is refused in production");
            }
            if self.eod_secret_key.as_ref().is_some_and(|k| k.len() < 32) {
                bail!("EOD_SECRET_KEY must be at least 32 bytes in production");
            }
            if self.cors_origins.iter().any(|o| o == "*") {
                bail!("CORS_ORIGINS=* is refused in production; list the origins");
            }
        }
        Ok(())
    }

    /// A configuration for tests: the given database, the local Redis
    /// (`TEST_REDIS_URL`, default `redis://127.0.0.1:6379`) under a prefix of its
    /// own, everything else default.
    pub fn for_tests(database_url: &str) -> Config {
        Config {
            production: false,
            database_url: database_url.to_string(),
            redis_url: Some(var("TEST_REDIS_URL").unwrap_or_else(|| "redis://127.0.0.1:6379".into())),
            jwt_secret: None,
            admin_password: None,
            create_test_users: false,
            biller_password: None,
            dispatcher_password: None,
            bind: "127.0.0.1".into(),
            port: 0,
            pool_size: 8,
            pool_min_idle: 1,
            dashboard_pool_size: 2,
            pool_timeout: Duration::from_secs(5),
            lockout_threshold: 5,
            lockout_minutes: 30,
            session_idle_minutes: 30,
            session_absolute_minutes: 60,
            access_token_minutes: 15,
            undo_window_minutes: 60,
            idempotency_days: 7,
            anonymize_audit_logs: true,
            report_timezone: chrono_tz::Asia::Kolkata,
            static_dir: None,
            log_json: false,
            metrics_token: None,
            cors_origins: Vec::new(),
            rate_login: 10,
            rate_login_ip: 300,
            rate_api: 1200,
            redis_prefix: format!("test-{}", uuid::Uuid::new_v4().simple()),
            require_admin_2fa: false,
            allow_registration: false,
            rate_forgot: 3,
            rate_reset: 5,
            rate_register: 5,
            audit_clear_days: 30,
            audit_delete_days: 90,
            smtp_url: None,
            slow_query_ms: 100,
            eod_secret_key: None,
            max_upload_bytes: 104_857_600,
            db_lock_timeout: Duration::from_millis(2000),
            trusted_proxies: Vec::new(),
            rate_2fa: 5,
            totp_failure_limit: 5,
            totp_failure_minutes: 15,
            event_heartbeat: Duration::from_secs(15),
            stats_max_age: Duration::ZERO,
            mail_from: "TraceTrack <tracetrack@localhost>".into(),
        }
    }
}
