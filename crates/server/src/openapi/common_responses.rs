//! The answers every operation can give besides its own: problem documents for
//! malformed bodies, missing sign-in, unknown ids, oversized bodies, invalid
//! fields, rate limits and an unavailable database. Added to the generated
//! document in one place so no handler can forget one, and so integrators (and
//! schemathesis) see every status the server may send.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{Object, Type};
use utoipa::openapi::{Content, ContentBuilder, OpenApi as Document, Ref, RefOr, Response};

use crate::error::PROBLEM_JSON;

/// One shared response: its status, component name and description.
struct Common {
    status: &'static str,
    name: &'static str,
    description: &'static str,
    applies: fn(&Facts) -> bool,
}

/// What decides which shared responses an operation can give.
struct Facts {
    api: bool,
    body: bool,
    query: bool,
    header: bool,
    path_params: bool,
    secured: bool,
}

const COMMON: &[Common] = &[
    Common {
        status: "400",
        name: "MalformedJson",
        description: "malformed_json: the body is not JSON",
        applies: |f| f.body,
    },
    Common {
        status: "401",
        name: "Unauthorized",
        description: "unauthorized, session_expired: no valid access token (missing, expired, or its session ended)",
        applies: |f| f.secured,
    },
    Common {
        status: "403",
        name: "Forbidden",
        description: "forbidden (role), totp_enrolment_required (REQUIRE_ADMIN_2FA)",
        applies: |f| f.secured,
    },
    Common {
        status: "404",
        name: "NotFound",
        description: "not_found: no such resource",
        applies: |f| f.path_params,
    },
    Common {
        status: "413",
        name: "PayloadTooLarge",
        description: "payload_too_large: the body is over the size limit",
        applies: |f| f.body,
    },
    Common {
        status: "422",
        name: "ValidationFailed",
        description: "validation_failed: fields, path, query or header parameters are invalid; `errors` points at \
                      each. idempotency_key_reused: the Idempotency-Key came with a different request",
        applies: |f| f.body || f.query || f.header || f.path_params,
    },
    Common {
        status: "429",
        name: "RateLimited",
        description: "rate_limited: wait `Retry-After` seconds",
        applies: |f| f.api,
    },
    Common {
        status: "503",
        name: "Unavailable",
        description: "unavailable: the database cannot be reached; retry later",
        applies: |f| f.api,
    },
];

/// Adds the shared responses to the components and to every operation that can
/// give them, and declares every problem answer as `application/problem+json`.
pub fn apply(doc: &mut Document) {
    let components = doc.components.get_or_insert_with(Default::default);
    for common in COMMON {
        components
            .responses
            .insert(common.name.to_string(), RefOr::T(response(common)));
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            problems_as_problem_json(operation);
            let facts = facts(path, operation);
            for common in COMMON.iter().filter(|c| (c.applies)(&facts)) {
                operation
                    .responses
                    .responses
                    .entry(common.status.to_string())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(common.name)));
            }
        }
    }
}

fn facts(path: &str, operation: &Operation) -> Facts {
    let has_param = |place: ParameterIn| {
        operation.parameters.iter().flatten().any(|p| match p {
            RefOr::T(p) => p.parameter_in == place,
            RefOr::Ref(_) => false,
        })
    };
    Facts {
        api: path.starts_with("/api/"),
        body: operation.request_body.is_some(),
        query: has_param(ParameterIn::Query),
        header: has_param(ParameterIn::Header),
        path_params: path.contains('{'),
        secured: operation.security.as_ref().is_some_and(|s| !s.is_empty()),
    }
}

fn response(common: &Common) -> Response {
    let problem = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .build();
    let builder = ResponseBuilder::new()
        .description(common.description)
        .content(PROBLEM_JSON, problem);
    if common.status != "429" {
        return builder.build();
    }
    let integer = |description: &str| {
        HeaderBuilder::new()
            .schema(Some(Object::with_type(Type::Integer)))
            .description(Some(description))
            .build()
    };
    builder
        .header("Retry-After", integer("Seconds until a request may succeed"))
        .header("RateLimit-Limit", integer("Requests allowed in the window"))
        .header("RateLimit-Remaining", integer("Requests left in the window"))
        .header("RateLimit-Reset", integer("Seconds until the window resets"))
        .build()
}

/// Handlers declare `body = Problem`, which utoipa files under `application/json`;
/// the server sends problems as `application/problem+json`.
fn problems_as_problem_json(operation: &mut Operation) {
    for response in operation.responses.responses.values_mut() {
        let RefOr::T(response) = response else { continue };
        if response.content.get("application/json").is_some_and(is_problem) {
            if let Some(content) = response.content.shift_remove("application/json") {
                response.content.insert(PROBLEM_JSON.to_string(), content);
            }
        }
    }
}

fn is_problem(content: &RefOr<Content>) -> bool {
    let RefOr::T(content) = content else { return false };
    matches!(&content.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_documents_the_shared_answers_as_problem_json() {
        let doc = crate::openapi::document();
        let mut checked = 0;
        for (path, item) in &doc.paths.paths {
            for operation in [&item.get, &item.put, &item.post, &item.delete, &item.patch]
                .into_iter()
                .flatten()
            {
                let facts = facts(path, operation);
                for common in COMMON.iter().filter(|c| (c.applies)(&facts)) {
                    assert!(
                        operation.responses.responses.contains_key(common.status),
                        "{path} lacks {}",
                        common.status
                    );
                }
                for response in operation.responses.responses.values() {
                    if let RefOr::T(response) = response {
                        let json = response.content.get("application/json");
                        assert!(
                            !json.is_some_and(is_problem),
                            "{path} documents a problem as application/json"
                        );
                    }
                }
                checked += 1;
            }
        }
        assert!(checked > 50, "only {checked} operations");
    }
}
