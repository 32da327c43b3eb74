//! The friendly server-error page: shown instead of the page when the read a
//! page is built from answers 5xx, with the request id for support and ways back.

use leptos::prelude::*;

use crate::i18n::T;

thread_local! {
    /// `Some(request id)` while the server-error page is up. Reference-counted,
    /// not owned by whichever component first reads it, so it lives for the app.
    static TROUBLE: ArcRwSignal<Option<String>> = ArcRwSignal::new(None);
}

fn trouble() -> ArcRwSignal<Option<String>> {
    TROUBLE.with(Clone::clone)
}

/// Shows the server-error page (called by the API layer).
pub fn raise(request_id: Option<String>) {
    trouble().set(Some(request_id.unwrap_or_default()));
}

/// The page, or `children` when all is well.
#[component]
pub fn ServerErrorBoundary(children: Children) -> impl IntoView {
    let children = children();
    let up = move || trouble().get().is_some();
    view! {
        <div hidden=up>{children}</div>
        <Show when=up>
            <ServerErrorPage/>
        </Show>
    }
}

#[component]
fn ServerErrorPage() -> impl IntoView {
    let retry = move |_| {
        trouble().set(None);
        let _ = window().location().reload();
    };
    let home = move |_| {
        trouble().set(None);
        let _ = window().location().set_href("/");
    };
    view! {
        <section class="server-error" role="alert" data-testid="server-error">
            <h1>{T.server_error_title}</h1>
            <p>{T.server_error_text}</p>
            {move || trouble().get().filter(|id| !id.is_empty()).map(|id| view! {
                <p class="muted">{T.server_error_reference}" "<code>{id}</code></p>
            })}
            <p>
                <button class="big" on:click=retry>{T.try_again}</button>
                " "
                <button class="big secondary" on:click=home>{T.go_home}</button>
            </p>
        </section>
    }
}
