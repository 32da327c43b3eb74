//! `GET /api/v1/epcis/events`: a scripted floor session through the real API comes
//! out as the expected EPCIS 2.0 events, valid against GS1's JSON schema, with
//! stable ids, paging, filters, visibility and the `events:read` scope.

use std::collections::HashSet;
use std::process::Command;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::{spawn_app_with, Reply, TestApp};

const BASE: &str = "https://tt.example/id";
const EXPORT: &str = "/api/v1/epcis/events";

fn bag(id: &str) -> String {
    format!("{BASE}/bag/{id}")
}

/// A server with a fixed id base and a time zone with summer time.
async fn epcis_app() -> TestApp {
    spawn_app_with(|c| {
        c.epcis_id_base = Some(format!("{BASE}/"));
        c.report_timezone = "America/New_York".parse().unwrap();
    })
    .await
}

/// Tokens of the floor session's people.
struct Floor {
    admin: String,
    /// The akola dispatcher who scanned everything.
    dispatcher: String,
}

/// A dispatcher in akola fills, unlinks, undoes, seals and unseals; the admin bills
/// two parents and completes the bill. Scans that change nothing or are refused are
/// among them and must not become events.
async fn floor_session(app: &TestApp) -> Floor {
    let admin = app.admin_token().await;
    let (_, d) = app.user(&admin, "epcis-disp", "dispatcher", Some("akola")).await;
    let first = json!({"qr_id": "SB00001"});
    let station = [("X-Station-Id", "dock-1")];
    let r = app
        .send(Method::POST, "/api/v1/scans/parent", Some(&d), Some(first), &station)
        .await;
    ok_status(&r, StatusCode::CREATED);
    let (child, seal) = ("scans/child", json!({"reason": "short load"}));
    let scans = [
        (child, json!({"parent_qr_id": "SB00001", "qr_id": "C00001"}), 201),
        (
            child,
            json!({"parent_qr_id": "SB00001", "qr_id": "C00002", "occurred_at": "2001-01-15T12:00:00Z"}),
            201,
        ),
        (child, json!({"parent_qr_id": "SB00001", "qr_id": "C00002"}), 200), // already linked
        ("scans/parent", json!({"qr_id": "SB00001"}), 200),                  // existing
        ("scans/unlink", json!({"qr_id": "C00001"}), 200),
        (child, json!({"parent_qr_id": "SB00001", "qr_id": "C00003"}), 201),
        ("scans/undo", json!({}), 200),
        (child, json!({"parent_qr_id": "SB09999", "qr_id": "C00009"}), 404), // refused
        ("bags/SB00001/seal", seal.clone(), 200),
        ("bags/SB00001/seal", seal.clone(), 200), // unchanged
        ("bags/SB00001/unseal", json!({}), 200),
        ("bags/SB00001/seal", seal, 200),
        (
            "scans/parent",
            json!({"qr_id": "SB00002", "occurred_at": "2001-07-01T12:00:00Z"}),
            201,
        ),
    ];
    for (path, body, status) in scans {
        let r = app.post(&format!("/api/v1/{path}"), &d, body.clone()).await;
        assert_eq!(r.status.as_u16(), status, "{path} {body}: {}", r.body);
    }
    let bill = app
        .post("/api/v1/bills", &admin, json!({"bill_number": "B-17", "capacity": 2}))
        .await;
    ok_status(&bill, StatusCode::CREATED);
    let parents = format!("/api/v1/bills/{}/parents", bill.body["id"]);
    let add = |qr: &str| (Method::POST, parents.clone(), Some(json!({"qr_id": qr})));
    for (method, path, body) in [
        add("SB00001"),
        add("SB00002"),
        (Method::DELETE, format!("{parents}/SB00002"), None),
        add("SB00002"),
        (Method::POST, parents.replace("/parents", "/complete"), None),
    ] {
        let r = app.call(method, &path, Some(&admin), body).await;
        assert!(r.status.is_success(), "{path}: {} {}", r.status, r.body);
    }
    Floor { admin, dispatcher: d }
}

fn ok_status(r: &Reply, status: StatusCode) {
    assert_eq!(r.status, status, "{}", r.body);
}

/// The events of the session, in record order: type, action, bizStep, disposition,
/// then parentID, childEPCs, epcList and business transactions (`~` is the id base).
const EXPECTED: [&str; 15] = [
    "ObjectEvent ADD commissioning active | - | - | ~/bag/SB00001 | -",
    "AggregationEvent ADD packing in_progress | ~/bag/SB00001 | ~/bag/C00001 | - | -",
    "AggregationEvent ADD packing in_progress | ~/bag/SB00001 | ~/bag/C00002 | - | -",
    "AggregationEvent DELETE unpacking - | ~/bag/SB00001 | ~/bag/C00001 | - | -",
    "AggregationEvent ADD packing in_progress | ~/bag/SB00001 | ~/bag/C00003 | - | -",
    "AggregationEvent DELETE unpacking - | ~/bag/SB00001 | ~/bag/C00003 | - | -",
    "ObjectEvent OBSERVE - container_closed | - | - | ~/bag/SB00001 | -",
    "ObjectEvent OBSERVE - in_progress | - | - | ~/bag/SB00001 | -",
    "ObjectEvent OBSERVE - container_closed | - | - | ~/bag/SB00001 | -",
    "ObjectEvent ADD commissioning active | - | - | ~/bag/SB00002 | -",
    "TransactionEvent ADD - - | - | - | ~/bag/SB00001 | bol ~/bill/B-17",
    "TransactionEvent ADD - - | - | - | ~/bag/SB00002 | bol ~/bill/B-17",
    "TransactionEvent DELETE - - | - | - | ~/bag/SB00002 | bol ~/bill/B-17",
    "TransactionEvent ADD - - | - | - | ~/bag/SB00002 | bol ~/bill/B-17",
    "TransactionEvent OBSERVE shipping - | - | - | ~/bag/SB00001,~/bag/SB00002 | bol ~/bill/B-17",
];

/// One line per event, in the form of [`EXPECTED`].
fn summary(e: &Value) -> String {
    let s = |k: &str| e[k].as_str().unwrap_or("-").to_string();
    let list = |k: &str| match e[k].as_array() {
        Some(a) => a.iter().map(|v| v.as_str().unwrap()).collect::<Vec<_>>().join(","),
        None => "-".into(),
    };
    let txs = match e["bizTransactionList"].as_array() {
        Some(a) => a
            .iter()
            .map(|t| {
                format!(
                    "{} {}",
                    t["type"].as_str().unwrap(),
                    t["bizTransaction"].as_str().unwrap()
                )
            })
            .collect::<Vec<_>>()
            .join(","),
        None => "-".into(),
    };
    let line = format!(
        "{} {} {} {} | {} | {} | {} | {txs}",
        s("type"),
        s("action"),
        s("bizStep"),
        s("disposition"),
        s("parentID"),
        list("childEPCs"),
        list("epcList"),
    );
    line.replace(BASE, "~")
}

/// GETs the export; panics unless it answers 200.
async fn export(app: &TestApp, token: &str, query: &str) -> Reply {
    let r = app.get(&format!("{EXPORT}?{query}"), token).await;
    ok_status(&r, StatusCode::OK);
    r
}

fn events(doc: &Value) -> &Vec<Value> {
    doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        .as_array()
        .expect("an eventList")
}

fn ids(doc: &Value) -> Vec<String> {
    events(doc)
        .iter()
        .map(|e| e["eventID"].as_str().unwrap().to_string())
        .collect()
}

/// Runs GS1's schema over `doc` with check-jsonschema; true when it validates.
fn schema_accepts(doc: &Value, name: &str) -> bool {
    let tool = format!(
        "{}/.cache/tracetrack/st-venv/bin/check-jsonschema",
        std::env::var("HOME").unwrap()
    );
    assert!(
        std::path::Path::new(&tool).exists(),
        "{tool} is missing: run scripts/ensure-tools.sh (it installs check-jsonschema with rfc3986-validator)"
    );
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/epcis/EPCIS-JSON-Schema.json");
    let file = std::env::temp_dir().join(format!("tracetrack-epcis-{}-{name}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    let out = Command::new(&tool)
        .args(["--schemafile", schema])
        .arg(&file)
        .output()
        .expect("run check-jsonschema");
    let _ = std::fs::remove_file(&file);
    let ok = out.status.success();
    if !ok {
        eprintln!("{name}: {}", String::from_utf8_lossy(&out.stdout));
    }
    ok
}

#[actix_web::test]
async fn a_floor_session_exports_as_valid_stable_epcis_events() {
    let app = epcis_app().await;
    let floor = floor_session(&app).await;
    let r = export(&app, &floor.admin, "").await;
    let content_type = r.header("content-type").unwrap_or_default();
    assert!(content_type.starts_with("application/ld+json"), "{content_type}");
    assert_eq!(r.header("GS1-EPCIS-Version"), Some("2.0.0"));
    assert!(r.header("link").is_none(), "one page holds it all");
    let doc = &r.body;
    assert_eq!(doc["type"], "EPCISQueryDocument");
    assert_eq!(doc["epcisBody"]["queryResults"]["queryName"], "SimpleEventQuery");
    let lines: Vec<String> = events(doc).iter().map(summary).collect();
    assert_eq!(lines, EXPECTED);

    // Where and when: the station and area, the device's time with the zone's offset then.
    let list = events(doc);
    assert_eq!(list[0]["epcList"], json!([bag("SB00001")]));
    assert_eq!(list[0]["readPoint"]["id"], format!("{BASE}/station/dock-1"));
    assert_eq!(list[0]["bizLocation"]["id"], format!("{BASE}/area/akola"));
    assert_eq!(list[1]["readPoint"], Value::Null);
    assert_eq!(list[10]["bizLocation"]["id"], format!("{BASE}/area/akola"));
    assert!(list[14].get("readPoint").is_none() && list[14].get("bizLocation").is_none());
    assert_eq!(list[2]["eventTime"], "2001-01-15T12:00:00.000Z");
    assert_eq!(list[2]["eventTimeZoneOffset"], "-05:00");
    assert_eq!(list[9]["eventTime"], "2001-07-01T12:00:00.000Z");
    assert_eq!(list[9]["eventTimeZoneOffset"], "-04:00");
    assert!(list[9]["recordTime"].as_str().unwrap() > list[8]["recordTime"].as_str().unwrap());

    // Ids: unique, and the same in a second export.
    let first = ids(doc);
    assert_eq!(first.iter().collect::<HashSet<_>>().len(), first.len());
    assert!(first
        .iter()
        .all(|id| id.starts_with("ni:///sha-256;") && id.ends_with("?ver=CBV2.0")));
    assert_eq!(ids(&export(&app, &floor.admin, "").await.body), first);

    // GS1's schema accepts the document, and the check is real: a misspelt business
    // step (no longer a CBV word, and not a URI) and a missing `action` are refused.
    assert!(schema_accepts(doc, "export"), "the export fails GS1's schema");
    let mut misspelt = doc.clone();
    misspelt["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]["bizStep"] = json!("comissioning");
    assert!(
        !schema_accepts(&misspelt, "misspelt"),
        "the schema check accepts anything"
    );
    let mut no_action = doc.clone();
    no_action["epcisBody"]["queryResults"]["resultsBody"]["eventList"][1]
        .as_object_mut()
        .unwrap()
        .remove("action");
    assert!(
        !schema_accepts(&no_action, "no-action"),
        "the schema check misses a required field"
    );

    // Visibility: the akola dispatcher sees every scan but not the bill completion;
    // a dispatcher of another area sees none of akola's events.
    let own = export(&app, &floor.dispatcher, "").await.body;
    assert_eq!(ids(&own), first[..14]);
    let indore = Some("indore");
    let (_, elsewhere) = app.user(&floor.admin, "epcis-indore", "dispatcher", indore).await;
    assert!(events(&export(&app, &elsewhere, "").await.body).is_empty());
    let (_, biller) = app.user(&floor.admin, "epcis-biller", "biller", None).await;
    assert_eq!(ids(&export(&app, &biller, "").await.body), first);
}

/// Walks the `Link` headers from `query`; returns the ids and each page's Link.
async fn walk(app: &TestApp, token: &str, query: &str) -> (Vec<String>, Vec<String>) {
    let (mut seen, mut links) = (Vec::new(), Vec::new());
    let mut path = format!("{EXPORT}?{query}");
    loop {
        let r = app.get(&path, token).await;
        ok_status(&r, StatusCode::OK);
        let page = ids(&r.body);
        let Some(link) = r.header("link").map(String::from) else {
            seen.extend(page);
            return (seen, links);
        };
        assert_eq!(page.len(), 2, "a page before the last one is full");
        seen.extend(page);
        let url = link
            .strip_prefix('<')
            .and_then(|l| l.strip_suffix(">; rel=\"next\""))
            .unwrap_or_else(|| panic!("Link {link}"));
        assert!(
            url.starts_with("/api/v1/epcis/events?"),
            "a reference relative to this server: {url}"
        );
        path = url.to_string();
        links.push(link);
        assert!(links.len() < 20, "the pages do not end");
    }
}

#[actix_web::test]
async fn pages_walk_every_event_once_and_filters_narrow_the_export() {
    let app = epcis_app().await;
    let floor = floor_session(&app).await;
    let t = &floor.admin;
    let all = export(&app, t, "").await.body;
    let every = ids(&all);

    // Paging: 2 per page, the filters carried by every Link.
    let (seen, links) = walk(&app, t, "perPage=2&GE_recordTime=2000-01-01T00:00:00Z").await;
    assert_eq!(seen, every);
    assert_eq!(links.len(), 7);
    for link in &links {
        assert!(
            link.contains("GE_recordTime=2000-01-01T00%3A00%3A00Z") && link.contains("perPage=2"),
            "{link}"
        );
    }
    let (seen, links) = walk(&app, t, "eventType=AggregationEvent&perPage=2").await;
    assert_eq!(seen, every[1..6]);
    assert!(links.iter().all(|l| l.contains("eventType=AggregationEvent")));

    // Each filter narrows to the events it names (indexes into EXPECTED).
    let uri = |u: &str| u.replace(':', "%3A").replace('/', "%2F");
    let unpacking = format!("EQ_bizStep={}", uri("https://ref.gs1.org/cbv/BizStep-unpacking"));
    let child_uri = format!("MATCH_anyEPC={}", uri(&bag("C00001")));
    let foreign = format!("MATCH_parentID={}", uri("https://other.example/id/bag/SB00001"));
    let cases: [(&str, &[usize]); 16] = [
        ("eventType=ObjectEvent", &[0, 6, 7, 8, 9]),
        ("eventType=TransactionEvent", &[10, 11, 12, 13, 14]),
        ("EQ_bizStep=packing", &[1, 2, 4]),
        (&unpacking, &[3, 5]),
        ("EQ_bizStep=shipping", &[14]),
        ("EQ_bizStep=commissioning&eventType=ObjectEvent", &[0, 9]),
        ("MATCH_anyEPC=SB00002", &[9, 11, 12, 13, 14]),
        ("MATCH_anyEPC=c00003", &[4, 5]),
        (&child_uri, &[1, 3]),
        ("MATCH_anyEPC=SB00001&eventType=TransactionEvent", &[10, 14]),
        ("MATCH_parentID=SB00001", &[1, 2, 3, 4, 5]),
        ("MATCH_parentID=SB00002", &[]),
        (&foreign, &[]),
        ("LT_eventTime=2002-01-01T00:00:00Z", &[2, 9]),
        (
            "GE_eventTime=2001-03-01T00:00:00Z&LT_eventTime=2002-01-01T00:00:00Z",
            &[9],
        ),
        ("eventType=AggregationEvent&EQ_bizStep=shipping", &[]),
    ];
    for (q, want) in cases {
        let got: Vec<String> = events(&export(&app, t, q).await.body).iter().map(summary).collect();
        assert_eq!(got, want.iter().map(|&i| EXPECTED[i]).collect::<Vec<_>>(), "{q}");
    }
    // GE_recordTime with an event's recordTime, as shown, starts at that event.
    let tenth = events(&all)[9]["recordTime"].as_str().unwrap().to_string();
    let from = format!("GE_recordTime={}", tenth.replace(':', "%3A"));
    let body = export(&app, t, &from).await.body;
    assert_eq!(ids(&body), every[9..]);

    // Bad values and unknown parameters are 422 validation_failed.
    for q in [
        "perPage=0",
        "perPage=1001",
        "perPage=ten",
        "eventType=objectevent",
        "EQ_bizStep=receiving",
        "GE_recordTime=yesterday",
        "GE_eventTime=2002-01-01T00:00:00Z&LT_eventTime=2001-01-01T00:00:00Z",
        "nextPageToken=not-a-token",
        "MATCH_anyEPC=https%3A%2F%2Ftt.example%2Fid%2Fbag%2F%25zz",
        "EQ_bizLocation=akola",
    ] {
        let r = app.get(&format!("{EXPORT}?{q}"), t).await;
        assert_eq!(
            (r.status, r.problem()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(ErrorCode::ValidationFailed)),
            "{q}: {}",
            r.body
        );
    }
}

#[actix_web::test]
async fn api_keys_need_events_read_and_keep_to_their_area() {
    let app = epcis_app().await;
    let admin = app.admin_token().await;
    let (_, d) = app.user(&admin, "epcis-key-disp", "dispatcher", Some("akola")).await;
    ok_status(&app.scan_parent(&d, "SB00007").await, StatusCode::CREATED);
    let (_, _, reader) = app
        .service_key(&admin, "epcis-reader", "biller", None, &["events:read"])
        .await;
    let r = export(&app, &reader, "").await;
    assert_eq!(
        events(&r.body).iter().map(summary).collect::<Vec<_>>(),
        ["ObjectEvent ADD commissioning active | - | - | ~/bag/SB00007 | -"]
    );
    let (_, _, narrow) = app
        .service_key(&admin, "epcis-narrow", "biller", None, &["bags:read"])
        .await;
    let r = app.get(EXPORT, &narrow).await;
    assert_eq!(
        (r.status, r.problem()),
        (StatusCode::FORBIDDEN, Some(ErrorCode::InsufficientScope))
    );
    let (_, _, elsewhere) = app
        .service_key(&admin, "epcis-indore", "dispatcher", Some("indore"), &["events:read"])
        .await;
    assert!(events(&export(&app, &elsewhere, "").await.body).is_empty());
}
