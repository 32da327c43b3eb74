//! Security headers on every response, `no-store` on API answers, and the CSP the
//! web app and Swagger UI work under (hashes of the web app's inline scripts are
//! computed from its index.html at start-up, so no `'unsafe-inline'` for scripts).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The header values, computed once.
pub struct SecurityHeaders {
    csp: HeaderValue,
    hsts: Option<HeaderValue>,
}

/// `'sha256-…'` sources for the inline `<script>` bodies of an HTML page.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else { break };
        let Some(close) = after.find("</script>") else { break };
        let body = &after[open_end + 1..close];
        if !body.trim().is_empty() {
            hashes.push(format!("'sha256-{}'", STANDARD.encode(Sha256::digest(body.as_bytes()))));
        }
        rest = &after[close + 9..];
    }
    hashes
}

impl SecurityHeaders {
    /// Headers for this deployment; `index_html` is the web app's page, if served.
    pub fn new(index_html: Option<&str>, production: bool) -> SecurityHeaders {
        let hashes = index_html.map(inline_script_hashes).unwrap_or_default().join(" ");
        let csp = format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {hashes}; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; \
             frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
        );
        SecurityHeaders {
            csp: HeaderValue::from_str(&csp).unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
            hsts: production.then(|| HeaderValue::from_static("max-age=63072000; includeSubDomains")),
        }
    }
}

/// Adds the headers to every response.
pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let conf = req.app_data::<web::Data<SecurityHeaders>>().cloned();
    let api = req.path().starts_with("/api/v1/");
    let mut res = next.call(req).await?;
    // Where the caller stands against its rate limit, on every authenticated answer.
    let quota = actix_web::HttpMessage::extensions(res.request())
        .get::<crate::ratelimit::Quota>()
        .copied();
    let h = res.headers_mut();
    if let Some(quota) = quota {
        quota.annotate(h);
    }
    let set = |h: &mut actix_web::http::header::HeaderMap, name: &'static str, value: HeaderValue| {
        h.insert(HeaderName::from_static(name), value);
    };
    set(h, "x-content-type-options", HeaderValue::from_static("nosniff"));
    set(h, "x-frame-options", HeaderValue::from_static("DENY"));
    set(
        h,
        "referrer-policy",
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    set(
        h,
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    );
    if let Some(conf) = conf {
        set(h, "content-security-policy", conf.csp.clone());
        if let Some(hsts) = &conf.hsts {
            set(h, "strict-transport-security", hsts.clone());
        }
    }
    if api {
        set(h, "cache-control", HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_only_inline_scripts() {
        let html = r#"<script src="/a.js"></script><script type="module">init()</script>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        assert!(hashes[0].starts_with("'sha256-"));
        let csp = SecurityHeaders::new(Some(html), false).csp;
        assert!(csp.to_str().unwrap().contains(&hashes[0]));
    }
}
