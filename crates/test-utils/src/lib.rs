//! `spawn_app()`: the real application on port 0 with a fresh database cloned
//! from a template migrated once, dropped when the test ends.

mod db;

use std::net::TcpListener;
use tracetrack_api_types::ErrorCode;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tracetrack_db::PgPool;
use tracetrack_server::config::Config;

pub use db::{server_url, TestDatabase, OPTIONS as DB_OPTIONS};

/// Password of the bootstrap admin in tests.
pub const ADMIN_PASSWORD: &str = "test-admin-password-1";
/// Password given to users created by [`TestApp::user`].
pub const USER_PASSWORD: &str = "worker-password-123";

/// A running server with its own database.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// The app's own pool, for asserting on rows.
    pub pool: PgPool,
    pub config: Config,
    /// The HTTPS port, when the config names a certificate.
    pub https_port: Option<u16>,
    handle: actix_web::dev::ServerHandle,
    /// The database, owned by the first instance (twins share it).
    _db: Option<TestDatabase>,
}

/// An answer: status, headers and JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The problem `code`; panics unless the answer is a problem document whose code
    /// `ErrorCode` names (so a test also catches a code the server made up).
    pub fn code(&self) -> ErrorCode {
        let text = self.body["code"].as_str();
        text.and_then(ErrorCode::parse).unwrap_or_else(|| {
            panic!(
                "expected a problem with a known code, got {} {}",
                self.status, self.body
            )
        })
    }

    /// The problem `code` when the answer is a problem document with a known code.
    pub fn problem(&self) -> Option<ErrorCode> {
        self.body["code"].as_str().and_then(ErrorCode::parse)
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The problem code of a JSON document (a problem, or one result of a batch); panics
/// unless `ErrorCode` names it.
pub fn code_of(problem: &Value) -> ErrorCode {
    problem["code"]
        .as_str()
        .and_then(ErrorCode::parse)
        .unwrap_or_else(|| panic!("expected a problem with a known code, got {problem}"))
}

/// Starts the app with the default test configuration.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app after `tweak` adjusts the configuration.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    let db = TestDatabase::create();
    let mut config = Config::for_tests(&db.url);
    config.admin_password = Some(ADMIN_PASSWORD.into());
    tweak(&mut config);
    start(config, Some(db))
}

fn start(mut config: Config, db: Option<TestDatabase>) -> TestApp {
    // The HTTPS port is known before the state, so redirects name it.
    let https = config
        .tls
        .as_ref()
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind https"));
    let https_port = https.as_ref().map(|l| l.local_addr().expect("addr").port());
    config.tls_port = https_port.unwrap_or(config.tls_port);
    let state = tracetrack_server::prepare(config.clone()).expect("prepare app");
    let pool = state.pool.clone();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = tracetrack_server::serve(state, listener, https, 2).expect("serve");
    let handle = server.handle();
    actix_web::rt::spawn(server);
    let client = reqwest::Client::new();
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        client,
        pool,
        config,
        https_port,
        handle,
        _db: db,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting at once; the database is dropped after (FORCE ends connections).
        drop(self.handle.stop(false));
    }
}

impl TestApp {
    /// A child scan sent on its own with an `Idempotency-Key`, as the station sends it.
    pub async fn keyed_child_scan(&self, token: &str, parent: &str, child: &str, key: &str) -> Reply {
        let body = json!({"parent_qr_id": parent, "qr_id": child});
        self.send(
            Method::POST,
            "/api/v1/scans/child",
            Some(token),
            Some(body),
            &[("Idempotency-Key", key)],
        )
        .await
    }

    /// A second instance on the same database (and Redis, when configured).
    pub fn twin(&self) -> TestApp {
        start(self.config.clone(), None)
    }

    /// Another instance on the same database, configured differently.
    pub fn twin_with(&self, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = self.config.clone();
        tweak(&mut config);
        start(config, None)
    }

    /// Stops serving requests at once (the database stays; background tasks spawned on
    /// the test's runtime go on, so a test that needs them gone starts without them).
    pub async fn stop_serving(&self) {
        self.handle.stop(false).await;
    }

    /// Sends a request; `token` adds the bearer header, `body` a JSON body.
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        self.send(method, path, token, body, &[]).await
    }

    /// Sends a request with extra headers.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self.client.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply { status, headers, body }
    }

    /// GET.
    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    /// POST with a JSON body.
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// Signs in; panics unless it works.
    pub async fn login(&self, username: &str, password: &str) -> Value {
        let r = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": username, "password": password})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "login {username}: {:?}", r.body);
        r.body
    }

    /// An access token of the bootstrap admin.
    pub async fn admin_token(&self) -> String {
        self.login("admin", ADMIN_PASSWORD).await["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// An admin token from a third instance on the same database with login limits
    /// off, for tests that exhausted the limit on purpose.
    pub async fn admin_token_unlimited(&self) -> String {
        let mut config = self.config.clone();
        config.rate_login = 0;
        config.rate_login_ip = 0;
        let other = start(config, None);
        other.admin_token().await
    }

    /// Creates a user (as admin) and returns (id, access token).
    pub async fn user(&self, admin: &str, username: &str, role: &str, area: Option<&str>) -> (i64, String) {
        let r = self
            .post(
                "/api/v1/users",
                admin,
                json!({"username": username, "password": USER_PASSWORD, "role": role, "dispatch_area": area}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "create {username}: {:?}", r.body);
        let id = r.body["id"].as_i64().unwrap();
        let token = self.login(username, USER_PASSWORD).await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        (id, token)
    }

    /// Creates a service account (as admin; a dispatcher gets `area`) and a key with
    /// `scopes`; returns (account id, key id, key).
    pub async fn service_key(
        &self,
        admin: &str,
        name: &str,
        role: &str,
        area: Option<&str>,
        scopes: &[&str],
    ) -> (i64, i64, String) {
        let body = json!({"name": name, "role": role, "dispatch_area": area, "description": "test integration"});
        let r = self.post("/api/v1/service-accounts", admin, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "create {name}: {}", r.body);
        let account = r.body["id"].as_i64().unwrap();
        let path = format!("/api/v1/service-accounts/{account}/keys");
        let r = self.post(&path, admin, json!({"name": "main", "scopes": scopes})).await;
        assert_eq!(r.status, StatusCode::CREATED, "key for {name}: {}", r.body);
        let key = r.body["key"].as_str().unwrap().to_string();
        (account, r.body["api_key"]["id"].as_i64().unwrap(), key)
    }

    /// Tries to create a user; `(status, token)` with a token only when it worked.
    pub async fn user_unchecked(&self, admin: &str, username: &str, role: &str) -> (StatusCode, Option<String>) {
        let r = self
            .post(
                "/api/v1/users",
                admin,
                json!({"username": username, "password": USER_PASSWORD, "role": role}),
            )
            .await;
        if r.status != StatusCode::CREATED {
            return (r.status, None);
        }
        let token = self.login(username, USER_PASSWORD).await["access_token"]
            .as_str()
            .map(String::from);
        (r.status, token)
    }

    /// Scans a parent; returns the reply.
    pub async fn scan_parent(&self, token: &str, qr: &str) -> Reply {
        self.post("/api/v1/scans/parent", token, json!({"qr_id": qr})).await
    }

    /// Scans a child into a parent; returns the reply.
    pub async fn scan_child(&self, token: &str, parent: &str, qr: &str) -> Reply {
        self.post(
            "/api/v1/scans/child",
            token,
            json!({"parent_qr_id": parent, "qr_id": qr}),
        )
        .await
    }

    /// Runs a statement on the app's database (to age rows, say).
    pub fn exec(&self, sql: &str) -> usize {
        use diesel::{sql_query, RunQueryDsl};
        let mut conn = self.pool.get().expect("conn");
        sql_query(sql).execute(&mut conn).expect(sql)
    }

    /// Folds the dashboard counters and vacuums the tallies, as the upkeep job does.
    pub fn fold_counters(&self) -> usize {
        let mut conn = self.pool.get().expect("conn");
        let folded = tracetrack_db::stats::fold(&mut conn).expect("fold");
        tracetrack_db::stats::vacuum_tallies(&mut conn).expect("vacuum");
        folded
    }

    /// One text (column `t`, empty when NULL) from a SQL query on the app's database:
    /// `string_agg` turns a table into one comparable value.
    pub fn text(&self, sql: &str) -> String {
        use diesel::sql_types::{Nullable, Text};
        use diesel::{sql_query, QueryableByName, RunQueryDsl};
        #[derive(QueryableByName)]
        struct T {
            #[diesel(sql_type = Nullable<Text>)]
            t: Option<String>,
        }
        let mut conn = self.pool.get().expect("conn");
        sql_query(sql)
            .get_result::<T>(&mut conn)
            .expect(sql)
            .t
            .unwrap_or_default()
    }

    /// One number from a SQL query on the app's database.
    pub fn count(&self, sql: &str) -> i64 {
        use diesel::sql_types::BigInt;
        use diesel::{sql_query, QueryableByName, RunQueryDsl};
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let mut conn = self.pool.get().expect("conn");
        sql_query(sql).get_result::<N>(&mut conn).expect(sql).n
    }
}
