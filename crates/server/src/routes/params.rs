//! Query parameter parsing shared by list endpoints.

use chrono::{DateTime, Utc};

use tracetrack_api_types::TextEnum;

use crate::error::{ApiError, ApiResult};

/// Parses an RFC 3339 timestamp parameter.
pub fn timestamp(value: Option<&str>, name: &str) -> ApiResult<Option<DateTime<Utc>>> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| ApiError::invalid_param(name, format!("{name} must be an RFC 3339 timestamp.")))
        })
        .transpose()
}

/// An optional time range: (from, to).
pub type TimeRange = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// Parses a `from`/`to` pair; `from` after `to` is a problem.
pub fn time_range(from: Option<&str>, to: Option<&str>, names: (&str, &str)) -> ApiResult<TimeRange> {
    let from = timestamp(from, names.0)?;
    let to = timestamp(to, names.1)?;
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(ApiError::invalid_param(
                names.0,
                format!("{} must not be after {}.", names.0, names.1),
            ));
        }
    }
    Ok((from, to))
}

/// Parses an optional enum parameter (`status`, `role`, `kind`); blank means absent.
pub fn choice<T: TextEnum>(value: Option<&str>, name: &str) -> ApiResult<Option<T>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    T::parse(v)
        .map(Some)
        .ok_or_else(|| ApiError::invalid_param(name, format!("{name} must be one of: {}.", T::names())))
}
