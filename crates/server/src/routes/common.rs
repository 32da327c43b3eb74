//! Helpers shared by the route modules: paging and cursors.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use tracetrack_api_types::Page;

use crate::error::{ApiError, ApiResult};

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page size.
pub const MAX_LIMIT: i64 = 200;

/// Checks `?limit=`.
pub fn limit(value: Option<i64>) -> ApiResult<i64> {
    match value {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid_param(
            "limit",
            format!("limit must be between 1 and {MAX_LIMIT}."),
        )),
    }
}

/// Encodes a cursor: a tag and the last key of the page.
pub fn encode_cursor(tag: char, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{tag}:{key}"))
}

/// Decodes a cursor of the expected tag.
pub fn decode_cursor(cursor: Option<&str>, tag: char) -> ApiResult<Option<String>> {
    let Some(cursor) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let bad = || ApiError::invalid_param("cursor", "The cursor is not one this list handed out.");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    match text.split_once(':') {
        Some((t, key)) if t.len() == 1 && t.starts_with(tag) => Ok(Some(key.to_string())),
        _ => Err(bad()),
    }
}

/// Decodes a numeric-id cursor.
pub fn decode_id_cursor(cursor: Option<&str>) -> ApiResult<Option<i64>> {
    decode_cursor(cursor, 'i')?
        .map(|k| {
            k.parse()
                .map_err(|_| ApiError::invalid_param("cursor", "The cursor is not one this list handed out."))
        })
        .transpose()
}

/// Builds a page from `limit + 1` rows; `key` gives the cursor of the last row kept.
pub fn page<R, T>(rows: Vec<R>, limit: i64, key: impl Fn(&R) -> String, mut view: impl FnMut(R) -> T) -> Page<T> {
    let Ok(page) = try_page::<_, _, std::convert::Infallible>(rows, limit, key, |r| Ok(view(r)));
    page
}

/// `page` with a view that can fail (a row holding a value no variant names).
pub fn try_page<R, T, E>(
    mut rows: Vec<R>,
    limit: i64,
    key: impl Fn(&R) -> String,
    view: impl FnMut(R) -> Result<T, E>,
) -> Result<Page<T>, E> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more { rows.last().map(key) } else { None };
    Ok(Page {
        items: rows.into_iter().map(view).collect::<Result<_, E>>()?,
        next_cursor,
    })
}

/// Cursor of an id-ordered list.
pub fn id_key(id: i64) -> String {
    encode_cursor('i', &id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_foreign_ones() {
        let c = encode_cursor('i', "42");
        assert_eq!(decode_id_cursor(Some(&c)).unwrap(), Some(42));
        assert!(decode_cursor(Some(&c), 'q').is_err());
        assert!(decode_id_cursor(Some("!!")).is_err());
        assert!(limit(Some(0)).is_err() && limit(Some(201)).is_err());
        assert_eq!(limit(None).unwrap(), 50);
    }
}
