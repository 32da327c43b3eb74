//! `GET /api/v1/epcis/events`: accepted scans and bill completions as a GS1 EPCIS
//! 2.0 query document, filtered with the EPCIS query language's parameters and
//! paged by `perPage` / `nextPageToken` in record-time order. The mapping of one
//! fact to one event is `tracetrack_domain::epcis`; the rows are
//! `tracetrack_db::epcis`.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use tracetrack_api_types::{FieldError, Problem};
use tracetrack_db::epcis::{self, FactFilter};
use tracetrack_domain::epcis::{event, query_document};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::params::{time_range, timestamp};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use query::{bag_param, per_page, position, shapes, shown_from, source, token};

mod query;

/// The media type of EPCIS 2.0 JSON-LD documents.
const LD_JSON: &str = "application/ld+json";

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_epcis_events);
}

/// The EPCIS query parameters TraceTrack answers; any other is `422`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EpcisQuery {
    /// Events that happened at or after this instant (RFC 3339): the time the
    /// scanning device reported, else the record time.
    #[serde(rename = "GE_eventTime")]
    #[param(format = DateTime)]
    ge_event_time: Option<String>,
    /// Events that happened before this instant (RFC 3339).
    #[serde(rename = "LT_eventTime")]
    #[param(format = DateTime)]
    lt_event_time: Option<String>,
    /// Events recorded at or after this instant (RFC 3339); an event's own
    /// `recordTime` includes it. To poll for what is new, see below.
    #[serde(rename = "GE_recordTime")]
    #[param(format = DateTime)]
    ge_record_time: Option<String>,
    /// Only this business step: `commissioning`, `packing`, `unpacking` or `shipping`,
    /// bare or as its CBV URI (`https://ref.gs1.org/cbv/BizStep-packing`).
    #[serde(rename = "EQ_bizStep")]
    eq_biz_step: Option<String>,
    /// Only aggregation events of this parent: its URI (`<id base>/bag/<id>`) or its
    /// bare id. Exact, no patterns; the URI of a base other than this server's
    /// matches nothing.
    #[serde(rename = "MATCH_parentID")]
    match_parent_id: Option<String>,
    /// Only events naming this bag anywhere (`epcList`, `parentID`, `childEPCs`): its
    /// URI or its bare id, as for `MATCH_parentID`.
    #[serde(rename = "MATCH_anyEPC")]
    match_any_epc: Option<String>,
    /// Only events of this type.
    #[serde(rename = "eventType")]
    #[param(pattern = "^(ObjectEvent|AggregationEvent|TransactionEvent)$")]
    event_type: Option<String>,
    /// Events per page: 1–1000, default 100.
    #[serde(rename = "perPage")]
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    per_page: Option<String>,
    /// The token of the `Link: <…>; rel="next"` header of the previous page.
    #[serde(rename = "nextPageToken")]
    next_page_token: Option<String>,
}

/// TraceTrack's facts as GS1 EPCIS 2.0 events, in an `EPCISQueryDocument`
/// (`application/ld+json`, valid against GS1's EPCIS 2.0 JSON schema), oldest
/// record time first.
///
/// - A parent created: `ObjectEvent` `ADD`, `commissioning`, `active`.
/// - A child linked: `AggregationEvent` `ADD`, `packing`, `in_progress`; unlinked
///   or undone: `AggregationEvent` `DELETE`, `unpacking`.
/// - Sealed / unsealed: `ObjectEvent` `OBSERVE`, `container_closed` / `in_progress`.
/// - A parent put on / taken off a bill: `TransactionEvent` `ADD` / `DELETE` with a
///   `bol` transaction; a bill completed: `TransactionEvent` `OBSERVE`, `shipping`,
///   its parents as `epcList`.
///
/// Refused scans and scans that changed nothing are not events. Identifiers are URIs
/// under `EPCIS_ID_BASE` (unset: `https://<Host>/id`): `…/bag/<id>`, `…/bill/<number>`,
/// `…/station/<id>` (`readPoint`), `…/area/<code>` (`bizLocation`). `eventID` is the
/// CBV 2.0 event hash, the same in every export; `eventTimeZoneOffset` is
/// `REPORT_TIMEZONE`'s offset at the event's time. A dispatcher gets their area's
/// events and those of no area, and no bill completions.
///
/// Time filters compare the times as the events show them (whole milliseconds).
/// When there is more, `Link: <…>; rel="next"` gives the next page's URL: the same
/// filters with `nextPageToken`. Pages follow the record time; a scan whose
/// transaction commits late can carry a record time a moment before events already
/// read, so a client polling with `GE_recordTime` should start a few seconds before
/// the last `recordTime` it read and drop the `eventID`s it has (they never change).
#[utoipa::path(
    operation_id = "list_epcis_events",
    tag = "epcis",
    params(EpcisQuery),
    responses(
        (status = 200, description = "An EPCISQueryDocument (GS1 EPCIS 2.0)", content_type = "application/ld+json",
         body = Object, headers(
            ("Link" = String, description = "`<next page URL>; rel=\"next\"`, when there is more"),
            ("GS1-EPCIS-Version" = String, description = "2.0.0"),
            ("GS1-CBV-Version" = String, description = "2.0.0"),
        )),
        (status = 422, description = "validation_failed: a parameter this endpoint does not know, or a bad value", body = Problem),
    ),
    security(("bearer" = []))
)]
#[get("/events")]
async fn list_epcis_events(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    q: web::Query<EpcisQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let host = host(&req)?;
    let id_base = match &state.config.epcis_id_base {
        Some(base) => base.clone(),
        None => format!("https://{host}/id"),
    };
    let per_page = per_page(q.per_page.as_deref())?;
    let after = q.next_page_token.as_deref().map(position).transpose()?;
    let (happened_from, happened_before) = time_range(
        q.ge_event_time.as_deref(),
        q.lt_event_time.as_deref(),
        ("GE_eventTime", "LT_eventTime"),
    )?;
    let recorded_from = timestamp(q.ge_record_time.as_deref(), "GE_recordTime")?;
    let (scan_kinds, bill_completions) = shapes(q.event_type.as_deref(), q.eq_biz_step.as_deref())?;
    let parent = bag_param(q.match_parent_id.as_deref(), &id_base, "MATCH_parentID")?;
    let bag = bag_param(q.match_any_epc.as_deref(), &id_base, "MATCH_anyEPC")?;
    // A URI of another base names no bag of ours: nothing to read.
    let names_nothing = parent == Some(None) || bag == Some(None);
    let filter = FactFilter {
        recorded_from: recorded_from.map(shown_from),
        happened_from: happened_from.map(shown_from),
        happened_before: happened_before.map(shown_from),
        scan_kinds,
        bill_completions,
        parent: parent.flatten(),
        bag: bag.flatten(),
        visibility: user.visibility(),
        viewer: user.id,
    };
    let mut rows = if names_nothing {
        Vec::new()
    } else {
        state
            .db(move |c| Ok(epcis::facts(c, &filter, after.as_ref(), per_page + 1)?))
            .await?
    };
    let more = rows.len() as i64 > per_page;
    rows.truncate(per_page as usize);
    let tz = state.config.report_timezone;
    let events = rows
        .iter()
        .filter_map(|r| source(r, tz))
        .map(|s| event(&s, &id_base))
        .collect();
    let mut res = HttpResponse::Ok();
    res.content_type(LD_JSON)
        .insert_header(("GS1-EPCIS-Version", "2.0.0"))
        .insert_header(("GS1-CBV-Version", "2.0.0"));
    if let (true, Some(last)) = (more, rows.last()) {
        res.insert_header((header::LINK, next_link(&req, &token(&last.position()))));
    }
    Ok(res.json(query_document(events, Utc::now())))
}

/// The host the client asked for (request line authority, else `Host`), as it may
/// stand in a URI.
fn host(req: &HttpRequest) -> ApiResult<String> {
    let host = req
        .uri()
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| {
            let value = req.headers().get(header::HOST)?;
            value.to_str().ok().map(str::to_string)
        })
        .unwrap_or_default();
    let fits = |c: char| c.is_ascii_alphanumeric() || "-._~:[]".contains(c);
    if host.is_empty() || !host.chars().all(fits) {
        return Err(ApiError::validation(vec![FieldError {
            pointer: None,
            parameter: None,
            header: Some("Host".into()),
            detail: "The Host header must name this server (host[:port]).".into(),
            code: "invalid".into(),
        }]));
    }
    Ok(host)
}

/// `<this path with the same filters and nextPageToken>; rel="next"`: a reference
/// relative to the request (RFC 8288), so no forwarded scheme or host is trusted.
fn next_link(req: &HttpRequest, token: &str) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        if k != "nextPageToken" {
            query.append_pair(&k, &v);
        }
    }
    query.append_pair("nextPageToken", token);
    format!("<{}?{}>; rel=\"next\"", req.path(), query.finish())
}
