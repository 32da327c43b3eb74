//! TraceTrack web app entry point.
// The floor build leaves out the office pages, so helpers only they call are unused there.
#![cfg_attr(not(feature = "office"), allow(dead_code))]

mod api;
mod feedback;
mod i18n;
mod pages;
mod paging;
mod queue;
mod scanner;
mod session;
mod time;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

use crate::i18n::T;
#[cfg(feature = "office")]
use crate::pages::admin::{
    AdminPage, AreasPage, AuditPage, EodPage, ExportsPage, FormatsPage, HealthPage, ImportDetailPage, ImportsPage,
    IntegrationsPage, PromotionsPage, UsersPage,
};
#[cfg(feature = "office")]
use crate::pages::bills::{BillDetailPage, BillPrintPage, BillStationPage, BillsPage};

/// Navigation for the signed-in user; admin links only for admins.
#[component]
fn Nav() -> impl IntoView {
    let session = session::use_session();
    view! {
        <Show when=move || session.user.get().is_some()>
            <nav class="no-print">
                <A href="/">{T.menu_home}</A>
                <A href="/station">{T.menu_station}</A>
                <A href="/bags">{T.menu_bags}</A>
                <A href="/bills">{T.menu_bills}</A>
                <Show when=move || session.is_admin()><A href="/admin">{T.menu_admin}</A></Show>
                <pages::notifications::NotificationsLink/>
                <A href="/profile">{T.menu_profile}</A>
                <A href="/scanner-test">{T.menu_scanner_test}</A>
            </nav>
        </Show>
    }
}

/// The two-minute warning before the session's absolute end.
#[component]
fn ExpiryWarning() -> impl IntoView {
    let session = session::use_session();
    let now = RwSignal::new(0u32);
    if let Ok(h) = set_interval_with_handle(move || now.update(|n| *n += 1), std::time::Duration::from_secs(1)) {
        on_cleanup(move || h.clear());
    }
    let left = move || {
        now.track();
        session::ending_soon(session)
    };
    view! {
        <Show when=move || left().is_some()>
            <p class="notice expiry" role="alert" data-testid="expiry-warning">
                {move || format!("{} {} s", T.session_ends_in, left().unwrap_or(0))}
            </p>
        </Show>
    }
}

/// Every page (the office build).
#[cfg(feature = "office")]
fn app_routes() -> impl IntoView {
    view! {
    <Routes fallback=|| view! { <pages::not_found::NotFound/> }>
        <Route path=path!("/login") view=pages::login::Login/>
        <Route path=path!("/") view=pages::home::Home/>
        <Route path=path!("/station") view=pages::station::StationPage/>
        <Route path=path!("/scanner-test") view=pages::scanner_test::ScannerTest/>
        <Route path=path!("/bags") view=pages::bags::BagsPage/>
        <Route path=path!("/bags/:qr_id") view=pages::bags::BagDetailPage/>
        <Route path=path!("/bills") view=BillsPage/>
        <Route path=path!("/bills/:id") view=BillDetailPage/>
        <Route path=path!("/bills/:id/station") view=BillStationPage/>
        <Route path=path!("/bills/:id/print") view=BillPrintPage/>
        <Route path=path!("/profile") view=pages::profile::ProfilePage/>
        <Route path=path!("/admin") view=AdminPage/>
        <Route path=path!("/admin/users") view=UsersPage/>
        <Route path=path!("/admin/areas") view=AreasPage/>
        <Route path=path!("/admin/formats") view=FormatsPage/>
        <Route path=path!("/admin/audit") view=AuditPage/>
        <Route path=path!("/admin/promotions") view=PromotionsPage/>
        <Route path=path!("/notifications") view=pages::notifications::NotificationsPage/>
        <Route path=path!("/admin/imports") view=ImportsPage/>
        <Route path=path!("/admin/imports/:id") view=ImportDetailPage/>
        <Route path=path!("/admin/exports") view=ExportsPage/>
        <Route path=path!("/admin/integrations") view=IntegrationsPage/>
        <Route path=path!("/admin/eod") view=EodPage/>
        <Route path=path!("/admin/health") view=HealthPage/>
    </Routes>
    }
}

/// The floor pages; an office path reloads from the server, which sends the office build.
#[cfg(not(feature = "office"))]
fn app_routes() -> impl IntoView {
    view! {
    <Routes fallback=|| view! { <pages::not_found::NotFound/> }>
        <Route path=path!("/login") view=pages::login::Login/>
        <Route path=path!("/") view=pages::home::Home/>
        <Route path=path!("/station") view=pages::station::StationPage/>
        <Route path=path!("/scanner-test") view=pages::scanner_test::ScannerTest/>
        <Route path=path!("/notifications") view=pages::notifications::NotificationsPage/>
    </Routes>
    }
}

#[component]
fn App() -> impl IntoView {
    let session = session::provide();
    provide_context(pages::station::Station::new(session, "station".into()));
    pages::notifications::provide_unread(session);
    view! {
        <Router>
            <header class="no-print">
                <strong>{T.app_name}</strong>
                <pages::home::SignedInAs/>
            </header>
            <Nav/>
            <ExpiryWarning/>
            <main>
                <pages::server_error::ServerErrorBoundary>
                {app_routes()}
                </pages::server_error::ServerErrorBoundary>
            </main>
        </Router>
    }
}

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
