//! The one definition of every setting: command-line option, environment variable
//! (also read from `.env`), default and help text. `tracetrack serve --help` prints it,
//! `tracetrack env-example` writes `.env.example` from it, and tests start from the
//! same defaults ([`Settings::defaults`]).

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, CommandFactory, FromArgMatches, ValueEnum};

/// `ENVIRONMENT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

/// `LOG_FORMAT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    #[value(alias = "text")]
    Pretty,
    Json,
}

/// Every setting the server reads at start-up (docs/operations.md, Configuration).
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// `production` refuses weak secrets and test users, and turns on secure cookies and HSTS
    #[arg(long, env = "ENVIRONMENT", value_enum, ignore_case = true, default_value_t = Environment::Development)]
    pub environment: Environment,
    /// PostgreSQL 15+; the database is created if missing
    #[arg(long, env = "DATABASE_URL", default_value = crate::config::DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// The old system's name; wins over DATABASE_URL when ENVIRONMENT=production
    #[arg(long, env = "PRODUCTION_DATABASE_URL")]
    pub production_database_url: Option<String>,
    /// Redis for shared rate limits, revocations and live events across instances (unset: in-process fallbacks)
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,
    /// Namespace of this deployment's Redis keys
    #[arg(long, env = "REDIS_PREFIX", default_value = "tracetrack")]
    pub redis_prefix: String,
    /// Token signing key, at least 32 bytes in production (unset in development: generated once, kept in the database)
    #[arg(long, env = "JWT_SECRET")]
    pub jwt_secret: Option<String>,
    /// The old system's name of JWT_SECRET
    #[arg(long, env = "SESSION_SECRET")]
    pub session_secret: Option<String>,
    /// Password of the first admin (`admin`), created when no admin exists (unset: generated and printed once)
    #[arg(long, env = "ADMIN_PASSWORD")]
    pub admin_password: Option<String>,
    /// Creates biller1 and dispatcher1 (refused in production)
    #[arg(long, env = "CREATE_TEST_USERS", default_value_t = false, action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub create_test_users: bool,
    /// Password of biller1 (CREATE_TEST_USERS)
    #[arg(long, env = "BILLER_PASSWORD")]
    pub biller_password: Option<String>,
    /// Password of dispatcher1 (CREATE_TEST_USERS)
    #[arg(long, env = "DISPATCHER_PASSWORD")]
    pub dispatcher_password: Option<String>,
    /// Address to listen on (0.0.0.0: every interface)
    #[arg(long, env = "BIND", default_value = "127.0.0.1")]
    pub bind: String,
    /// HTTP port; with TLS it serves localhost and redirects every other host to HTTPS
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,
    /// PEM certificate chain: serve HTTPS on TLS_PORT (re-read on SIGHUP)
    #[arg(long, env = "TLS_CERT_PATH", requires = "tls_key_path")]
    pub tls_cert_path: Option<String>,
    /// PEM private key of TLS_CERT_PATH
    #[arg(long, env = "TLS_KEY_PATH", requires = "tls_cert_path")]
    pub tls_key_path: Option<String>,
    /// HTTPS port (with TLS_CERT_PATH)
    #[arg(long, env = "TLS_PORT", default_value_t = 8443)]
    pub tls_port: u16,
    /// Directory of the built web app (unset: frontend/dist when it exists)
    #[arg(long, env = "STATIC_DIR")]
    pub static_dir: Option<String>,
    /// Origins allowed to call the API from a browser, comma list (`*` refused in production)
    #[arg(long, env = "CORS_ORIGINS", default_value = "")]
    pub cors_origins: String,
    /// Addresses/CIDRs (comma list) of proxies whose X-Forwarded-For / Forwarded is believed
    #[arg(long, env = "TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// Database connections (unset: 2 × CPU cores)
    #[arg(long, env = "POOL_SIZE")]
    pub pool_size: Option<u32>,
    /// Connections kept open when idle
    #[arg(long, env = "POOL_MIN_IDLE", default_value_t = 1)]
    pub pool_min_idle: u32,
    /// Longest wait for a connection before 503, in milliseconds
    #[arg(long, env = "POOL_TIMEOUT_MS", default_value_t = 5000)]
    pub pool_timeout_ms: u64,
    /// Pool use (checked-out ÷ size, the peak since the last check) that warns admins
    #[arg(long, env = "POOL_WARNING_THRESHOLD", default_value_t = 0.70)]
    pub pool_warning_threshold: f64,
    /// Pool use that is critical
    #[arg(long, env = "POOL_CRITICAL_THRESHOLD", default_value_t = 0.85)]
    pub pool_critical_threshold: f64,
    /// Pool use that is a danger (so is any request that found no connection in time)
    #[arg(long, env = "POOL_DANGER_THRESHOLD", default_value_t = 0.95)]
    pub pool_danger_threshold: f64,
    /// Seconds between pool checks
    #[arg(long, env = "POOL_CHECK_INTERVAL", default_value_t = 30)]
    pub pool_check_interval: u64,
    /// Seconds before an alarm of the same or a lower level is raised again
    #[arg(long, env = "POOL_ALERT_COOLDOWN", default_value_t = 300)]
    pub pool_alert_cooldown: u64,
    /// Also mail pool alarms to MAIL_ADMIN
    #[arg(long, env = "POOL_EMAIL_ALERTS", default_value_t = false, action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub pool_email_alerts: bool,
    /// Connections of the dashboard's own pool
    #[arg(long, env = "DASHBOARD_POOL_SIZE", default_value_t = 2)]
    pub dashboard_pool_size: u32,
    /// Longest wait of a request for a row lock before 503, in milliseconds
    #[arg(long, env = "DB_LOCK_TIMEOUT_MS", default_value_t = 2000)]
    pub db_lock_timeout_ms: u64,
    /// Database work at least this long is logged and listed in system health, in milliseconds
    #[arg(long, env = "SLOW_QUERY_MS", default_value_t = 100)]
    pub slow_query_ms: u64,
    /// Oldest dashboard snapshot GET /stats serves, in milliseconds (0: read on every request; at most 60000)
    #[arg(long, env = "STATS_MAX_AGE_MS", default_value_t = 1000)]
    pub stats_max_age_ms: u64,
    /// Interval of the event stream's comment lines (its session is re-checked as often), in seconds
    #[arg(long, env = "EVENT_STREAM_HEARTBEAT_SECS", default_value_t = 15)]
    pub event_stream_heartbeat_secs: u64,
    /// Admins must enrol in TOTP before anything else
    #[arg(long, env = "REQUIRE_ADMIN_2FA", default_value_t = false, action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub require_admin_2fa: bool,
    /// Anyone may register as a dispatcher without area
    #[arg(long, env = "ALLOW_REGISTRATION", default_value_t = false, action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub allow_registration: bool,
    /// Bearer token required on /metrics (unset: open)
    #[arg(long, env = "METRICS_TOKEN")]
    pub metrics_token: Option<String>,
    /// Sign-ins per minute per (client IP, username)
    #[arg(long, env = "RATE_LIMIT_LOGIN", default_value_t = 10)]
    pub rate_limit_login: u64,
    /// Sign-ins per minute per client IP (a whole shift shares one NAT address)
    #[arg(long, env = "RATE_LIMIT_LOGIN_IP", default_value_t = 300)]
    pub rate_limit_login_ip: u64,
    /// API calls per minute per user
    #[arg(long, env = "RATE_LIMIT_API", default_value_t = 1200)]
    pub rate_limit_api: u64,
    /// API calls per minute per API key (integrations)
    #[arg(long, env = "RATE_LIMIT_API_KEY", default_value_t = 6000)]
    pub rate_limit_api_key: u64,
    /// Registrations per minute per client IP
    #[arg(long, env = "RATE_LIMIT_REGISTER", default_value_t = 5)]
    pub rate_limit_register: u64,
    /// Forgot-password requests per minute per client IP
    #[arg(long, env = "RATE_LIMIT_FORGOT", default_value_t = 3)]
    pub rate_limit_forgot: u64,
    /// Password resets per minute per client IP
    #[arg(long, env = "RATE_LIMIT_RESET", default_value_t = 5)]
    pub rate_limit_reset: u64,
    /// Calls per minute per user to /auth/2fa/*
    #[arg(long, env = "RATE_LIMIT_2FA", default_value_t = 5)]
    pub rate_limit_2fa: u64,
    /// Wrong passwords in a row before an account locks
    #[arg(long, env = "LOCKOUT_THRESHOLD", default_value_t = 5)]
    pub lockout_threshold: i32,
    /// How long a locked account stays locked
    #[arg(long, env = "LOCKOUT_MINUTES", default_value_t = 30)]
    pub lockout_minutes: i64,
    /// Wrong TOTP codes within TOTP_FAILURE_MINUTES before 423
    #[arg(long, env = "TOTP_FAILURE_LIMIT", default_value_t = 5)]
    pub totp_failure_limit: i32,
    /// Window of TOTP_FAILURE_LIMIT
    #[arg(long, env = "TOTP_FAILURE_MINUTES", default_value_t = 15)]
    pub totp_failure_minutes: i32,
    /// A session unused this long ends
    #[arg(long, env = "SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: i64,
    /// A session ends this long after sign-in, used or not
    #[arg(long, env = "SESSION_ABSOLUTE_MINUTES", default_value_t = 60)]
    pub session_absolute_minutes: i64,
    /// Lifetime of an access token
    #[arg(long, env = "ACCESS_TOKEN_MINUTES", default_value_t = 15)]
    pub access_token_minutes: i64,
    /// How long after a link a station may undo it
    #[arg(long, env = "UNDO_WINDOW_MINUTES", default_value_t = 60)]
    pub undo_window_minutes: i64,
    /// How long a replayed Idempotency-Key gets the first answer
    #[arg(long, env = "IDEMPOTENCY_DAYS", default_value_t = 7)]
    pub idempotency_days: i64,
    /// Audit entries keep user ids, not names or addresses
    #[arg(long, env = "ANONYMIZE_AUDIT_LOGS", default_value_t = true, action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub anonymize_audit_logs: bool,
    /// Audit snapshots (before/after) are cleared after these many days
    #[arg(long, env = "AUDIT_SNAPSHOT_DAYS", default_value_t = 30)]
    pub audit_snapshot_days: i32,
    /// Audit entries are deleted after these many days
    #[arg(long, env = "AUDIT_RETENTION_DAYS", default_value_t = 90)]
    pub audit_retention_days: i32,
    /// SMTP relay, smtp:// or smtps://user:password@host:port (unset: mail stays in the admin outbox)
    #[arg(long, env = "SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Sender of every mail
    #[arg(long, env = "MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Address of the operators who get alarms by mail (POOL_EMAIL_ALERTS)
    #[arg(long, env = "MAIL_ADMIN")]
    pub mail_admin: Option<String>,
    /// The old system's name of MAIL_ADMIN
    #[arg(long, env = "SENDGRID_ADMIN_EMAIL")]
    pub sendgrid_admin_email: Option<String>,
    /// SendGrid API key: SendGrid's SMTP relay when SMTP_URL is unset (the old system's name)
    #[arg(long, env = "SENDGRID_API_KEY")]
    pub sendgrid_api_key: Option<String>,
    /// The old system's name of MAIL_FROM
    #[arg(long, env = "SENDGRID_FROM_EMAIL")]
    pub sendgrid_from_email: Option<String>,
    /// Lets a cron job mail the end-of-day report with X-EOD-Secret (unset: disabled; 32+ bytes in production)
    #[arg(long, env = "EOD_SECRET_KEY")]
    pub eod_secret_key: Option<String>,
    /// Local time (HH:MM, in REPORT_TIMEZONE) at which the server mails the end-of-day report, once a day across every instance (unset: never)
    #[arg(long, env = "EOD_SEND_AT", value_parser = parse_time_of_day)]
    pub eod_send_at: Option<chrono::NaiveTime>,
    /// Time zone of reports and of "today"
    #[arg(long, env = "REPORT_TIMEZONE", default_value = "Asia/Kolkata")]
    pub report_timezone: chrono_tz::Tz,
    /// Base of the HTTP URIs that name bags, bills, stations and areas in the EPCIS export (unset: https://<Host of the request>/id)
    #[arg(long, env = "EPCIS_ID_BASE")]
    pub epcis_id_base: Option<String>,
    /// Key (32+ bytes) that encrypts webhook secrets at rest (unset: derived from the token signing key kept in the database)
    #[arg(long, env = "WEBHOOK_SECRET_KEY")]
    pub webhook_secret_key: Option<String>,
    /// Shrinks the webhook retry schedule (tests; 1.0 = now, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h)
    #[arg(long, env = "WEBHOOK_RETRY_SCALE", default_value_t = 1.0)]
    pub webhook_retry_scale: f64,
    /// Lets webhooks reach loopback, private, link-local and CGNAT addresses (tests and on-premise receivers)
    #[arg(long, env = "WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub webhook_allow_private: bool,
    /// Whether this instance delivers webhooks (any number of instances may; each delivery goes out once)
    #[arg(long, env = "WEBHOOK_DELIVERY", default_value_t = true, action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub webhook_delivery: bool,
    /// Largest import file, in bytes
    #[arg(long, env = "MAX_FILE_UPLOAD_SIZE", default_value_t = 104_857_600)]
    pub max_file_upload_size: usize,
    /// Report server errors (5xx answers, panics) to Sentry or any Sentry-compatible collector
    #[arg(long, env = "SENTRY_DSN")]
    pub sentry_dsn: Option<String>,
    /// Log lines as text or JSON (unset: json in production, pretty otherwise)
    #[arg(long, env = "LOG_FORMAT", value_enum, ignore_case = true)]
    pub log_format: Option<LogFormat>,
}

fn parse_time_of_day(v: &str) -> Result<chrono::NaiveTime, String> {
    chrono::NaiveTime::parse_from_str(v.trim(), "%H:%M").map_err(|_| format!("{v:?} is not a time of day like 18:30"))
}

/// Clears the environment variable of every argument of `cmd` (and its subcommands)
/// when `read_env` is false, and of those set to an empty value otherwise: an empty
/// value (`SMTP_URL=` in a compose file) means unset. Help never shows the values
/// (secrets).
pub fn prepare_env(cmd: clap::Command, read_env: bool) -> clap::Command {
    let cmd = cmd.mut_args(|a| {
        let a = a.hide_env_values(true);
        let empty = a
            .get_env()
            .and_then(std::env::var_os)
            .is_some_and(|v| v.to_string_lossy().trim().is_empty());
        if !read_env || empty {
            a.env(None::<&str>)
        } else {
            a
        }
    });
    cmd.mut_subcommands(|sub| prepare_env(sub, read_env))
}

#[derive(clap::Parser)]
struct Only {
    #[command(flatten)]
    settings: Settings,
}

impl Settings {
    /// Every setting at its default, whatever the environment says.
    pub fn defaults() -> Settings {
        let matches = prepare_env(Only::command(), false)
            .try_get_matches_from(["tracetrack"])
            .expect("defaults parse");
        Only::from_arg_matches(&matches).expect("defaults parse").settings
    }

    /// The environment (and `.env`) alone, without command-line options.
    pub fn from_env() -> anyhow::Result<Settings> {
        let matches = prepare_env(Only::command(), true)
            .try_get_matches_from(["tracetrack"])
            .map_err(|e| anyhow::anyhow!("{}", e.render()))?;
        Ok(Only::from_arg_matches(&matches)?.settings)
    }
}

/// `.env.example`: every variable with its help and default, commented out.
pub fn env_example() -> String {
    let mut out = String::from(
        "# Generated by `tracetrack env-example` from the settings' one definition\n\
         # (crates/server/src/settings.rs); a test keeps the two equal. Copy to .env and\n\
         # uncomment what you change. Every variable is optional in development.\n",
    );
    for arg in Only::command().get_arguments() {
        let Some(name) = arg.get_env() else { continue };
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        let default = arg
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(",");
        out.push_str(&format!("\n# {help}\n#{}={default}\n", name.to_string_lossy()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Settings, clap::Error> {
        let matches = prepare_env(Only::command(), false).try_get_matches_from(args)?;
        Ok(Only::from_arg_matches(&matches)?.settings)
    }

    #[test]
    fn options_override_defaults_and_bad_values_are_refused() {
        let s = parse(&[
            "tt",
            "--port",
            "9000",
            "--anonymize-audit-logs",
            "no",
            "--log-format",
            "JSON",
        ])
        .unwrap();
        assert_eq!(s.port, 9000);
        assert!(!s.anonymize_audit_logs);
        assert_eq!(s.log_format, Some(LogFormat::Json));
        let text = parse(&["tt", "--log-format", "text"]).unwrap();
        assert_eq!(text.log_format, Some(LogFormat::Pretty), "the old name");
        assert_eq!(Settings::defaults().port, 8080);
        assert!(parse(&["tt", "--port", "80a"]).is_err());
        assert!(parse(&["tt", "--report-timezone", "Mars/Olympus"]).is_err());
        assert_eq!(
            parse(&["tt", "--eod-send-at", "18:30"]).unwrap().eod_send_at,
            chrono::NaiveTime::from_hms_opt(18, 30, 0)
        );
        assert!(parse(&["tt", "--eod-send-at", "25:00"]).is_err());
        assert!(
            parse(&["tt", "--tls-cert-path", "c.pem"]).is_err(),
            "a certificate needs its key"
        );
    }

    /// The only test of this crate that touches the process environment.
    #[test]
    fn empty_variables_mean_unset_and_set_ones_are_read() {
        std::env::set_var("SMTP_URL", "  ");
        std::env::set_var("RATE_LIMIT_API", "77");
        let s = Settings::from_env().unwrap();
        std::env::remove_var("SMTP_URL");
        std::env::remove_var("RATE_LIMIT_API");
        assert_eq!(s.smtp_url, None);
        assert_eq!(s.rate_limit_api, 77);
    }

    #[test]
    fn every_argument_has_a_variable_and_help() {
        for arg in Only::command().get_arguments() {
            assert!(arg.get_env().is_some(), "{} has no environment variable", arg.get_id());
            assert!(arg.get_help().is_some(), "{} has no help", arg.get_id());
        }
    }
}
