//! Notifications: the user's own, newest first; unread ones stand out and can be
//! marked read one by one or all at once. The nav badge counts the unread ones.

use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tracetrack_api_types::notifications::{Notification, NotificationPage};

use crate::i18n::T;
use crate::pages::guard::RequireSignIn;
use crate::paging::CursorList;
use crate::session::{use_session, Session};

/// How often the badge asks for the unread count.
const BADGE_EVERY_SECS: u64 = 60;

/// The unread count, shared by the nav badge and the page.
#[derive(Clone, Copy)]
pub struct Unread(pub RwSignal<i64>);

/// Asks the server for the unread count now.
pub fn refresh_unread(session: Session, unread: Unread) {
    if session.user.get_untracked().is_none() {
        return;
    }
    spawn_local(async move {
        if let Ok(page) = session
            .get_quiet::<NotificationPage>("/api/v1/notifications?limit=1")
            .await
        {
            unread.0.set(page.unread_count);
        }
    });
}

/// Provides the unread count at App level and keeps it fresh while signed in.
pub fn provide_unread(session: Session) -> Unread {
    let unread = Unread(RwSignal::new(0));
    provide_context(unread);
    Effect::new(move |_| {
        if session.user.get().is_some() {
            refresh_unread(session, unread);
        } else {
            unread.0.set(0);
        }
    });
    if let Ok(h) = set_interval_with_handle(
        move || refresh_unread(session, unread),
        std::time::Duration::from_secs(BADGE_EVERY_SECS),
    ) {
        on_cleanup(move || h.clear());
    }
    unread
}

/// The nav link with the unread count.
#[component]
pub fn NotificationsLink() -> impl IntoView {
    let unread = expect_context::<Unread>();
    view! {
        <a href="/notifications" data-testid="notifications-link">
            {T.menu_notifications}
            <Show when=move || { unread.0.get() > 0 }>
                <span class="badge" aria-label=T.unread>{move || unread.0.get()}</span>
            </Show>
        </a>
    }
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    view! { <RequireSignIn><NotificationList/></RequireSignIn> }
}

#[component]
fn NotificationList() -> impl IntoView {
    let session = use_session();
    let unread = expect_context::<Unread>();
    let list = CursorList::<Notification>::new();
    let load = move |reset: bool| list.load(session, "/api/v1/notifications", Vec::new(), reset);
    load(true);
    let mark = move |path: String, id: Option<i64>| {
        spawn_local(async move {
            if let Ok(r) = session.send(Method::POST, &path, None, &[]).await {
                if r.status == 204 {
                    list.items.update(|items| {
                        for n in items.iter_mut().filter(|n| id.is_none_or(|id| n.id == id)) {
                            n.read = true;
                        }
                    });
                    refresh_unread(session, unread);
                }
            }
        });
    };
    view! {
        <h1>{T.menu_notifications}</h1>
        <Show when=move || { unread.0.get() > 0 }>
            <button on:click=move |_| mark("/api/v1/notifications/read-all".into(), None)>{T.mark_all_read}</button>
        </Show>
        <Show when=move || !list.items.get().is_empty() fallback=|| view! { <p>{T.no_notifications}</p> }>
            <ul class="list" data-testid="notifications">
                <For each=move || list.items.get() key=|n| (n.id, n.read) let:n>
                    <li class=format!("note note-{}{}", n.level, if n.read { "" } else { " unread" })>
                        <strong>{if n.read { String::new() } else { format!("● {} · ", T.unread) }}{n.title.clone()}</strong>
                        <p>{n.message.clone()}</p>
                        <small>{crate::time::stamp(&n.created_at)}</small>
                        <div class="row-actions">
                            {n.link.clone().map(|href| view! { <a href=href>{T.open_link}</a> })}
                            {(!n.read).then(|| {
                                let path = format!("/api/v1/notifications/{}/read", n.id);
                                let id = n.id;
                                view! { <button on:click=move |_| mark(path.clone(), Some(id))>{T.mark_read}</button> }
                            })}
                        </div>
                    </li>
                </For>
            </ul>
        </Show>
        <Show when=move || list.cursor.get().is_some()><button on:click=move |_| load(false)>{T.load_more}</button></Show>
    }
}
