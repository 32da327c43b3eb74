//! Every request and response schema of the OpenAPI document carries an `example`,
//! and that example is a value of its type: it parses, and serialising the parsed value
//! gives the example back (no key dropped, none added but omitted `null`s).

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use utoipa::PartialSchema;

use crate::admin::*;
use crate::auth::*;
use crate::bags::*;
use crate::bills::*;
use crate::imports::*;
use crate::integrations::*;
use crate::notifications::*;
use crate::reports::*;
use crate::scans::*;
use crate::system::*;
use crate::webhooks::*;
use crate::{HealthStatus, Items, Page, Problem};

/// The schema's example: utoipa 6 emits the `example` keyword for `schema(example = ...)`;
/// the first of `examples` is taken should a schema use that instead.
fn example_of<T: PartialSchema>() -> Option<Value> {
    let schema = serde_json::to_value(T::schema()).expect("a schema serialises");
    schema
        .get("example")
        .cloned()
        .or_else(|| schema.get("examples").and_then(|e| e.get(0)).cloned())
}

/// Where `back` (the parsed example, serialised again) departs from `example`: a key the
/// type dropped, a key the example lacks (other than a `null` it may omit), or a changed value.
fn differences(path: &str, example: &Value, back: &Value, out: &mut Vec<String>) {
    match (example, back) {
        (Value::Object(ex), Value::Object(bk)) => {
            for (k, v) in ex {
                match bk.get(k) {
                    Some(b) => differences(&format!("{path}/{k}"), v, b, out),
                    None => out.push(format!("{path}/{k}: in the example, dropped by the type")),
                }
            }
            for (k, b) in bk {
                if !ex.contains_key(k) && !b.is_null() {
                    out.push(format!("{path}/{k}: serialised as {b}, missing from the example"));
                }
            }
        }
        (Value::Array(ex), Value::Array(bk)) if ex.len() == bk.len() => {
            for (i, (v, b)) in ex.iter().zip(bk).enumerate() {
                differences(&format!("{path}/{i}"), v, b, out);
            }
        }
        (Value::Number(ex), Value::Number(bk)) if ex.as_f64() == bk.as_f64() => {}
        _ if example == back => {}
        _ => out.push(format!("{path}: example {example}, serialised back as {back}")),
    }
}

/// Parses `example` as `T` and checks the round trip; `Err` says what is wrong.
fn round_trip<T: Serialize + DeserializeOwned>(example: &Value) -> Result<(), String> {
    let parsed: T = serde_json::from_value(example.clone()).map_err(|e| format!("does not parse: {e}"))?;
    let back = serde_json::to_value(&parsed).map_err(|e| format!("does not serialise: {e}"))?;
    let mut out = Vec::new();
    differences("", example, &back, &mut out);
    if out.is_empty() {
        Ok(())
    } else {
        Err(out.join("; "))
    }
}

fn check<T: PartialSchema + Serialize + DeserializeOwned>(name: &str, failures: &mut Vec<String>) {
    match example_of::<T>() {
        None => failures.push(format!("{name}: no example")),
        Some(example) => {
            if let Err(e) = round_trip::<T>(&example) {
                failures.push(format!("{name}: {e}"));
            }
        }
    }
}

/// Checks every listed type and fails once, naming each type that is wrong.
macro_rules! check_examples {
    ($($ty:ty),* $(,)?) => {{
        let mut failures = Vec::new();
        $(check::<$ty>(stringify!($ty), &mut failures);)*
        assert!(failures.is_empty(), "bad schema examples:\n{}", failures.join("\n"));
    }};
}

#[test]
fn every_body_schema_has_an_example_that_round_trips() {
    check_examples!(
        // Bodies that had an example already.
        LoginRequest,
        ScanParentRequest,
        ScanChildRequest,
        CreateBillRequest,
        Problem,
        // Requests.
        AddParentRequest,
        BatchRequest,
        ChangePasswordRequest,
        CreateAreaRequest,
        CreateApiKeyRequest,
        CreateBagRequest,
        CreateServiceAccountRequest,
        CreateWebhookRequest,
        PatchWebhookRequest,
        PatchServiceAccountRequest,
        CreateFormatRequest,
        CreatePromotionRequest,
        CreateUserRequest,
        DecidePromotionRequest,
        ForgotPasswordRequest,
        PasswordConfirmRequest,
        PatchAreaRequest,
        PatchBillRequest,
        PatchFormatRequest,
        PatchUserRequest,
        RefreshRequest,
        RegisterRequest,
        ReopenRequest,
        ResetPasswordRequest,
        SealRequest,
        TotpCodeRequest,
        UnlinkRequest,
        // Responses.
        ApiKey,
        CreatedApiKey,
        ServiceAccount,
        Queued,
        WebhookEndpoint,
        WebhookWithSecret,
        BagDetail,
        LinkedChild,
        BagFormat,
        BagResponse,
        BatchResponse,
        Bill,
        BillDetail,
        DispatchArea,
        EodReport,
        EodSent,
        HealthStatus,
        ImportDetail,
        ImportJob,
        NotificationPage,
        ParentResponse,
        PromotionRequest,
        RecoveryCodes,
        ScanChildResponse,
        ScanParentResponse,
        Stats,
        SystemHealth,
        TokenResponse,
        TotpSetup,
        UndoResponse,
        UnlinkResponse,
        User,
        // Items of `Page<..>` lists.
        AuditEntry,
        BagView,
        OutboxMail,
        ScanEvent,
    );
}

/// The example of a list's item schema: inline, or that of the schema `$ref` names (`T`'s own,
/// which the document inlines into `Page_T`).
fn item_example<T: PartialSchema>(list: Value, item_name: &str) -> Option<Value> {
    let item = list.pointer("/properties/items/items")?;
    match item.get("$ref").and_then(Value::as_str) {
        Some(r) if r == format!("#/components/schemas/{item_name}") => example_of::<T>(),
        Some(_) => None,
        None => item.get("example").cloned(),
    }
}

/// The item of `Page<T>` and `Items<T>` is `T`'s schema, example included; a list made of
/// that example is a value of the list type.
macro_rules! check_lists {
    ($($list:ident<$item:ty>),* $(,)?) => {{
        let mut failures = Vec::new();
        $(
            let name = concat!(stringify!($list), "<", stringify!($item), ">");
            let schema = serde_json::to_value(<$list<$item> as PartialSchema>::schema()).unwrap();
            match item_example::<$item>(schema, stringify!($item)) {
                None => failures.push(format!("{name}: its item has no example")),
                Some(item) => {
                    let mut list = serde_json::json!({ "items": [item] });
                    if stringify!($list) == "Page" {
                        list["next_cursor"] = "MTI4NA".into();
                    }
                    if let Err(e) = round_trip::<$list<$item>>(&list) {
                        failures.push(format!("{name}: {e}"));
                    }
                }
            }
        )*
        assert!(failures.is_empty(), "bad list item examples:\n{}", failures.join("\n"));
    }};
}

#[test]
fn every_list_item_has_an_example() {
    check_lists!(
        Page<AuditEntry>,
        Page<BagView>,
        Page<Bill>,
        Page<ImportJob>,
        Page<OutboxMail>,
        Page<PromotionRequest>,
        Page<ScanEvent>,
        Page<ServiceAccount>,
        Page<User>,
        Page<WebhookDelivery>,
        Items<BagFormat>,
        Items<DispatchArea>,
        Items<WebhookEndpoint>,
    );
}

#[test]
fn the_check_catches_a_misspelt_or_dropped_key() {
    let misspelt = serde_json::json!({"qr_id": "SB00042", "ocurred_at": "2026-12-03T09:15:00Z"});
    assert!(round_trip::<ScanParentRequest>(&misspelt).is_err());
    let dropped = serde_json::json!({"status": "ok", "checks": null});
    assert!(round_trip::<HealthStatus>(&dropped).is_err());
    let lacking = serde_json::json!({"qr_id": "K00017"});
    assert!(round_trip::<ScanEvent>(&lacking).is_err());
    let omitted_null = serde_json::json!({"qr_id": "SB00042"});
    assert!(round_trip::<ScanParentRequest>(&omitted_null).is_ok());
}
