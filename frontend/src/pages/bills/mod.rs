//! Bills: list and create, detail with actions, the bill station, print view.

mod detail;
mod list;
mod print;
mod station;

pub use detail::BillDetailPage;
pub use list::BillsPage;
pub use print::BillPrintPage;
pub use station::BillStationPage;

use leptos::prelude::*;
use tracetrack_api_types::bills::Bill;

use crate::i18n::T;

/// The bill's figures: parents/capacity, actual vs expected kg, variance.
#[component]
pub fn BillFigures(bill: Bill) -> impl IntoView {
    view! {
        <div class="tiles" data-testid="bill-figures">
            <div class="tile"><b>{format!("{}/{}", bill.parent_count, bill.capacity)}</b>{T.parents}</div>
            <div class="tile"><b>{bill.child_count}</b>{T.children}</div>
            <div class="tile"><b>{format!("{:.1}", bill.actual_weight_kg)}</b>{T.actual_kg}</div>
            <div class="tile"><b>{format!("{:.1}", bill.expected_weight_kg)}</b>{T.expected_kg}</div>
            <div class="tile"><b>{format!("{:+.1}", bill.variance_kg)}</b>{T.variance_kg}</div>
            <div class="tile"><b>{bill.measured_weight_kg.map(|m| format!("{m:.1}")).unwrap_or_else(|| "–".into())}</b>{T.measured_kg}</div>
        </div>
        <p>{T.status}": "<strong data-testid="bill-status">{bill.status.as_str()}</strong></p>
    }
}
