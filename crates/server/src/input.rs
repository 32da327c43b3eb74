//! Reading what clients send: JSON bodies (with a pointer to the field that does not fit
//! the schema), optional text and filter ids. Used by routes and services alike.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;
use tracetrack_api_types::ErrorCode;

use crate::error::{ApiError, ApiResult};

/// Largest accepted request body.
pub const MAX_BODY: usize = 1 << 20;

/// A JSON request body. Unlike `actix_web::web::Json`, a value that does not fit the
/// schema (an unknown role, a string where a number belongs, a missing field) is
/// answered with a `422` whose error names the field by JSON pointer.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Like actix: no content type is fine, another one than JSON is not.
        let json_type = match req.mime_type() {
            Ok(Some(mime)) => mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"),
            Ok(None) => true,
            Err(_) => false,
        };
        // The `PayloadConfig` limit (`MAX_BODY`) applies; compressed bodies are decoded.
        let body = actix_web::web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json_type {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    ErrorCode::UnsupportedMediaType,
                    "Send the body as application/json.",
                )
                .into());
            }
            let bytes = body.await.map_err(|e| match e.as_error::<PayloadError>() {
                Some(PayloadError::Overflow) => payload_error(PayloadError::Overflow),
                _ => ApiError::bad_request(ErrorCode::MalformedJson, format!("The body could not be read: {e}.")),
            })?;
            Ok(Json(parse_json(&bytes)?))
        })
    }
}

/// The problem for a body that could not be read.
fn payload_error(e: PayloadError) -> ApiError {
    match e {
        PayloadError::Overflow => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            format!("The body is larger than {MAX_BODY} bytes."),
        ),
        other => ApiError::bad_request(
            ErrorCode::MalformedJson,
            format!("The body could not be read: {other}."),
        ),
    }
}

/// Parses a JSON body.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(path_error)?;
    de.end().map_err(|e| json_error(String::new(), e))?;
    Ok(value)
}

/// Reads an already parsed JSON value (one event of a batch).
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> ApiResult<T> {
    serde_path_to_error::deserialize(value).map_err(path_error)
}

/// Parses an optional JSON body: empty means the default.
pub fn optional_json<T: DeserializeOwned + Default>(bytes: &[u8]) -> ApiResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    parse_json(bytes)
}

/// Maps a serde error: bad syntax is `malformed_json`; a value that does not fit the
/// schema is a `422` naming the field.
fn json_error(mut pointer: String, inner: serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match inner.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::bad_request(
            ErrorCode::MalformedJson,
            format!("The body is not valid JSON: {inner}."),
        ),
        Category::Data => {
            let msg = inner.to_string();
            let missing = msg
                .split_once("missing field `")
                .and_then(|(_, rest)| rest.split_once('`'))
                .map(|(field, _)| field.to_string());
            let code = match missing {
                Some(field) => {
                    pointer = format!("{pointer}/{field}");
                    "required"
                }
                None => "invalid",
            };
            ApiError::invalid_field(&pointer, code, format!("The body does not fit the schema: {msg}."))
        }
    }
}

fn path_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    json_error(pointer(e.path()), e.into_inner())
}

/// The JSON pointer (RFC 6901) of a serde path; `` for the whole document.
fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => out.push_str(&format!("/{}", key.replace('~', "~0").replace('/', "~1"))),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out
}

/// Trims optional text; blank becomes `None`; checks the length.
pub fn clean_text(value: Option<String>, pointer: &str, max: usize) -> ApiResult<Option<String>> {
    let value = value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    if let Some(v) = &value {
        if v.chars().count() > max {
            return Err(ApiError::invalid_field(
                pointer,
                "too_long",
                format!("At most {max} characters."),
            ));
        }
    }
    Ok(value)
}

/// Normalises an id used as a filter (no length rules: filters never fail).
pub fn normalize_filter_qr(raw: &str) -> String {
    tracetrack_domain::normalize_qr(raw).unwrap_or_else(|_| {
        raw.chars()
            .filter(|c| !c.is_control())
            .collect::<String>()
            .trim()
            .to_uppercase()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracetrack_api_types::Role;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        role: Role,
        items: Vec<Item>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        count: i32,
    }

    fn field(bytes: &str) -> (String, String) {
        let e = parse_json::<Body>(bytes.as_bytes()).unwrap_err();
        let f = &e.extras.as_ref().unwrap().errors.as_ref().unwrap()[0];
        (f.pointer.clone().unwrap(), f.code.clone())
    }

    #[test]
    fn a_value_that_does_not_fit_names_its_field() {
        assert_eq!(
            field(r#"{"role": "root", "items": []}"#),
            ("/role".into(), "invalid".into())
        );
        assert_eq!(
            field(r#"{"role": "admin", "items": [{"count": 1}, {"count": "x"}]}"#),
            ("/items/1/count".into(), "invalid".into())
        );
        assert_eq!(field(r#"{"role": "admin"}"#), ("/items".into(), "required".into()));
        assert_eq!(
            field(r#"{"role": "admin", "items": [{}]}"#),
            ("/items/0/count".into(), "required".into())
        );
    }

    #[test]
    fn bad_syntax_and_trailing_text_are_malformed_json() {
        for text in [r#"{"role": "#, r#"{"role": "admin", "items": []} x"#] {
            let e = parse_json::<Body>(text.as_bytes()).unwrap_err();
            assert_eq!(e.code, ErrorCode::MalformedJson, "{text}");
        }
        assert!(parse_json::<Body>(br#"{"role": "admin", "items": []}  "#).is_ok());
    }
}
