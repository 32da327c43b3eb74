//! TraceTrack web app entry point.

mod api;
mod feedback;
mod i18n;
mod pages;
mod queue;
mod scanner;
mod session;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::i18n::T;

#[component]
fn App() -> impl IntoView {
    session::provide();
    view! {
        <Router>
            <header>
                <strong>{T.app_name}</strong>
                <pages::home::SignedInAs/>
            </header>
            <main>
                <Routes fallback=|| view! { <pages::not_found::NotFound/> }>
                    <Route path=path!("/login") view=pages::login::Login/>
                    <Route path=path!("/") view=pages::home::Home/>
                    <Route path=path!("/station") view=pages::station::StationPage/>
                </Routes>
            </main>
        </Router>
    }
}

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
