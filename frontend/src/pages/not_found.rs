//! Friendly page for unknown addresses.

use leptos::prelude::*;

use crate::i18n::T;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <h1>{T.not_found_title}</h1>
        <p>{T.not_found_text}</p>
        <a href="/">{T.go_home}</a>
    }
}
