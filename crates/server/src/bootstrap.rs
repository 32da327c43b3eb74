//! First start: database, migrations, signing key, first admin, test users.

use anyhow::{bail, Context};
use tracetrack_api_types::Role;
use tracetrack_db::diesel::{sql_query, Connection, PgConnection, RunQueryDsl};
use tracetrack_db::models::NewUser;
use tracetrack_db::{reference, users};

use crate::auth::password;
use crate::config::Config;
use crate::services::sessions::random_token;

/// Adds `connect_timeout` so an unreachable server fails fast instead of hanging.
pub fn with_timeout(url: &str) -> String {
    if url.contains("connect_timeout") {
        return url.to_string();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout=5")
}

/// Connects, creating the database first when it does not exist.
pub fn ensure_database(url: &str) -> anyhow::Result<()> {
    let url = with_timeout(url);
    match PgConnection::establish(&url) {
        Ok(_) => Ok(()),
        Err(e) if e.to_string().contains("does not exist") => {
            let (base, name) = split_database(&url).context("DATABASE_URL has no database name")?;
            let mut admin = PgConnection::establish(&format!("{base}/postgres{}", query_of(&url)))
                .with_context(|| format!("cannot reach PostgreSQL to create database {name}"))?;
            sql_query(format!("CREATE DATABASE \"{}\"", name.replace('"', ""))).execute(&mut admin)?;
            tracing::info!(database = %name, "created database");
            Ok(())
        }
        Err(e) => bail!(
            "PostgreSQL is not reachable ({e}). Start it (apt-get install postgresql) or set DATABASE_URL, e.g. \
             postgres://postgres@127.0.0.1:5432/tracetrack"
        ),
    }
}

fn query_of(url: &str) -> &str {
    url.find('?').map_or("", |i| &url[i..])
}

/// Splits `postgres://host/db?x` into (`postgres://host`, `db`).
fn split_database(url: &str) -> Option<(String, String)> {
    let without_query = url.split('?').next()?;
    let slash = without_query.rfind('/')?;
    let (base, name) = without_query.split_at(slash);
    let name = name.trim_start_matches('/');
    (!name.is_empty() && base.contains("://") && !base.ends_with('/')).then(|| (base.to_string(), name.to_string()))
}

/// The signing key: `JWT_SECRET`, or one generated once and shared through the database.
pub fn jwt_secret(conn: &mut PgConnection, config: &Config) -> anyhow::Result<String> {
    if let Some(secret) = &config.jwt_secret {
        return Ok(secret.clone());
    }
    let generated = format!("{}{}", random_token()?, random_token()?);
    Ok(reference::setting_or_insert(conn, "jwt_secret", &generated)?)
}

fn create_user(
    conn: &mut PgConnection,
    username: &str,
    role: Role,
    area: Option<&str>,
    given: Option<&str>,
) -> anyhow::Result<Option<String>> {
    if users::find_by_username(conn, username)?.is_some() {
        return Ok(None);
    }
    let (pw, generated) = match given {
        Some(pw) => (pw.to_string(), false),
        None => (random_token()?.chars().take(20).collect(), true),
    };
    if let Err(e) = password::check_policy(&pw, username, "/password") {
        bail!("the configured password for {username} is too weak: {}", e.detail);
    }
    let hash = password::hash(&pw)?;
    let new = NewUser {
        username,
        email: None,
        password_hash: &hash,
        role,
        dispatch_area: area,
    };
    Ok(users::insert(conn, &new)?.and(generated.then_some(pw)))
}

/// Creates the first admin (and test users) when the user table is empty.
pub fn users(conn: &mut PgConnection, config: &Config) -> anyhow::Result<()> {
    if users::count(conn)? == 0 {
        if config.production && config.admin_password.is_none() {
            bail!("ENVIRONMENT=production with no users needs ADMIN_PASSWORD for the first admin");
        }
        match create_user(conn, "admin", Role::Admin, None, config.admin_password.as_deref())? {
            Some(pw) => {
                tracing::warn!(
                    "created user admin with generated password {pw} (shown once; change it after signing in)"
                );
            }
            None => tracing::info!("created user admin from ADMIN_PASSWORD"),
        }
    }
    if config.create_test_users {
        for (name, role, area, pw) in [
            ("biller1", Role::Biller, None, config.biller_password.as_deref()),
            (
                "dispatcher1",
                Role::Dispatcher,
                Some("lucknow"),
                config.dispatcher_password.as_deref(),
            ),
        ] {
            if let Some(generated) = create_user(conn, name, role, area, pw)? {
                tracing::warn!("created test user {name} with generated password {generated}");
            }
        }
    }
    Ok(())
}

/// Creates (or resets the password of) an admin from the command line.
pub fn create_admin(conn: &mut PgConnection, username: &str, given: Option<&str>) -> anyhow::Result<String> {
    conn.transaction(|c| {
        if let Some(mut user) = users::find_by_username(c, username)? {
            let pw = given
                .map(String::from)
                .unwrap_or(random_token()?.chars().take(20).collect());
            if let Err(e) = password::check_policy(&pw, username, "/password") {
                bail!("password too weak: {}", e.detail);
            }
            user.password_hash = password::hash(&pw)?;
            user.role = Role::Admin;
            user.dispatch_area = None;
            user.is_active = true;
            users::save(c, &user)?;
            users::revoke_user_sessions(c, user.id, None, "create_admin")?;
            return Ok(pw);
        }
        let pw = create_user(c, username, Role::Admin, None, given)?;
        Ok(pw.unwrap_or_else(|| "(the one you gave)".into()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_database_urls() {
        assert_eq!(
            split_database("postgres://postgres@127.0.0.1:5432/tracetrack?sslmode=disable"),
            Some(("postgres://postgres@127.0.0.1:5432".into(), "tracetrack".into()))
        );
        assert_eq!(split_database("postgres://host"), None);
        assert!(with_timeout("postgres://h/db").ends_with("?connect_timeout=5"));
    }
}
