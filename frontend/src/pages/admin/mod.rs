//! Admin pages (hidden from other roles).

mod audit;
mod eod;
mod exports;
mod health;
mod imports;
mod integrations;
mod lists;
mod promotions;
mod users;

pub use audit::AuditPage;
pub use eod::EodPage;
pub use exports::ExportsPage;
pub use health::HealthPage;
pub use imports::{ImportDetailPage, ImportsPage};
pub use integrations::IntegrationsPage;
pub use lists::{AreasPage, FormatsPage};
pub use promotions::PromotionsPage;
pub use users::UsersPage;

use leptos::prelude::*;

use crate::i18n::T;
use crate::pages::guard::RequireRole;

/// The admin index.
#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <RequireRole admin_only=true>
            <h1>{T.menu_admin}</h1>
            <ul class="list big-links">
                <li><a href="/admin/users">{T.users}</a></li>
                <li><a href="/admin/areas">{T.areas}</a></li>
                <li><a href="/admin/formats">{T.formats}</a></li>
                <li><a href="/admin/audit">{T.audit_log}</a></li>
                <li><a href="/admin/promotions">{T.promotions}</a></li>
                <li><a href="/admin/imports">{T.imports}</a></li>
                <li><a href="/admin/exports">{T.exports}</a></li>
                <li><a href="/admin/integrations">{T.integrations}</a></li>
                <li><a href="/admin/eod">{T.eod_report}</a></li>
                <li><a href="/admin/health">{T.system_health}</a></li>
            </ul>
        </RequireRole>
    }
}
