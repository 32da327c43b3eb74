//! Native HTTPS (docs/operations.md, HTTPS on the floor): a certificate made by
//! `scripts/make-certs.sh` is served and trusted through its authority, plain HTTP on
//! a non-local name is redirected, localhost is not, and SIGHUP swaps in a renewed
//! certificate while a broken one is refused and the old one stays.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;
use tracetrack_server::config::TlsFiles;
use tracetrack_test_utils::spawn_app_with;

fn make_certs(dir: &Path, names: &[&str]) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/make-certs.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg("-o")
        .arg(dir)
        .args(names)
        .output()
        .expect("run make-certs.sh");
    assert!(
        out.status.success(),
        "make-certs.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tt-tls-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn uuid_like() -> String {
    format!("{}-{:?}", std::process::id(), std::time::SystemTime::now())
        .replace(|c: char| !c.is_ascii_alphanumeric(), "")
}

/// A client that trusts the test authority and finds `tt.test` on this machine.
fn client(dir: &Path, https_port: u16) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(&std::fs::read(dir.join("ca.crt")).unwrap()).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(ca)
        .tls_built_in_root_certs(false)
        .resolve("tt.test", SocketAddr::from(([127, 0, 0, 1], https_port)))
        .redirect(reqwest::redirect::Policy::none())
        .tls_info(true)
        .build()
        .unwrap()
}

/// The certificate the server presents to a new client (no resumed session, which
/// would report the certificate of its first handshake).
async fn served_certificate(dir: &Path, https_port: u16, url: &str) -> Vec<u8> {
    let r = client(dir, https_port).get(url).send().await.expect("HTTPS answer");
    assert_eq!(r.status(), StatusCode::OK);
    r.extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|i| i.peer_certificate())
        .expect("a peer certificate")
        .to_vec()
}

fn hang_up() {
    let status = Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits up to 5 s for the served certificate to be (`same`) or not be `cert`.
async fn wait_for(dir: &Path, https_port: u16, url: &str, cert: &[u8], same: bool) -> bool {
    for _ in 0..50 {
        if (served_certificate(dir, https_port, url).await == cert) == same {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[actix_web::test]
async fn https_is_served_plain_http_redirects_and_sighup_renews_the_certificate() {
    let dir = temp_dir();
    make_certs(&dir, &["tt.test", "127.0.0.1"]);
    let files = TlsFiles {
        cert: dir.join("server.pem").display().to_string(),
        key: dir.join("server.key").display().to_string(),
    };
    let app = spawn_app_with(|c| c.tls = Some(files)).await;
    let https_port = app.https_port.expect("an HTTPS listener");
    let http_port: u16 = app.base.rsplit(':').next().unwrap().parse().unwrap();
    let tls = client(&dir, https_port);
    let health = format!("https://tt.test:{https_port}/health");

    // Trusted through the authority under the LAN name; the login page is served too.
    let first = served_certificate(&dir, https_port, &health).await;
    let r = tls
        .post(format!("https://tt.test:{https_port}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "admin", "password": tracetrack_test_utils::ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "sign-in over HTTPS");

    // Plain HTTP under a LAN name goes to HTTPS (path, query and method kept) ...
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (method, path) in [
        (reqwest::Method::GET, "/scan?x=1"),
        (reqwest::Method::POST, "/api/v1/auth/login"),
    ] {
        let r = plain
            .request(method, format!("http://127.0.0.1:{http_port}{path}"))
            .header("Host", format!("tt.test:{http_port}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT, "{path}");
        assert_eq!(
            r.headers()["location"],
            format!("https://tt.test:{https_port}{path}").as_str()
        );
    }
    // Forwarding headers from a client choose neither the target nor a way around it.
    let r = plain
        .get(format!("http://127.0.0.1:{http_port}/scan"))
        .header("Host", "tt.test")
        .header("X-Forwarded-Host", "localhost")
        .header("Forwarded", "host=evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        r.headers()["location"],
        format!("https://tt.test:{https_port}/scan").as_str()
    );
    // ... while localhost (a secure context in browsers, and the health check) is served.
    let r = plain.get(format!("{}/health", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // A renewed certificate is served after SIGHUP, without a restart.
    make_certs(&dir, &["tt.test", "127.0.0.1"]);
    hang_up();
    assert!(
        wait_for(&dir, https_port, &health, &first, false).await,
        "SIGHUP did not bring in the renewed certificate"
    );
    let second = served_certificate(&dir, https_port, &health).await;

    // A broken file on reload is refused: the certificate in use stays.
    std::fs::write(dir.join("server.pem"), "not a certificate").unwrap();
    hang_up();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        wait_for(&dir, https_port, &health, &second, true).await,
        "the old certificate must stay"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_key_of_another_certificate_is_refused_at_start() {
    let (a, b) = (temp_dir(), temp_dir());
    make_certs(&a, &["tt.test"]);
    make_certs(&b, &["tt.test"]);
    let mismatched = TlsFiles {
        cert: a.join("server.pem").display().to_string(),
        key: b.join("server.key").display().to_string(),
    };
    let err = tracetrack_server::tls::Certificates::load(mismatched).unwrap_err();
    assert!(format!("{err:#}").contains("is not the key of"), "{err:#}");
    let missing = TlsFiles {
        cert: a.join("nope.pem").display().to_string(),
        key: a.join("server.key").display().to_string(),
    };
    let err = tracetrack_server::tls::Certificates::load(missing).unwrap_err();
    assert!(format!("{err:#}").contains("TLS_CERT_PATH"), "{err:#}");
    std::fs::remove_dir_all(&a).ok();
    std::fs::remove_dir_all(&b).ok();
}
