//! Configuration from the environment (and `.env`): README.md (Configuration), docs/operations.md.

use std::time::Duration;

use anyhow::{bail, Context};

use crate::settings::{Environment, LogFormat, Settings};

/// The PEM files of the native HTTPS listener.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: String,
    pub key: String,
}

/// Everything the server reads at start-up, in the form the code uses
/// (defined, with defaults and help, in [`crate::settings`]).
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
    /// Native HTTPS (`TLS_CERT_PATH`, `TLS_KEY_PATH`) on `tls_port`.
    pub tls: Option<TlsFiles>,
    pub tls_port: u16,
    pub pool_size: u32,
    pub pool_min_idle: u32,
    /// Pool alarms (`POOL_*`): thresholds, check interval, cooldown, mail.
    pub pool_alarm: crate::pool_monitor::Thresholds,
    /// Operators' address for alarms by mail (`MAIL_ADMIN`, `SENDGRID_ADMIN_EMAIL`).
    pub mail_admin: Option<String>,
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
    /// Base of the EPCIS identifiers (`None`: from the request's host).
    pub epcis_id_base: Option<String>,
    /// Encrypts webhook secrets at rest (`None`: derived from the signing key).
    pub webhook_secret_key: Option<String>,
    /// Multiplies every delay of the webhook retry schedule.
    pub webhook_retry_scale: f64,
    /// Webhooks may reach private addresses.
    pub webhook_allow_private: bool,
    /// This instance delivers webhooks.
    pub webhook_delivery: bool,
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
    /// API calls per minute per API key.
    pub rate_api_key: u64,
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
    /// Local time at which the end-of-day report is mailed (`EOD_SEND_AT`).
    pub eod_send_at: Option<chrono::NaiveTime>,
    /// Where server errors are reported (`SENTRY_DSN`).
    pub sentry_dsn: Option<String>,
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

/// The default database of a developer machine.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/tracetrack";

impl Config {
    /// Reads the environment (and `.env`); refuses unsafe production settings.
    pub fn from_env() -> anyhow::Result<Config> {
        Config::from_settings(Settings::from_env()?)
    }

    /// The runtime form of `s`; refuses unsafe production settings.
    pub fn from_settings(s: Settings) -> anyhow::Result<Config> {
        let production = s.environment == Environment::Production;
        let cores = std::thread::available_parallelism()
            .map(|n| n.get() as u32)
            .unwrap_or(2);
        let tls = match (s.tls_cert_path, s.tls_key_path) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            _ => bail!("TLS_CERT_PATH and TLS_KEY_PATH go together"),
        };
        if !(s.webhook_retry_scale.is_finite() && s.webhook_retry_scale > 0.0 && s.webhook_retry_scale <= 100.0) {
            bail!("WEBHOOK_RETRY_SCALE must be a number above 0 and at most 100");
        }
        let cfg = Config {
            production,
            database_url: s
                .production_database_url
                .filter(|_| production)
                .unwrap_or(s.database_url),
            redis_url: s.redis_url,
            jwt_secret: s.jwt_secret.or(s.session_secret),
            admin_password: s.admin_password,
            create_test_users: s.create_test_users,
            biller_password: s.biller_password,
            dispatcher_password: s.dispatcher_password,
            bind: s.bind,
            port: s.port,
            tls,
            tls_port: s.tls_port,
            pool_size: s.pool_size.unwrap_or(2 * cores),
            pool_min_idle: s.pool_min_idle,
            dashboard_pool_size: s.dashboard_pool_size,
            pool_alarm: crate::pool_monitor::Thresholds {
                warning: s.pool_warning_threshold,
                critical: s.pool_critical_threshold,
                danger: s.pool_danger_threshold,
                interval: Duration::from_secs(s.pool_check_interval),
                cooldown: Duration::from_secs(s.pool_alert_cooldown),
                mail: s.pool_email_alerts,
            },
            mail_admin: s.mail_admin.or(s.sendgrid_admin_email),
            pool_timeout: Duration::from_millis(s.pool_timeout_ms),
            lockout_threshold: s.lockout_threshold,
            lockout_minutes: s.lockout_minutes,
            session_idle_minutes: s.session_idle_minutes,
            session_absolute_minutes: s.session_absolute_minutes,
            access_token_minutes: s.access_token_minutes,
            undo_window_minutes: s.undo_window_minutes,
            idempotency_days: s.idempotency_days,
            anonymize_audit_logs: s.anonymize_audit_logs,
            report_timezone: s.report_timezone,
            epcis_id_base: s.epcis_id_base,
            webhook_secret_key: s.webhook_secret_key,
            webhook_retry_scale: s.webhook_retry_scale,
            webhook_allow_private: s.webhook_allow_private,
            webhook_delivery: s.webhook_delivery,
            static_dir: s.static_dir,
            log_json: s.log_format.map_or(production, |f| f == LogFormat::Json),
            metrics_token: s.metrics_token,
            rate_login: s.rate_limit_login,
            rate_login_ip: s.rate_limit_login_ip,
            rate_api: s.rate_limit_api,
            rate_api_key: s.rate_limit_api_key,
            redis_prefix: s.redis_prefix,
            require_admin_2fa: s.require_admin_2fa,
            allow_registration: s.allow_registration,
            rate_forgot: s.rate_limit_forgot,
            rate_reset: s.rate_limit_reset,
            rate_register: s.rate_limit_register,
            audit_clear_days: s.audit_snapshot_days,
            audit_delete_days: s.audit_retention_days,
            slow_query_ms: s.slow_query_ms,
            eod_secret_key: s.eod_secret_key,
            eod_send_at: s.eod_send_at,
            sentry_dsn: s.sentry_dsn,
            max_upload_bytes: s.max_file_upload_size,
            db_lock_timeout: Duration::from_millis(s.db_lock_timeout_ms),
            trusted_proxies: crate::client_ip::Cidr::parse_list(&s.trusted_proxies).context("TRUSTED_PROXIES")?,
            rate_2fa: s.rate_limit_2fa,
            totp_failure_limit: s.totp_failure_limit,
            totp_failure_minutes: s.totp_failure_minutes,
            event_heartbeat: Duration::from_secs(s.event_stream_heartbeat_secs),
            stats_max_age: Duration::from_millis(s.stats_max_age_ms),
            smtp_url: s.smtp_url.or_else(|| {
                s.sendgrid_api_key
                    .map(|key| format!("smtps://apikey:{key}@smtp.sendgrid.net:465"))
            }),
            mail_from: s
                .mail_from
                .or(s.sendgrid_from_email)
                .unwrap_or_else(|| "TraceTrack <tracetrack@localhost>".into()),
            cors_origins: s
                .cors_origins
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_string())
                .filter(|o| !o.is_empty())
                .collect(),
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
        let a = &self.pool_alarm;
        if !(0.0 < a.warning && a.warning <= a.critical && a.critical <= a.danger && a.danger <= 1.0) {
            bail!("POOL_WARNING_THRESHOLD ≤ POOL_CRITICAL_THRESHOLD ≤ POOL_DANGER_THRESHOLD must lie in (0, 1]");
        }
        if a.interval.is_zero() {
            bail!("POOL_CHECK_INTERVAL must be at least 1 second");
        }
        if a.mail && self.mail_admin.is_none() {
            bail!("POOL_EMAIL_ALERTS=true needs MAIL_ADMIN");
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
        let mut config = Config::from_settings(Settings::defaults()).expect("the defaults are valid");
        config.database_url = database_url.to_string();
        config.redis_url = Some(std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()));
        config.redis_prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
        config.port = 0;
        config.pool_size = 8;
        config.stats_max_age = Duration::ZERO;
        // Webhook tests turn delivery on; the rest need no worker polling the database.
        config.webhook_delivery = false;
        config
    }
}
