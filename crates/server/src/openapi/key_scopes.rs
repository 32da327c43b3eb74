//! Which operations an integration's API key may call, and the scope each needs.
//! The document carries it (`security: [{"bearer": []}, {"apiKey": ["scans:write"]}]`)
//! and the server enforces what the document says ([`crate::auth::api_key::KeyScopes`]),
//! so the two cannot disagree. Scopes narrow the account's role: the handlers'
//! role checks still apply.

use tracetrack_api_types::integrations::Scope;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::OpenApi as Document;

use crate::auth::api_key::{HEADER, SCHEME};

/// Operation id → scope. Operations not listed need a person's session.
pub const KEY_SCOPES: &[(&str, Scope)] = &[
    ("list_bags", Scope::BagsRead),
    ("get_bag", Scope::BagsRead),
    ("list_bag_children", Scope::BagsRead),
    ("list_bag_events", Scope::BagsRead),
    ("list_areas", Scope::BagsRead),
    ("list_formats", Scope::BagsRead),
    ("get_stats", Scope::BagsRead),
    ("create_bag", Scope::ScansWrite),
    ("scan_parent", Scope::ScansWrite),
    ("scan_child", Scope::ScansWrite),
    ("unlink_child", Scope::ScansWrite),
    ("undo_last_link", Scope::ScansWrite),
    ("submit_scan_batch", Scope::ScansWrite),
    ("seal_bag", Scope::ScansWrite),
    ("unseal_bag", Scope::ScansWrite),
    ("list_bills", Scope::BillsRead),
    ("get_bill", Scope::BillsRead),
    ("create_bill", Scope::BillsWrite),
    ("patch_bill", Scope::BillsWrite),
    ("delete_bill", Scope::BillsWrite),
    ("add_bill_parent", Scope::BillsWrite),
    ("remove_bill_parent", Scope::BillsWrite),
    ("complete_bill", Scope::BillsWrite),
    ("reopen_bill", Scope::BillsWrite),
    ("list_scan_events", Scope::EventsRead),
    ("stream_events", Scope::EventsRead),
    ("list_epcis_events", Scope::EventsRead),
    ("export_table", Scope::ExportsRead),
];

/// Declares the API-key scheme and adds each listed operation's key requirement.
pub fn apply(doc: &mut Document) {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        SCHEME,
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            HEADER,
            "An integration's key, `ttk_` + 36 characters (also accepted as `Authorization: Bearer ttk_…`). \
             Each operation lists the scope it needs.",
        ))),
    );
    for item in doc.paths.paths.values_mut() {
        let operations = [&mut item.get, &mut item.post, &mut item.patch, &mut item.delete];
        for operation in operations.into_iter().flatten() {
            let id = operation.operation_id.as_deref().unwrap_or_default();
            let Some((_, scope)) = KEY_SCOPES.iter().find(|(op, _)| *op == id) else {
                continue;
            };
            operation
                .security
                .get_or_insert_with(Vec::new)
                .push(SecurityRequirement::new(SCHEME, [scope.as_str()]));
        }
    }
}
