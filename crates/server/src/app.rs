//! The actix application: middleware, body limits, problem documents for
//! everything that goes wrong before a handler, Swagger UI and the web app.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use actix_files::{Files, NamedFile};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, App, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use tracing::Span;
use tracing_actix_web::{RootSpanBuilder, TracingLogger};
use utoipa::openapi::OpenApi as Document;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{ApiError, REQUEST_ID};
use crate::error_tracker::Failure;
use crate::state::AppState;
use tracetrack_api_types::ErrorCode;

use crate::input::MAX_BODY;

/// Documented path templates and their methods, to tell 404 from 405.
pub struct KnownRoutes(Vec<(ResourceDef, Vec<&'static str>)>);

impl KnownRoutes {
    /// From the OpenAPI document.
    pub fn from_document(doc: &Document) -> KnownRoutes {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ];
                let allowed = methods.iter().filter(|(_, on)| *on).map(|(m, _)| *m).collect();
                (ResourceDef::new(path.as_str()), allowed)
            })
            .collect();
        KnownRoutes(routes)
    }

    fn allowed(&self, path: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, methods)| methods.join(", "))
    }
}

/// Unknown route (the app default service; non-API paths go to the web app first): 405 with `Allow` when the path exists with other methods, else 404.
async fn api_fallback(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(no_route(&req))
}

/// `405` with `Allow` for a known path, else `404`, as a problem document.
fn no_route(req: &HttpRequest) -> ApiError {
    let allowed = req
        .app_data::<web::Data<KnownRoutes>>()
        .and_then(|routes| routes.allowed(req.path()));
    match allowed {
        Some(allow) => {
            let mut err = ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::MethodNotAllowed,
                format!("{} is not allowed here; use {allow}.", req.method()),
            );
            err.extras_mut().allow = Some(allow);
            err
        }
        None => ApiError::not_found(ErrorCode::NotFound, format!("There is no {} route.", req.path())),
    }
}

/// Echoes `X-Request-Id` (or makes one), makes it the problem `instance`, and turns
/// errors raised outside our handlers (body reading, actix internals) into problem documents.
async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let id = req
        .headers()
        .get("X-Request-Id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.chars().all(|c| c.is_ascii_graphic()))
        .map(String::from)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let route = std::cell::RefCell::new(format!("{} {}", req.method(), req.path()));
    let mut res = REQUEST_ID
        .scope(
            id.clone(),
            crate::error::ROUTE.scope(route, async move {
                let res = next.call(req).await?;
                let foreign = res
                    .response()
                    .error()
                    .filter(|e| e.as_error::<ApiError>().is_none())
                    .map(|e| e.to_string());
                Ok::<_, actix_web::Error>(match foreign {
                    Some(message) => {
                        let problem = foreign_error(res.status(), message).error_response();
                        res.into_response(problem).map_into_right_body()
                    }
                    None => res.map_into_left_body(),
                })
            }),
        )
        .await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(res)
}

/// A problem document for an error that did not come from our code.
fn foreign_error(status: StatusCode, message: String) -> ApiError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            status,
            ErrorCode::PayloadTooLarge,
            format!("The body is larger than {MAX_BODY} bytes."),
        ),
        StatusCode::BAD_REQUEST => ApiError::bad_request(
            ErrorCode::MalformedJson,
            format!("The request could not be read: {message}."),
        ),
        s if s.is_server_error() => ApiError::internal(message),
        s => ApiError::new(s, ErrorCode::RequestFailed, message),
    }
}

/// The request id in request extensions.
#[derive(Clone)]
pub struct RequestId(pub String);

/// One span per request with request id, user id, route, status and latency.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let id = request
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        request.extensions_mut().insert(Instant::now());
        tracing::info_span!(
            "request",
            request_id = %id,
            method = %request.method(),
            route = %request.match_pattern().unwrap_or_else(|| request.path().to_string()),
            user_id = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, actix_web::Error>) {
        let _enter = span.enter();
        match outcome {
            Ok(res) => {
                let ms = res
                    .request()
                    .extensions()
                    .get::<Instant>()
                    .map(|t| t.elapsed().as_secs_f64() * 1000.0);
                let status = res.status().as_u16();
                let state = res.request().app_data::<web::Data<AppState>>();
                if let Some(state) = state {
                    let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".into());
                    let seconds = ms.unwrap_or_default() / 1000.0;
                    state
                        .metrics
                        .request(res.request().method().as_str(), &route, status, seconds);
                }
                if status >= 500 {
                    if let Some(state) = state {
                        state.monitor.server_error();
                        if let Some(tracker) = &state.errors {
                            let request = res.request();
                            let request_id = request.extensions().get::<RequestId>().map(|r| r.0.clone());
                            let route = request.match_pattern().unwrap_or_else(|| "unmatched".into());
                            let cause = res
                                .response()
                                .error()
                                .and_then(|e| e.as_error::<ApiError>())
                                .and_then(ApiError::cause);
                            tracker.server_error(Failure {
                                request_id: request_id.as_deref().unwrap_or_default(),
                                method: crate::metrics::method_label(request.method().as_str()),
                                route: &route,
                                status,
                                cause,
                            });
                        }
                    }
                    tracing::error!(status, latency_ms = ms.unwrap_or_default(), "request failed");
                } else {
                    tracing::info!(status, latency_ms = ms.unwrap_or_default(), "request");
                }
            }
            Err(e) => tracing::error!(error = %e, "request error"),
        }
    }
}

/// Serves the built web app with an `index.html` fallback for deep links (and
/// `office.html`, the office build, for office pages); the `.br`/`.gz` copies
/// that `scripts/build-frontend.sh` writes go out as they are.
fn web_app(dir: PathBuf) -> Files {
    let (index, office) = (dir.join("index.html"), dir.join("office.html"));
    Files::new("/", dir)
        .index_file("index.html")
        .try_compressed()
        .default_handler(web::to(move |req: HttpRequest| {
            // Under /api only the API answers: an unknown path is a problem document, never the page.
            let api_miss = (req.path() == "/api" || req.path().starts_with("/api/")).then(|| no_route(&req));
            let page = if tracetrack_domain::web::is_office_path(req.path()) && office.exists() {
                office.clone()
            } else {
                index.clone()
            };
            async move {
                if let Some(err) = api_miss {
                    return actix_web::ResponseError::error_response(&err);
                }
                match NamedFile::open(&page) {
                    Ok(file) => file.into_response(&req),
                    Err(_) => HttpResponse::NotFound()
                        .content_type("text/plain")
                        .body("The web app is not built."),
                }
            }
        }))
}

/// Configures one App; called per worker.
pub fn configure(cfg: &mut web::ServiceConfig, state: AppState, doc: Arc<Document>, routes: web::Data<KnownRoutes>) {
    let static_dir = state
        .config
        .static_dir
        .clone()
        .map(PathBuf::from)
        .filter(|d| d.join("index.html").exists());
    cfg.app_data(web::Data::new(state))
        .app_data(routes)
        .app_data(web::PayloadConfig::default().limit(MAX_BODY))
        .app_data(
            web::QueryConfig::default().error_handler(|e, _| ApiError::invalid_param("query", e.to_string()).into()),
        )
        .app_data(
            web::PathConfig::default().error_handler(|e, _| ApiError::invalid_param("path", e.to_string()).into()),
        )
        .service(web::redirect("/api/docs", "/api/docs/"))
        .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", (*doc).clone()));
    if let Some(dir) = static_dir {
        cfg.service(web_app(dir));
    }
}

/// CORS: only the configured origins; none by default (the web app is same-origin).
fn cors(origins: &[String]) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PATCH", "DELETE"])
        .allowed_headers([
            "authorization",
            "content-type",
            "idempotency-key",
            "x-station-id",
            "x-request-id",
            "x-api-key",
        ])
        .expose_headers([
            "x-request-id",
            "idempotent-replayed",
            "retry-after",
            "ratelimit-limit",
            "ratelimit-remaining",
            "ratelimit-reset",
            "link",
        ])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

/// Builds the application for one worker.
pub fn build(
    state: AppState,
    doc: Arc<Document>,
    routes: web::Data<KnownRoutes>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    // The last `wrap` is the outermost: security headers go on every answer, even
    // the problem documents made by the request-id layer.
    let cors = cors(&state.config.cors_origins);
    App::new()
        .wrap(TracingLogger::<RequestSpan>::new())
        .wrap(from_fn(request_id))
        .wrap(from_fn(crate::security::headers))
        .wrap(cors)
        .wrap(from_fn(crate::tls::https_only))
        .into_utoipa_app()
        .configure(crate::routes::documented)
        .into_app()
        .configure(move |cfg| configure(cfg, state, doc, routes))
        .default_service(web::to(api_fallback))
}
