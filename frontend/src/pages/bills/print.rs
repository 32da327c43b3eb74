//! Print view of a bill (A4), with the bill number as a QR code drawn client-side.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use tracetrack_api_types::bills::BillDetail;

use crate::i18n::T;
use crate::pages::guard::RequireSignIn;
use crate::session::use_session;

#[component]
pub fn BillPrintPage() -> impl IntoView {
    view! { <RequireSignIn><Print/></RequireSignIn> }
}

fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(160, 160)
            .build(),
        Err(_) => String::new(),
    }
}

#[component]
fn Print() -> impl IntoView {
    let session = use_session();
    let id = use_params_map().get_untracked().get("id").unwrap_or_default();
    let bill = LocalResource::new(move || {
        let id = id.clone();
        async move { session.get::<BillDetail>(&format!("/api/v1/bills/{id}")).await.ok() }
    });
    view! {
        <Suspense fallback=|| view! { <p>{T.loading}</p> }>
            {move || bill.get().flatten().map(|d| {
                let b = d.bill;
                view! {
                    <article class="print">
                        <div class="print-head">
                            <div>
                                <h1>{T.bill}" "{b.bill_number.clone()}</h1>
                                <p>{[b.destination.clone(), b.vehicle_number.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ")}</p>
                                <p>{format!("{} {}/{} · {:.1} kg · {} {:.1}", T.parents, b.parent_count, b.capacity,
                                    b.actual_weight_kg, T.expected_kg, b.expected_weight_kg)}</p>
                            </div>
                            <div class="qr" inner_html=qr_svg(&b.bill_number)></div>
                        </div>
                        <table>
                            <thead><tr><th>"#"</th><th>{T.parent}</th><th>{T.children}</th><th>"kg"</th></tr></thead>
                            <tbody>
                                {d.parents.into_iter().enumerate().map(|(i, p)| view! {
                                    <tr><td>{i + 1}</td><td>{p.qr_id}</td><td>{p.child_count}</td><td>{format!("{:.1}", p.weight_kg)}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <button class="no-print" onclick="window.print()">{T.print}</button>
                    </article>
                }
            })}
        </Suspense>
    }
}
