//! Per-test databases cloned from one migrated template.

use std::sync::Mutex;

use diesel::{sql_query, Connection, PgConnection, RunQueryDsl};

/// The PostgreSQL server tests use (`TEST_DATABASE_SERVER`, default local trust auth).
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_SERVER").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// Appended to every test connection: no TLS to the local server. libpq's OpenSSL state is
/// torn down when the test binary exits while pools of still-running apps hold TLS
/// connections, which crashed the binary after every test had passed (SIGSEGV in
/// libcrypto, seen in CI).
pub const OPTIONS: &str = "?sslmode=disable";

/// CREATE DATABASE … TEMPLATE refuses concurrent use of the template; serialise in-process.
static CREATE: Mutex<()> = Mutex::new(());

/// Name of the template: keyed on the migrations' content (hashed by build.rs).
fn template_name() -> String {
    format!("tracetrack_tpl_{}", env!("MIGRATIONS_HASH"))
}

fn admin() -> PgConnection {
    PgConnection::establish(&format!("{}/postgres{OPTIONS}", server_url()))
        .expect("connect to PostgreSQL (is it running?)")
}

fn exists(conn: &mut PgConnection, name: &str) -> bool {
    use diesel::sql_types::{BigInt, Text};
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(name)
        .get_result::<N>(conn)
        .map(|r| r.n > 0)
        .unwrap_or(false)
}

/// Builds the template once (across processes too, under an advisory lock).
fn ensure_template(conn: &mut PgConnection) -> String {
    let name = template_name();
    if exists(conn, &name) {
        return name;
    }
    sql_query("SELECT pg_advisory_lock(727274)")
        .execute(conn)
        .expect("lock");
    if !exists(conn, &name) {
        let building = format!("{name}_building");
        sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
            .execute(conn)
            .expect("drop");
        sql_query(format!("CREATE DATABASE {building}"))
            .execute(conn)
            .expect("create template");
        {
            let mut t =
                PgConnection::establish(&format!("{}/{building}{OPTIONS}", server_url())).expect("connect template");
            tracetrack_db::run_migrations(&mut t).expect("migrate template");
        }
        sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
            .execute(conn)
            .expect("rename");
    }
    sql_query("SELECT pg_advisory_unlock(727274)")
        .execute(conn)
        .expect("unlock");
    name
}

/// A database of one test, dropped with it.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    /// Clones the template into a fresh database.
    pub fn create() -> TestDatabase {
        let _guard = CREATE.lock().unwrap_or_else(|e| e.into_inner());
        let mut conn = admin();
        let template = ensure_template(&mut conn);
        let name = format!("tracetrack_test_{}", uuid::Uuid::new_v4().simple());
        sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .execute(&mut conn)
            .expect("clone template");
        TestDatabase {
            url: format!("{}/{name}{OPTIONS}", server_url()),
            name,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&format!("{}/postgres{OPTIONS}", server_url())) {
            let _ = sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&mut conn);
        }
    }
}
