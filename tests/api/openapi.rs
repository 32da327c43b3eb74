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
