//! The OpenAPI document, generated from the handlers.

mod common_responses;
mod key_scopes;

pub use key_scopes::KEY_SCOPES;

use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as Document;
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

/// Top-level facts of the document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "TraceTrack API",
        version = "1.0.0",
        description = "Warehouse bag tracking: parent bags, child bags, bills. Errors are RFC 9457 problem documents \
                       whose `code` is one of `ErrorCode` and stable. Lists are cursor-paged (`limit` 1-200, \
                       `next_cursor`); scans and bill changes take an `Idempotency-Key` (a repeat gets the first \
                       answer); rate limits answer 429 with `Retry-After` and `RateLimit-*` headers; a busy or \
                       unreachable database answers 503 with `Retry-After`."
    ),
    components(schemas(
        tracetrack_api_types::Problem,
        tracetrack_api_types::FieldError,
        tracetrack_api_types::ExportFormat,
        tracetrack_api_types::ReportFormat
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-in, tokens, password"),
        (name = "scans", description = "The scan station"),
        (name = "bags", description = "Bags"),
        (name = "bills", description = "Bills (dispatches)"),
        (name = "users", description = "User administration"),
        (name = "dispatch-areas", description = "Managed list of dispatch areas"),
        (name = "bag-formats", description = "Managed list of bag id formats"),
        (name = "dashboard", description = "Counts for the dashboard"),
        (name = "audit", description = "Audit log"),
        (name = "promotions", description = "Requests for a higher role"),
        (name = "notifications", description = "Each user's own notifications"),
        (name = "system", description = "System health (admin)"),
        (name = "reports", description = "End-of-day report (admin)"),
        (name = "imports", description = "CSV and XLSX imports run as background jobs (admin)"),
        (name = "exports", description = "Bags, bills, scans and user activity as CSV or XLSX (admin)"),
        (name = "integrations", description = "Service accounts and their API keys (admin)"),
        (name = "webhooks", description = "Outgoing webhooks: endpoints, deliveries, retries, replays (admin)"),
        (name = "epcis", description = "GS1 EPCIS 2.0 export of bag and bill events, for traceability partners"),
        (name = "health", description = "Liveness, readiness, metrics"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Builds the document from the same registration the server uses.
pub fn document() -> Document {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::documented)
        .split_for_parts();
    let mut doc = doc;
    key_scopes::apply(&mut doc);
    common_responses::apply(&mut doc);
    doc
}

/// The document as committed in `openapi/openapi.json`.
pub fn document_json() -> String {
    let mut text = document().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}
