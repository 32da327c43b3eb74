//! `tracetrack [serve|migrate|create-admin USERNAME|seed --bags N|openapi|env-example|healthcheck]`.

use std::net::TcpListener;

use anyhow::Context;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use tracetrack_server::config::Config;
use tracetrack_server::settings::{prepare_env, Settings};
use tracing_subscriber::EnvFilter;

fn init_logging(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    if json {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
}

/// Warehouse bag tracking: the REST API, the web app and the jobs behind them.
///
/// Every option can also be set as the environment variable shown with it, or in a
/// `.env` file in the working directory (`tracetrack env-example` lists them all).
/// RUST_LOG sets the log filter (default `info`).
#[derive(Parser)]
#[command(name = "tracetrack", version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("TRACETRACK_COMMIT"), ")"))]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default): migrations, bootstrap users, API, web app, jobs
    Serve(Settings),
    /// Run the database migrations and exit
    Migrate(Settings),
    /// Create an admin (password from ADMIN_PASSWORD, else generated and printed)
    CreateAdmin {
        /// Username of the new admin
        username: String,
        #[command(flatten)]
        settings: Settings,
    },
    /// Fill an empty database with a realistic warehouse (benchmarks)
    Seed {
        /// Number of bags, 1,000 to 50,000,000 (`_` and `,` allowed)
        #[arg(long, value_parser = parse_bags)]
        bags: i64,
        #[command(flatten)]
        settings: Settings,
    },
    /// Check the settings without connecting (production rules, TLS files) and print a summary
    CheckConfig(Settings),
    /// Print the OpenAPI document (openapi/openapi.json)
    Openapi,
    /// Print .env.example: every variable with its default
    EnvExample,
    /// Exit 0 when GET /health on 127.0.0.1:PORT answers 200 (container health checks)
    Healthcheck {
        #[arg(long, env = "PORT", default_value_t = 8080)]
        port: u16,
    },
}

fn parse_bags(v: &str) -> Result<i64, String> {
    let n: i64 = v.replace(['_', ','], "").parse().map_err(|e| format!("{e}"))?;
    if (1_000..=50_000_000).contains(&n) {
        Ok(n)
    } else {
        Err("from 1,000 to 50,000,000".into())
    }
}

fn main() {
    dotenvy::dotenv().ok();
    let matches = prepare_env(Cli::command(), true).get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let Err(e) = run(cli.command.unwrap_or_else(default_command)) {
        eprintln!("tracetrack: {e:#}");
        std::process::exit(1);
    }
}

/// `tracetrack` alone serves, configured from the environment.
fn default_command() -> Command {
    match Settings::from_env() {
        Ok(s) => Command::Serve(s),
        Err(e) => {
            eprintln!("tracetrack: {e:#}");
            std::process::exit(2);
        }
    }
}

fn configured(settings: Settings) -> anyhow::Result<Config> {
    let config = Config::from_settings(settings)?;
    init_logging(config.log_json);
    Ok(config)
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Openapi => {
            print!("{}", tracetrack_server::openapi::document_json());
            Ok(())
        }
        Command::EnvExample => {
            print!("{}", tracetrack_server::settings::env_example());
            Ok(())
        }
        Command::Healthcheck { port } => healthcheck(port),
        Command::CheckConfig(s) => check_config(s),
        Command::Serve(s) => serve(configured(s)?),
        Command::Migrate(s) => {
            let config = configured(s)?;
            let applied = tracetrack_db::run_migrations(&mut migrated(&config)?).map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("applied {} migration(s)", applied.len());
            Ok(())
        }
        Command::Seed { bags, settings } => seed(&configured(settings)?, bags),
        Command::CreateAdmin { username, settings } => {
            let config = configured(settings)?;
            let state = tracetrack_server::prepare(config.clone())?;
            let mut conn = state.pool.get()?;
            let pw = tracetrack_server::bootstrap::create_admin(
                &mut conn,
                &username.to_lowercase(),
                config.admin_password.as_deref(),
            )?;
            println!("admin {username} ready; password: {pw}");
            Ok(())
        }
    }
}

/// A connection to the configured database, created if absent.
fn migrated(config: &Config) -> anyhow::Result<tracetrack_db::diesel::PgConnection> {
    tracetrack_server::bootstrap::ensure_database(&config.database_url)?;
    let url = tracetrack_server::bootstrap::with_timeout(&config.database_url);
    Ok(<tracetrack_db::diesel::PgConnection as tracetrack_db::diesel::Connection>::establish(&url)?)
}

/// Password of the users `seed` creates (`seed-001` … `seed-200`).
const SEED_PASSWORD: &str = "seed-floor-password";

/// `seed --bags N`: fills an empty database with a realistic warehouse.
fn seed(config: &Config, bags: i64) -> anyhow::Result<()> {
    let mut conn = migrated(config)?;
    tracetrack_db::run_migrations(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
    // Statements here run for minutes; the pool's per-statement limits do not apply.
    tracetrack_db::diesel::connection::SimpleConnection::batch_execute(&mut conn, "SET statement_timeout = 0")?;
    anyhow::ensure!(
        tracetrack_db::seed::check_empty(&mut conn)?,
        "the database already holds bags, bills or seed users; seed an empty one"
    );
    let hash = tracetrack_server::auth::password::hash(SEED_PASSWORD).map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = std::time::Instant::now();
    let size = tracetrack_db::seed::Size { bags };
    tracetrack_db::seed::generate(&mut conn, size, &hash, &mut |step| {
        println!("{:>7.1} s  {step}", started.elapsed().as_secs_f64());
    })?;
    tracetrack_db::seed::finish(&mut conn)?;
    println!(
        "{:>7.1} s  done: {bags} bags; users seed-001 … seed-200, password {SEED_PASSWORD}",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn serve(config: Config) -> anyhow::Result<()> {
    let addr = format!("{}:{}", config.bind, config.port);
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    actix_web::rt::System::new().block_on(async move {
        let state = tracetrack_server::prepare(config)?;
        if let Some(tracker) = state.errors.clone() {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                tracker.panic(info);
                previous(info);
            }));
            tracing::info!("SENTRY_DSN is set: server errors and panics are reported");
        }
        let errors = state.errors.clone();
        let listener = TcpListener::bind(&addr).with_context(|| format!("cannot listen on {addr}"))?;
        let https = match &state.config.tls {
            None => {
                tracing::info!("TraceTrack is serving on http://{addr} (sign in at http://{addr}/login, API docs at http://{addr}/api/docs/)");
                None
            }
            Some(_) => {
                let tls_addr = format!("{}:{}", state.config.bind, state.config.tls_port);
                let https = TcpListener::bind(&tls_addr).with_context(|| format!("cannot listen on {tls_addr}"))?;
                tracing::info!("TraceTrack is serving on https://{tls_addr} (sign in at https://<this host>:{}/login; plain http://{addr} serves localhost and redirects every other host)", state.config.tls_port);
                Some(https)
            }
        };
        tracetrack_server::serve(state, listener, https, workers)?.await?;
        if let Some(tracker) = errors {
            tracker.flush(std::time::Duration::from_secs(2));
        }
        tracing::info!("stopped");
        Ok(())
    })
}

/// The settings as the server would take them, with no connection made.
fn check_config(settings: Settings) -> anyhow::Result<()> {
    let config = Config::from_settings(settings)?;
    if let Some(files) = &config.tls {
        tracetrack_server::tls::Certificates::load(files.clone())?;
    }
    tracetrack_server::services::mailer::Mailer::from_config(&config)?;
    tracetrack_server::error_tracker::ErrorTracker::from_config(&config)?;
    let database = config.database_url.split('@').next_back().unwrap_or_default();
    println!(
        "configuration ok: {} mode; database {database}; redis {}; http {}:{}; https {}; mail {}",
        if config.production { "production" } else { "development" },
        if config.redis_url.is_some() {
            "on"
        } else {
            "off (in-process fallbacks)"
        },
        config.bind,
        config.port,
        config
            .tls
            .as_ref()
            .map_or("off".to_string(), |_| format!("{}:{}", config.bind, config.tls_port)),
        if config.smtp_url.is_some() {
            "SMTP relay"
        } else {
            "outbox only"
        },
    );
    Ok(())
}

/// `GET /health` on the local port, for container health checks (no curl in the image).
fn healthcheck(port: u16) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(2)))?;
    stream.write_all(b"GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    anyhow::ensure!(
        answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"),
        "unhealthy: {answer}"
    );
    Ok(())
}
