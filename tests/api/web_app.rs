//! The built web app: precompressed copies go out as they are, chosen by
//! `Accept-Encoding`; deep links fall back to `index.html`.

use reqwest::{Method, StatusCode};
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::{spawn_app_with, TestApp};

/// A web app directory with one asset in three encodings (the contents only
/// need to tell them apart).
fn built_app() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tracetrack-web-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>TraceTrack</title>").unwrap();
    std::fs::write(dir.join("app.wasm"), "identity").unwrap();
    std::fs::write(dir.join("app.wasm.gz"), "gzip").unwrap();
    std::fs::write(dir.join("app.wasm.br"), "brotli").unwrap();
    dir
}

async fn fetch(app: &TestApp, path: &str, accept: &str) -> (StatusCode, Option<String>, String, String) {
    let r = app
        .send(Method::GET, path, None, None, &[("accept-encoding", accept)])
        .await;
    let encoding = r.header("content-encoding").map(String::from);
    let kind = r.header("content-type").unwrap_or_default().to_string();
    (
        r.status,
        encoding,
        kind,
        r.body.as_str().unwrap_or_default().to_string(),
    )
}

#[actix_web::test]
async fn precompressed_assets_are_served_by_accept_encoding() {
    let dir = built_app();
    let app = spawn_app_with(|c| c.static_dir = Some(dir.to_string_lossy().into_owned())).await;
    let br = fetch(&app, "/app.wasm", "gzip, deflate, br").await;
    assert_eq!(
        (br.1.as_deref(), br.2.as_str(), br.3.as_str()),
        (Some("br"), "application/wasm", "brotli")
    );
    let gz = fetch(&app, "/app.wasm", "gzip").await;
    assert_eq!((gz.1.as_deref(), gz.3.as_str()), (Some("gzip"), "gzip"));
    let plain = fetch(&app, "/app.wasm", "identity").await;
    assert_eq!((plain.1, plain.3.as_str()), (None, "identity"));
    let deep = fetch(&app, "/bills/42", "gzip").await;
    assert_eq!(deep.0, StatusCode::OK);
    assert!(deep.3.contains("TraceTrack") && deep.2.starts_with("text/html"));
    // Under /api only the API answers, even with the web app mounted at /.
    for path in ["/api/v1/nothing-here", "/api/v2/bags", "/api"] {
        let r = app.call(Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.header("content-type"), Some("application/problem+json"), "{path}");
        assert_eq!(r.code(), ErrorCode::NotFound, "{path}");
    }
    let wrong_method = app.call(Method::DELETE, "/api/v1/bags/SB00001/seal", None, None).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[actix_web::test]
async fn office_pages_get_the_office_build_and_both_pages_scripts_are_allowed() {
    let dir = std::env::temp_dir().join(format!("tracetrack-web-office-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>floor</title><script>1</script>",
    )
    .unwrap();
    std::fs::write(
        dir.join("office.html"),
        "<!doctype html><title>office</title><script>2</script>",
    )
    .unwrap();
    let app = spawn_app_with(|c| c.static_dir = Some(dir.to_string_lossy().into_owned())).await;
    for (path, build) in [
        ("/", "floor"),
        ("/station", "floor"),
        ("/notifications", "floor"),
        ("/billsx", "floor"),
        ("/bills", "office"),
        ("/bills/42/print", "office"),
        ("/admin/imports/3", "office"),
        ("/bags/SB00001", "office"),
        ("/profile", "office"),
    ] {
        let page = fetch(&app, path, "identity").await;
        assert!(
            page.3.contains(&format!("<title>{build}</title>")),
            "{path}: {}",
            page.3
        );
    }
    let r = app.send(Method::GET, "/", None, None, &[]).await;
    let csp = r.header("content-security-policy").unwrap_or_default().to_string();
    assert_eq!(csp.matches("'sha256-").count(), 2, "both builds' inline scripts: {csp}");
}
