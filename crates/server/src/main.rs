//! `tracetrack [serve|migrate|create-admin USERNAME|seed --bags N|openapi]`.

use std::net::TcpListener;

use anyhow::Context;
use tracetrack_server::config::Config;
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

fn main() {
    if let Err(e) = run() {
        eprintln!("tracetrack: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> anyhow::Result<()> {
    dotenvy::dotenv().ok();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("serve");
    if command == "openapi" {
        print!("{}", tracetrack_server::openapi::document_json());
        return Ok(());
    }
    if command == "healthcheck" {
        return healthcheck();
    }
    let config = Config::from_env()?;
    init_logging(config.log_json);
    match command {
        "serve" => serve(config),
        "migrate" => {
            let applied = tracetrack_db::run_migrations(&mut migrated(&config)?).map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("applied {} migration(s)", applied.len());
            Ok(())
        }
        "seed" => seed(&config, &args[1..]),
        "create-admin" => {
            let username = args
                .get(1)
                .context("usage: tracetrack create-admin USERNAME (password from ADMIN_PASSWORD, else generated)")?;
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
        other => anyhow::bail!(
            "unknown command {other:?}; use serve, migrate, create-admin USERNAME, seed --bags N, openapi or healthcheck"
        ),
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
fn seed(config: &Config, args: &[String]) -> anyhow::Result<()> {
    let usage = "usage: tracetrack seed --bags N (an empty database; N up to 50,000,000)";
    let bags: i64 = match args {
        [flag, n] if flag == "--bags" => n.replace(['_', ','], "").parse().context(usage)?,
        _ => anyhow::bail!(usage),
    };
    anyhow::ensure!((1_000..=50_000_000).contains(&bags), usage);
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
        let listener = TcpListener::bind(&addr).with_context(|| format!("cannot listen on {addr}"))?;
        tracing::info!("TraceTrack is serving on http://{addr} (sign in at http://{addr}/login, API docs at http://{addr}/api/docs/)");
        tracetrack_server::serve(state, listener, workers)?.await?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// `GET /health` on the local port, for container health checks (no curl in the image).
fn healthcheck() -> anyhow::Result<()> {
    use std::io::{Read, Write};
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".into());
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port.parse::<u16>()?))?;
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
