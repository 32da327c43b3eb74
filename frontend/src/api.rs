//! One typed way to call the API: JSON in, JSON or a problem document out, with
//! one silent token refresh (the HttpOnly cookie) when the access token expired.

use gloo_net::http::{Method, RequestBuilder};
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tracetrack_api_types::auth::{LoginRequest, RefreshRequest, TokenResponse};
use tracetrack_api_types::{ErrorCode, Problem};

use crate::i18n::T;
use crate::session::Session;

/// Why a call failed.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// The server answered with a problem document (boxed: it is large, and most
    /// results carry none).
    Problem(Box<Problem>),
    /// No answer (network down, server unreachable).
    Network,
}

impl ApiError {
    /// One plain-language line for the user.
    pub fn message(&self) -> String {
        match self {
            ApiError::Problem(p) => p.detail.clone(),
            ApiError::Network => T.network_error.to_string(),
        }
    }

    /// The problem code, if the server answered with one this build knows (`None`
    /// when there was no answer).
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Problem(p) => ErrorCode::parse(&p.code),
            ApiError::Network => None,
        }
    }
}

/// A raw answer: status and JSON body.
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// The body as `T` for 2xx, else the problem.
    pub fn into_result<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        if (200..300).contains(&self.status) {
            serde_json::from_value(self.body).map_err(|_| ApiError::Network)
        } else {
            Err(serde_json::from_value(self.body)
                .map(|p| ApiError::Problem(Box::new(p)))
                .unwrap_or(ApiError::Network))
        }
    }
}

/// A request body.
#[derive(Clone)]
pub enum Body {
    Json(Value),
    /// A multipart form (file uploads).
    Form(web_sys::FormData),
}

/// How long the sign-in refresh may take before it counts as no answer.
const REFRESH_TIMEOUT_MS: u32 = 20_000;
/// How long a background read (a poll, the station's re-read of its parent) may take.
const QUIET_TIMEOUT_MS: u32 = 20_000;

/// Sends a request; with `timeout_ms`, a request (or its body) still unanswered
/// after that long is aborted and counts as no answer (`ApiError::Network`).
async fn fetch(
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Body>,
    headers: &[(&str, &str)],
    timeout_ms: Option<u32>,
) -> Result<gloo_net::http::Response, ApiError> {
    let mut req = RequestBuilder::new(path).method(method);
    if let Some(ms) = timeout_ms {
        if let Ok(controller) = web_sys::AbortController::new() {
            req = req.abort_signal(Some(&controller.signal()));
            // Aborting after the body was read changes nothing, so the timer is left to run.
            set_timeout(move || controller.abort(), std::time::Duration::from_millis(ms.into()));
        }
    }
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    for (k, v) in headers {
        req = req.header(k, v);
    }
    match body {
        Some(Body::Json(b)) => req.json(b).map_err(|_| ApiError::Network)?.send().await,
        Some(Body::Form(f)) => req.body(f.clone()).map_err(|_| ApiError::Network)?.send().await,
        None => req.send().await,
    }
    .map_err(|_| ApiError::Network)
}

async fn raw(
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Body>,
    headers: &[(&str, &str)],
) -> Result<Reply, ApiError> {
    reply(fetch(method, path, token, body, headers, Some(REFRESH_TIMEOUT_MS)).await?).await
}

/// Status and JSON body of a response (an empty or non-JSON body is `null`); a body
/// that never arrives in full (connection lost, timed out) is no answer.
async fn reply(res: gloo_net::http::Response) -> Result<Reply, ApiError> {
    let status = res.status();
    let text = res.text().await.map_err(|_| ApiError::Network)?;
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Ok(Reply { status, body })
}

/// A request body as JSON.
fn to_json(body: &impl Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(body).map_err(|_| ApiError::Network)
}

/// Renews the access token with the refresh cookie (no token in the body).
pub async fn refresh() -> Result<TokenResponse, ApiError> {
    let body = to_json(&RefreshRequest::default())?;
    raw(Method::POST, "/api/v1/auth/refresh", None, Some(&Body::Json(body)), &[])
        .await?
        .into_result()
}

/// Signs in.
pub async fn login(body: &LoginRequest) -> Result<TokenResponse, ApiError> {
    let body = to_json(body)?;
    raw(Method::POST, "/api/v1/auth/login", None, Some(&Body::Json(body)), &[])
        .await?
        .into_result()
}

impl Session {
    /// Sends a request as the signed-in user; on an expired token refreshes once and retries.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Result<Reply, ApiError> {
        self.send_within(method, path, body, headers, None).await
    }

    /// Sends a request with a JSON body (a request type of the API contract); with
    /// `timeout_ms`, unanswered after that long counts as no answer.
    pub async fn send_json<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: &B,
        headers: &[(&str, &str)],
        timeout_ms: Option<u32>,
    ) -> Result<Reply, ApiError> {
        let body = to_json(body)?;
        self.send_within(method, path, Some(body), headers, timeout_ms).await
    }

    /// Like `send`, but a request unanswered after `timeout_ms` counts as no answer.
    pub async fn send_within(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
        timeout_ms: Option<u32>,
    ) -> Result<Reply, ApiError> {
        let res = self
            .respond(method, path, body.map(Body::Json), headers, false, timeout_ms)
            .await?;
        reply(res).await
    }

    /// The raw response, after one silent refresh when the token had expired.
    /// With `raise`, a 5xx answer shows the server-error page (for the read a
    /// page is built from, not for background polls or the station).
    async fn respond(
        &self,
        method: Method,
        path: &str,
        body: Option<Body>,
        headers: &[(&str, &str)],
        raise: bool,
        timeout_ms: Option<u32>,
    ) -> Result<gloo_net::http::Response, ApiError> {
        let token = self.token.get_untracked();
        let mut res = fetch(
            method.clone(),
            path,
            token.as_deref(),
            body.as_ref(),
            headers,
            timeout_ms,
        )
        .await?;
        if res.status() == 401 && token.is_some() {
            match refresh().await {
                Ok(tokens) => {
                    let token = tokens.access_token.clone();
                    self.accept(tokens);
                    res = fetch(method, path, Some(&token), body.as_ref(), headers, timeout_ms).await?;
                }
                Err(_) => self.expire(),
            }
        }
        if raise && res.status() >= 500 {
            crate::pages::server_error::raise(res.headers().get("x-request-id"));
        }
        Ok(res)
    }

    /// POST a multipart form.
    pub async fn upload<T: DeserializeOwned>(&self, path: &str, form: web_sys::FormData) -> Result<T, ApiError> {
        let res = self
            .respond(Method::POST, path, Some(Body::Form(form)), &[], false, None)
            .await?;
        reply(res).await?.into_result()
    }

    /// GET a file and hand it to the browser as a download.
    pub async fn download(&self, path: &str, name: &str) -> Result<(), ApiError> {
        let res = self.respond(Method::GET, path, None, &[], false, None).await?;
        if !(200..300).contains(&res.status()) {
            return reply(res).await?.into_result();
        }
        let bytes = res.binary().await.map_err(|_| ApiError::Network)?;
        save_file(&bytes, name).ok_or(ApiError::Network)
    }

    /// GET the JSON resource a page shows (a 5xx shows the server-error page).
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let res = self.respond(Method::GET, path, None, &[], true, None).await?;
        reply(res).await?.into_result()
    }

    /// GET for background polls and the station: failures stay with the caller, and
    /// one that hangs counts as no answer after `QUIET_TIMEOUT_MS`.
    pub async fn get_quiet<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.send_within(Method::GET, path, None, &[], Some(QUIET_TIMEOUT_MS))
            .await?
            .into_result()
    }

    /// POST a JSON body.
    pub async fn post<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, ApiError> {
        self.send_json(Method::POST, path, body, &[], None).await?.into_result()
    }

    /// POST to an endpoint that reads no body (complete, unlock, 2FA setup).
    pub async fn post_empty<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.send(Method::POST, path, None, &[]).await?.into_result()
    }

    /// PATCH a JSON body.
    pub async fn patch<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, ApiError> {
        self.send_json(Method::PATCH, path, body, &[], None)
            .await?
            .into_result()
    }

    /// DELETE; the answer body, if any.
    pub async fn delete(&self, path: &str) -> Result<Value, ApiError> {
        let reply = self.send(Method::DELETE, path, None, &[]).await?;
        if (200..300).contains(&reply.status) {
            Ok(reply.body)
        } else {
            reply.into_result::<Value>()
        }
    }
}

/// Offers bytes to the user as a file called `name`.
fn save_file(bytes: &[u8], name: &str) -> Option<()> {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let link: web_sys::HtmlAnchorElement = document().create_element("a").ok()?.dyn_into().ok()?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    web_sys::Url::revoke_object_url(&url).ok()
}
