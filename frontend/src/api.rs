//! One typed way to call the API: JSON in, JSON or a problem document out.

use gloo_net::http::{Request, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracetrack_api_types::Problem;

use crate::i18n::T;

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
}

fn with_auth(req: RequestBuilder, token: Option<&str>) -> RequestBuilder {
    match token {
        Some(t) => req.header("Authorization", &format!("Bearer {t}")),
        None => req,
    }
}

async fn finish<T: DeserializeOwned>(res: Result<gloo_net::http::Response, gloo_net::Error>) -> Result<T, ApiError> {
    let res = res.map_err(|_| ApiError::Network)?;
    if res.ok() {
        return res.json::<T>().await.map_err(|_| ApiError::Network);
    }
    match res.json::<Problem>().await {
        Ok(p) => Err(ApiError::Problem(p)),
        Err(_) => Err(ApiError::Network),
    }
}

/// GET a JSON resource.
pub async fn get<T: DeserializeOwned>(path: &str, token: Option<&str>) -> Result<T, ApiError> {
    finish(with_auth(Request::get(path), token).send().await).await
}

/// POST a JSON body.
pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, token: Option<&str>, body: &B) -> Result<T, ApiError> {
    let req = with_auth(Request::post(path), token)
        .json(body)
        .map_err(|_| ApiError::Network)?;
    finish(req.send().await).await
}

/// POST without a body, ignoring the answer's body (204s).
pub async fn post_empty(path: &str, token: Option<&str>) -> Result<(), ApiError> {
    let res = with_auth(Request::post(path), token)
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if res.ok() {
        Ok(())
    } else {
        Err(res
            .json::<Problem>()
            .await
            .map(ApiError::Problem)
            .unwrap_or(ApiError::Network))
    }
}
