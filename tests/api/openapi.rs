//! The committed OpenAPI document matches the code and covers the contract.

use serde_json::Value;

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

#[test]
fn committed_document_matches_the_code() {
    let generated = tracetrack_server::openapi::document_json();
    assert!(
        COMMITTED == generated,
        "openapi/openapi.json is stale: run `cargo run -p tracetrack-server --bin tracetrack -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn every_contract_route_is_documented_with_schemas() {
    let doc: Value = serde_json::from_str(COMMITTED).unwrap();
    let routes = [
        ("get", "/health"),
        ("get", "/ready"),
        ("get", "/metrics"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/refresh"),
        ("post", "/api/v1/auth/logout"),
        ("get", "/api/v1/auth/me"),
        ("post", "/api/v1/auth/password"),
        ("post", "/api/v1/scans/parent"),
        ("post", "/api/v1/scans/child"),
        ("post", "/api/v1/scans/unlink"),
        ("post", "/api/v1/scans/undo"),
        ("post", "/api/v1/scans/batch"),
        ("get", "/api/v1/scans"),
        ("get", "/api/v1/bags"),
        ("post", "/api/v1/bags"),
        ("get", "/api/v1/bags/{qr_id}"),
        ("delete", "/api/v1/bags/{qr_id}"),
        ("post", "/api/v1/bags/{qr_id}/restore"),
        ("post", "/api/v1/bags/{qr_id}/seal"),
        ("post", "/api/v1/bags/{qr_id}/unseal"),
        ("get", "/api/v1/bags/{qr_id}/events"),
        ("get", "/api/v1/bills"),
        ("post", "/api/v1/bills"),
        ("get", "/api/v1/bills/{id}"),
        ("patch", "/api/v1/bills/{id}"),
        ("delete", "/api/v1/bills/{id}"),
        ("post", "/api/v1/bills/{id}/parents"),
        ("delete", "/api/v1/bills/{id}/parents/{qr_id}"),
        ("post", "/api/v1/bills/{id}/complete"),
        ("post", "/api/v1/bills/{id}/reopen"),
        ("get", "/api/v1/stats"),
        ("get", "/api/v1/users"),
        ("post", "/api/v1/users"),
        ("get", "/api/v1/users/{id}"),
        ("patch", "/api/v1/users/{id}"),
        ("delete", "/api/v1/users/{id}"),
        ("post", "/api/v1/users/{id}/unlock"),
        ("delete", "/api/v1/users/{id}/sessions"),
        ("get", "/api/v1/dispatch-areas"),
        ("post", "/api/v1/dispatch-areas"),
        ("patch", "/api/v1/dispatch-areas/{code}"),
        ("get", "/api/v1/bag-formats"),
        ("post", "/api/v1/bag-formats"),
        ("patch", "/api/v1/bag-formats/{code}"),
        ("get", "/api/v1/audit-log"),
    ];
    for (method, path) in routes {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not documented");
        assert!(
            op["responses"].as_object().is_some_and(|r| !r.is_empty()),
            "{method} {path} has no responses"
        );
        let has_schema = op["responses"]
            .as_object()
            .unwrap()
            .values()
            .any(|r| r["content"].is_object())
            || op["responses"].as_object().unwrap().keys().any(|k| k == "204");
        assert!(has_schema, "{method} {path} documents no response body");
    }
    let problem_codes = doc["paths"]["/api/v1/scans/child"]["post"]["responses"]["409"]["description"]
        .as_str()
        .unwrap();
    for code in ["linked_elsewhere", "parent_full", "parent_sealed", "parent_billed"] {
        assert!(problem_codes.contains(code), "{code} missing from the documented 409s");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.keys().all(|p| !p.ends_with('/')), "no trailing slashes");
}

#[test]
fn operation_ids_are_unique_and_problem_codes_are_listed() {
    let doc: Value = serde_json::from_str(COMMITTED).unwrap();
    let mut seen = std::collections::HashMap::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            if let Some(id) = op["operationId"].as_str() {
                if let Some(other) = seen.insert(id.to_string(), format!("{method} {path}")) {
                    panic!("operationId {id} is used by {other} and {method} {path}");
                }
            }
        }
    }
    let codes = doc["components"]["schemas"]["ErrorCode"]["enum"].as_array().unwrap();
    let wire: Vec<&str> = codes.iter().map(|c| c.as_str().unwrap()).collect();
    for code in tracetrack_api_types::ErrorCode::ALL {
        assert!(wire.contains(&code.as_str()), "{code} is missing from the document");
    }
    assert_eq!(
        doc["components"]["schemas"]["Problem"]["properties"]["code"]["$ref"],
        "#/components/schemas/ErrorCode"
    );
}

/// Verbs an operationId may start with (`verb_resource`, snake_case).
const VERBS: &[&str] = &[
    "add", "approve", "change", "check", "complete", "create", "delete", "disable", "enable", "end", "export", "get",
    "list", "mark", "patch", "refresh", "register", "reject", "remove", "reopen", "request", "reset", "restore",
    "replay", "retry", "revoke", "rotate", "scan", "seal", "send", "start", "stream", "submit", "undo", "unlink",
    "unlock", "unseal",
];

#[test]
fn every_operation_id_is_verb_resource() {
    let doc: Value = serde_json::from_str(COMMITTED).unwrap();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default();
            let words: Vec<&str> = id.split('_').collect();
            let snake = words.len() >= 2
                && words
                    .iter()
                    .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()));
            assert!(
                snake && VERBS.contains(&words[0]),
                "{method} {path}: operationId `{id}` is not verb_resource"
            );
        }
    }
}

/// The schema names a JSON request or response body refers to directly.
fn body_schemas(doc: &Value) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    let mut collect = |content: &Value| {
        for media in content.as_object().into_iter().flat_map(|m| m.values()) {
            let text = media["schema"].to_string();
            for part in text.split("#/components/schemas/").skip(1) {
                names.insert(part.split('"').next().unwrap().to_string());
            }
        }
    };
    for ops in doc["paths"].as_object().unwrap().values() {
        for op in ops.as_object().unwrap().values() {
            collect(&op["requestBody"]["content"]);
            for response in op["responses"].as_object().unwrap().values() {
                collect(&response["content"]);
            }
        }
    }
    for response in doc["components"]["responses"].as_object().unwrap().values() {
        collect(&response["content"]);
    }
    names
}

#[test]
fn every_request_and_response_schema_has_an_example_of_its_fields() {
    let doc: Value = serde_json::from_str(COMMITTED).unwrap();
    let schemas = &doc["components"]["schemas"];
    let example = |name: &str| {
        let s = &schemas[name];
        s.get("example").or_else(|| s["examples"].get(0)).cloned()
    };
    let mut missing = Vec::new();
    for name in body_schemas(&doc) {
        // A generic list (`Page_X`, `Items_X`) is shown by its item's example.
        let shown = match name.split_once('_') {
            Some((wrapper, item)) if ["Page", "Items"].contains(&wrapper) => item.to_string(),
            _ => name.clone(),
        };
        let Some(ex) = example(&shown) else {
            missing.push(shown);
            continue;
        };
        let props = schemas[&shown]["properties"].as_object();
        if let (Some(props), Some(fields)) = (props, ex.as_object()) {
            for key in fields.keys() {
                assert!(
                    props.contains_key(key),
                    "the example of {shown} has `{key}`, which the schema lacks"
                );
            }
            for req in schemas[&shown]["required"].as_array().into_iter().flatten() {
                let req = req.as_str().unwrap();
                assert!(
                    fields.contains_key(req),
                    "the example of {shown} lacks the required `{req}`"
                );
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "request/response schemas without an example: {missing:?}"
    );
}

#[test]
fn every_state_enum_lists_its_values() {
    use tracetrack_api_types::*;
    fn values<T: TextEnum>() -> Vec<String> {
        T::ALL.iter().map(|v| v.as_str().to_string()).collect()
    }
    let doc: Value = serde_json::from_str(COMMITTED).unwrap();
    let listed = |name: &str| -> Vec<String> {
        let values = doc["components"]["schemas"][name]["enum"].as_array();
        let values = values.unwrap_or_else(|| panic!("{name} lists no values"));
        values.iter().map(|v| v.as_str().unwrap().to_string()).collect()
    };
    assert_eq!(listed("Role"), values::<Role>());
    assert_eq!(listed("BagRole"), values::<BagRole>());
    assert_eq!(listed("ParentStatus"), values::<ParentStatus>());
    assert_eq!(listed("ChildStatus"), values::<ChildStatus>());
    assert_eq!(listed("BillStatus"), values::<BillStatus>());
    assert_eq!(listed("ScanKind"), values::<ScanKind>());
    assert_eq!(listed("ScanOutcome"), values::<ScanOutcome>());
    assert_eq!(listed("ImportKind"), values::<ImportKind>());
    assert_eq!(listed("ImportMode"), values::<ImportMode>());
    assert_eq!(listed("ImportState"), values::<ImportState>());
    assert_eq!(listed("PromotionStatus"), values::<PromotionStatus>());
    assert_eq!(listed("BatchKind"), values::<BatchKind>());
    assert_eq!(listed("NotificationLevel"), values::<NotificationLevel>());
    assert_eq!(listed("ExportFormat"), values::<ExportFormat>());
    assert_eq!(listed("ReportFormat"), values::<ReportFormat>());
}

#[test]
fn every_reference_names_a_schema_of_the_document() {
    let doc: Value = serde_json::from_str(COMMITTED).unwrap();
    let text = doc.to_string();
    for part in text.split("\"$ref\":\"").skip(1) {
        let target = part.split('"').next().unwrap();
        let pointer = target.trim_start_matches('#');
        assert!(
            doc.pointer(pointer).is_some(),
            "{target} is referenced but not in the document"
        );
    }
}
