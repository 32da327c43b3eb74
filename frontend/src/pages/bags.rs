//! Bags: search by id prefix with filters and infinite scroll; bag detail.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use tracetrack_api_types::bags::{BagDetail, BagView};
use tracetrack_api_types::BagRole;

use crate::i18n::T;
use crate::pages::guard::RequireSignIn;
use crate::paging::CursorList;
use crate::session::use_session;

#[component]
pub fn BagsPage() -> impl IntoView {
    view! { <RequireSignIn><Bags/></RequireSignIn> }
}

#[component]
fn Bags() -> impl IntoView {
    let session = use_session();
    let q = RwSignal::new(String::new());
    // `None`: both roles.
    let role = RwSignal::new(None::<BagRole>);
    let list = CursorList::<BagView>::new();
    let load = move |reset: bool| {
        let mut params = Vec::new();
        let text = q.get_untracked();
        if !text.trim().is_empty() {
            params.push(format!("q={}", js_sys::encode_uri_component(text.trim())));
        }
        if let Some(r) = role.get_untracked() {
            params.push(format!("role={r}"));
        }
        list.load(session, "/api/v1/bags", params, reset);
    };
    load(true);
    // Infinite scroll: near the bottom of the page, fetch the next cursor page.
    let scroll = window_event_listener(leptos::ev::scroll, move |_| {
        let Some(w) = web_sys::window() else { return };
        let bottom = w.inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(0.0) + w.scroll_y().unwrap_or(0.0);
        let height = w
            .document()
            .and_then(|d| d.body())
            .map(|b| b.scroll_height() as f64)
            .unwrap_or(0.0);
        if bottom > height - 300.0 {
            load(false);
        }
    });
    on_cleanup(move || scroll.remove());
    view! {
        <h1>{T.menu_bags}</h1>
        <form class="filters" on:submit=move |ev| { ev.prevent_default(); load(true); }>
            <label>{T.search_id}<input type="search" on:input=move |ev| q.set(event_target_value(&ev)) prop:value=q/></label>
            <label>{T.role}
                <select on:change=move |ev| { role.set(BagRole::parse(&event_target_value(&ev))); load(true); }>
                    <option value="">{T.all}</option>
                    {BagRole::ALL.iter().map(|&r| view! { <option value=r.as_str()>{T.bag_role(r)}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit">{T.search}</button>
        </form>
        <ul class="list" data-testid="bags">
            <For each=move || list.items.get() key=|b| b.qr_id.clone() let:bag>
                <li><a href=format!("/bags/{}", bag.qr_id)>{bag.qr_id.clone()}</a>
                    {format!(" · {} · {}", bag.role, bag.status)}
                    {bag.capacity.map(|c| format!(" · {}/{}", bag.child_count.unwrap_or(0), c))}</li>
            </For>
        </ul>
        <Show when=move || list.cursor.get().is_some()>
            <button on:click=move |_| load(false)>{T.load_more}</button>
        </Show>
    }
}

#[component]
pub fn BagDetailPage() -> impl IntoView {
    view! { <RequireSignIn><Detail/></RequireSignIn> }
}

#[component]
fn Detail() -> impl IntoView {
    let session = use_session();
    let qr = move || use_params_map().get().get("qr_id").unwrap_or_default();
    let detail = LocalResource::new(move || {
        let qr = qr();
        async move {
            session
                .get::<BagDetail>(&format!("/api/v1/bags/{}", js_sys::encode_uri_component(&qr)))
                .await
        }
    });
    view! {
        <Suspense fallback=|| view! { <p>{T.loading}</p> }>
            {move || detail.get().map(|d| match d {
                Err(e) => view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
                Ok(d) => {
                    let b = d.bag;
                    let base = format!("/api/v1/bags/{}", js_sys::encode_uri_component(&b.qr_id));
                    let children_path = StoredValue::new(format!("{base}/children"));
                    let events_path = StoredValue::new(format!("{base}/events"));
                    let children = CursorList::seeded(d.children, d.children_next_cursor);
                    let events = CursorList::seeded(d.events, d.events_next_cursor);
                    view! {
                        <h1>{b.qr_id.clone()}</h1>
                        <p data-testid="bag-summary">{format!("{} · {} · {}", b.role, b.format_code, b.status)}
                            {b.capacity.map(|c| format!(" · {}/{} · {:.1} kg", b.child_count.unwrap_or(0), c, b.weight_kg.unwrap_or(0.0)))}</p>
                        {d.parent.map(|p| view! { <p>{T.parent}": "<a href=format!("/bags/{}", p.qr_id)>{p.qr_id.clone()}</a></p> })}
                        {d.bill.map(|bill| view! { <p>{T.bill}": "<a href=format!("/bills/{}", bill.id)>{bill.bill_number.clone()}</a></p> })}
                        <h2>{T.children}{(d.children_total > 0).then(|| format!(" ({})", d.children_total))}</h2>
                        <ul class="list" data-testid="children">
                            <For each=move || children.items.get() key=|c| c.qr_id.clone() let:c>
                                <li><a href=format!("/bags/{}", c.qr_id)>{c.qr_id.clone()}</a>{format!(" · {}", crate::time::stamp(&c.linked_at))}</li>
                            </For>
                        </ul>
                        <Show when=move || children.cursor.get().is_some()>
                            <button data-testid="more-children"
                                on:click=move |_| children_path.with_value(|p| children.load(session, p, Vec::new(), false))>
                                {T.load_more}</button>
                        </Show>
                        <h2>{T.history}</h2>
                        <ul class="list" data-testid="events">
                            <For each=move || events.items.get() key=|e| e.id let:e>
                                <li>{format!("{} · {} · {} {} → {}", crate::time::stamp(&e.recorded_at), e.kind,
                                    e.qr_id.clone().unwrap_or_default(), e.parent_qr_id.clone().unwrap_or_default(), e.outcome)}</li>
                            </For>
                        </ul>
                        <Show when=move || events.cursor.get().is_some()>
                            <button data-testid="more-events"
                                on:click=move |_| events_path.with_value(|p| events.load(session, p, Vec::new(), false))>
                                {T.load_more}</button>
                        </Show>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}
