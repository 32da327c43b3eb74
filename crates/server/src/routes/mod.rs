//! Route registration: every handler carries its `#[utoipa::path]`, so the
//! OpenAPI document is generated from exactly what is served.

pub mod account;
pub mod admin;
pub mod auth;
pub mod bags;
pub mod bills;
pub mod common;
pub mod epcis;
pub mod events;
pub mod exports;
pub mod health;
pub mod imports;
pub mod notifications;
pub mod params;
pub mod promotions;
pub mod reference;
pub mod reports;
pub mod scans;
pub mod service_accounts;
pub mod system;
pub mod two_factor;
pub mod users;
pub mod webhooks;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Everything under `/api/v1`.
pub fn api_v1(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/auth")
            .configure(auth::configure)
            .configure(two_factor::configure)
            .configure(account::configure_auth),
    )
    .service(scope::scope("/scans").configure(scans::configure))
    .service(scope::scope("/bags").configure(bags::configure))
    .service(scope::scope("/bills").configure(bills::configure))
    .service(scope::scope("/users").configure(users::configure))
    .service(scope::scope("/dispatch-areas").configure(reference::configure_areas))
    .service(scope::scope("/bag-formats").configure(reference::configure_formats))
    .service(scope::scope("/stats").configure(admin::configure_stats))
    .service(scope::scope("/audit-log").configure(admin::configure_audit))
    .service(scope::scope("/outbox").configure(account::configure_outbox))
    .service(scope::scope("/promotion-requests").configure(promotions::configure))
    .service(scope::scope("/notifications").configure(notifications::configure))
    .service(scope::scope("/system").configure(system::configure))
    .service(scope::scope("/reports").configure(reports::configure))
    .service(scope::scope("/exports").configure(exports::configure))
    .service(scope::scope("/imports").configure(imports::configure))
    .service(scope::scope("/events").configure(events::configure))
    .service(scope::scope("/epcis").configure(epcis::configure))
    .service(scope::scope("/service-accounts").configure(service_accounts::configure))
    .service(scope::scope("/webhooks").configure(webhooks::configure));
}

/// The documented routes: health at the root, the API under `/api/v1`.
pub fn documented(cfg: &mut ServiceConfig) {
    cfg.configure(health::configure)
        .service(scope::scope("/api/v1").configure(api_v1));
}
