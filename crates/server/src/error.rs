//! One error type for HTTP: RFC 9457 problem documents with stable codes.
//! 5xx causes are logged once, never shown to the client.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use tracetrack_api_types::{ErrorCode, FieldError, Problem};

tokio::task_local! {
    /// The id of the request being served (set by the request-id middleware).
    pub static REQUEST_ID: String;
}

tokio::task_local! {
    /// What the request being served is: `METHOD /route/{template}` once routed (set by
    /// the authentication extractor), `METHOD /path` before.
    pub static ROUTE: std::cell::RefCell<String>;
}

/// The current request id, or empty outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

/// The current request's route (`None` outside a request).
pub fn current_route() -> Option<String> {
    ROUTE.try_with(|r| r.borrow().clone()).ok()
}

/// Names the current request's route by its template (ids left out).
pub fn name_route(method: &str, pattern: Option<String>) {
    if let Some(pattern) = pattern {
        let _ = ROUTE.try_with(|r| *r.borrow_mut() = format!("{method} {pattern}"));
    }
}

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub detail: String,
    pub retry_after: Option<u64>,
    /// Members only some codes carry (boxed: errors travel through every `Result`).
    pub extras: Option<Box<Extras>>,
}

/// Optional problem members and headers.
#[derive(Debug, Default)]
pub struct Extras {
    pub errors: Option<Vec<FieldError>>,
    pub parent_qr_id: Option<String>,
    pub bill_number: Option<String>,
    pub locked_until: Option<chrono::DateTime<chrono::Utc>>,
    pub accepted_formats: Option<Vec<String>>,
    pub allow: Option<String>,
    /// `RateLimit-Limit`, `-Remaining`, `-Reset` of a 429.
    pub rate_limit: Option<(u64, u64, u64)>,
    /// The scope an API key lacks.
    pub scope: Option<&'static str>,
    /// What failed, for the log and the error tracker (never in the answer).
    pub cause: Option<String>,
}

/// Result of a handler or service.
/// The media type of every error answer (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with a code and a plain-language detail.
    pub fn new(status: StatusCode, code: ErrorCode, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            detail: detail.into(),
            retry_after: None,
            extras: None,
        }
    }

    /// The optional members, created on first use.
    pub fn extras_mut(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Default::default)
    }

    /// 400.
    pub fn bad_request(code: ErrorCode, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 401.
    pub fn unauthorized(code: ErrorCode, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, detail)
    }

    /// 403 `forbidden`.
    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, detail)
    }

    /// 404.
    pub fn not_found(code: ErrorCode, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, detail)
    }

    /// 409.
    pub fn conflict(code: ErrorCode, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, detail)
    }

    /// 422 with a code other than `validation_failed`.
    pub fn unprocessable(code: ErrorCode, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }

    /// 422 `validation_failed` for one body field (a JSON Pointer).
    pub fn invalid_field(pointer: &str, code: &str, detail: impl Into<String>) -> ApiError {
        let detail = detail.into();
        ApiError::validation(vec![FieldError {
            pointer: Some(pointer.to_string()),
            parameter: None,
            header: None,
            detail,
            code: code.to_string(),
        }])
    }

    /// 422 `validation_failed` for one query or path parameter.
    pub fn invalid_param(name: &str, detail: impl Into<String>) -> ApiError {
        ApiError::validation(vec![FieldError {
            pointer: None,
            parameter: Some(name.to_string()),
            header: None,
            detail: detail.into(),
            code: "invalid".into(),
        }])
    }

    /// 422 `validation_failed` with field problems.
    pub fn validation(errors: Vec<FieldError>) -> ApiError {
        let detail = errors.iter().map(|e| e.detail.clone()).collect::<Vec<_>>().join("; ");
        let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed, detail);
        err.extras_mut().errors = Some(errors);
        err
    }

    /// 503 with `Retry-After`.
    pub fn unavailable(detail: impl Into<String>) -> ApiError {
        let mut err = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable, detail);
        err.retry_after = Some(1);
        err
    }

    /// 500 whose cause is logged here and hidden from the client.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        let mut err = ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InternalError,
            "The server failed; the error was logged.",
        );
        err.extras_mut().cause = Some(cause.to_string());
        err
    }

    /// What failed, when this is an internal error.
    pub fn cause(&self) -> Option<&str> {
        self.extras.as_ref().and_then(|x| x.cause.as_deref())
    }

    /// Adds the other parent (`linked_elsewhere`).
    pub fn with_parent(mut self, qr: Option<String>) -> ApiError {
        self.extras_mut().parent_qr_id = qr;
        self
    }

    /// Adds the bill number (`parent_billed`, `already_on_bill`).
    pub fn with_bill(mut self, bill_number: String) -> ApiError {
        self.extras_mut().bill_number = Some(bill_number);
        self
    }

    /// The problem document for this error.
    pub fn to_problem(&self, request_id: &str) -> Problem {
        let none = Extras::default();
        let x = self.extras.as_deref().unwrap_or(&none);
        Problem {
            problem_type: format!("/problems/{}", self.code),
            title: self.code.title().to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.as_str().to_string(),
            instance: request_id.to_string(),
            errors: x.errors.clone(),
            parent_qr_id: x.parent_qr_id.clone(),
            bill_number: x.bill_number.clone(),
            locked_until: x.locked_until,
            accepted_formats: x.accepted_formats.clone(),
            scope: x.scope.map(String::from),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.content_type(PROBLEM_JSON);
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let Some((limit, remaining, reset)) = self.extras.as_ref().and_then(|x| x.rate_limit) {
            res.insert_header(("RateLimit-Limit", limit.to_string()));
            res.insert_header(("RateLimit-Remaining", remaining.to_string()));
            res.insert_header(("RateLimit-Reset", reset.to_string()));
        }
        if let Some(allow) = self.extras.as_ref().and_then(|x| x.allow.as_ref()) {
            res.insert_header((header::ALLOW, allow.clone()));
        }
        res.json(self.to_problem(&current_request_id()))
    }
}

/// What PostgreSQL says when a statement could not run *now* but may on a retry:
/// the server is restarting, failing over or in recovery, the connection was cut,
/// or a lock or statement waited past its timeout.
const TRANSIENT: [&str; 13] = [
    "terminating connection",
    "server closed the connection",
    "no connection to the server",
    "could not receive data from server",
    "could not send data to server",
    "connection to server",
    "the database system is",
    "SSL connection has been closed",
    "SSL SYSCALL error",
    "SSL error",
    "canceling statement due to lock timeout",
    "canceling statement due to statement timeout",
    "canceling statement due to conflict with recovery",
];

/// Whether a database error means "unavailable for now" (503 with `Retry-After`), not a bug.
fn is_transient(e: &tracetrack_db::diesel::result::Error) -> bool {
    use tracetrack_db::diesel::result::{DatabaseErrorKind as K, Error as E};
    match e {
        E::DatabaseError(K::ClosedConnection | K::UnableToSendCommand | K::ReadOnlyTransaction, _) => true,
        E::DatabaseError(_, info) => TRANSIENT.iter().any(|t| info.message().contains(t)),
        E::BrokenTransactionManager => true,
        E::RollbackErrorOnCommit { commit_error, .. } => is_transient(commit_error),
        _ => false,
    }
}

impl From<tracetrack_db::diesel::result::Error> for ApiError {
    fn from(e: tracetrack_db::diesel::result::Error) -> ApiError {
        use tracetrack_db::diesel::result::{DatabaseErrorKind as K, Error as E};
        if is_transient(&e) {
            tracing::warn!(error = %e, "database unavailable");
            if !e.to_string().contains("canceling statement") {
                tracetrack_db::report_connection_loss();
            }
            return ApiError::unavailable("The database is unavailable for a moment; retry shortly.");
        }
        match e {
            E::NotFound => ApiError::not_found(ErrorCode::NotFound, "The resource does not exist."),
            E::DatabaseError(K::UniqueViolation, info) => {
                tracing::info!(constraint = ?info.constraint_name(), "unique violation");
                ApiError::conflict(ErrorCode::Duplicate, "It already exists.")
            }
            E::DatabaseError(K::CheckViolation, info) => {
                tracing::info!(constraint = ?info.constraint_name(), "check violation");
                ApiError::unprocessable(ErrorCode::ValidationFailed, "A value is out of the allowed range.")
            }
            E::DatabaseError(K::SerializationFailure, _) => ApiError::unavailable("Busy; retry the request."),
            // A NUL byte or broken encoding in some text field: the input is bad, not the server.
            E::DatabaseError(_, info) if info.message().contains("invalid byte sequence") => ApiError::unprocessable(
                ErrorCode::ValidationFailed,
                "Text must not contain NUL or invalid characters.",
            ),
            E::DatabaseError(_, info) if info.message().contains("deadlock") => {
                tracing::warn!(error = %info.message(), "deadlock");
                ApiError::unavailable("Busy; retry the request.")
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<tracetrack_db::diesel::r2d2::PoolError> for ApiError {
    fn from(e: tracetrack_db::diesel::r2d2::PoolError) -> ApiError {
        tracing::warn!(error = %e, "database pool wait timed out");
        ApiError::unavailable("The database is busy; retry shortly.")
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> ApiError {
        ApiError::unavailable("The server is shutting down or overloaded; retry shortly.")
    }
}
impl std::error::Error for ApiError {}
