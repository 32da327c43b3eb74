//! One typed way to call the API: JSON in, JSON or a problem document out, with
//! one silent token refresh (the HttpOnly cookie) when the access token expired.

use gloo_net::http::{Method, RequestBuilder};
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tracetrack_api_types::auth::TokenResponse;
use tracetrack_api_types::Problem;

use crate::i18n::T;
use crate::session::Session;

/// Why a call failed.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// The server answered with a problem document.
    Problem(Problem),
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

    /// The problem code (`network` when there was no answer).
    pub fn code(&self) -> &str {
        match self {
            ApiError::Problem(p) => &p.code,
            ApiError::Network => "network",
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
                .map(ApiError::Problem)
                .unwrap_or(ApiError::Network))
        }
    }
}

async fn raw(
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Result<Reply, ApiError> {
    let mut req = RequestBuilder::new(path).method(method);
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let res = match body {
        Some(b) => req.json(b).map_err(|_| ApiError::Network)?.send().await,
        None => req.send().await,
    }
    .map_err(|_| ApiError::Network)?;
    let status = res.status();
    let body = res.json::<Value>().await.unwrap_or(Value::Null);
    Ok(Reply { status, body })
}

/// Renews the access token with the refresh cookie.
pub async fn refresh() -> Result<TokenResponse, ApiError> {
    raw(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(&serde_json::json!({})),
        &[],
    )
    .await?
    .into_result()
}

/// Signs in.
pub async fn login(body: &impl Serialize) -> Result<TokenResponse, ApiError> {
    let body = serde_json::to_value(body).map_err(|_| ApiError::Network)?;
    raw(Method::POST, "/api/v1/auth/login", None, Some(&body), &[])
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
        let token = self.token.get_untracked();
        let reply = raw(method.clone(), path, token.as_deref(), body.as_ref(), headers).await?;
        if reply.status != 401 || token.is_none() {
            return Ok(reply);
        }
        match refresh().await {
            Ok(tokens) => {
                let token = tokens.access_token.clone();
                self.accept(tokens);
                raw(method, path, Some(&token), body.as_ref(), headers).await
            }
            Err(_) => {
                self.expire();
                Ok(reply)
            }
        }
    }

    /// GET a JSON resource.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.send(Method::GET, path, None, &[]).await?.into_result()
    }

    /// POST a JSON body.
    pub async fn post<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, ApiError> {
        let body = serde_json::to_value(body).map_err(|_| ApiError::Network)?;
        self.send(Method::POST, path, Some(body), &[]).await?.into_result()
    }

    /// PATCH a JSON body.
    pub async fn patch<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, ApiError> {
        let body = serde_json::to_value(body).map_err(|_| ApiError::Network)?;
        self.send(Method::PATCH, path, Some(body), &[]).await?.into_result()
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
