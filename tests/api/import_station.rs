//! A bags file and the same rows scanned one by one at a station leave the same
//! database: bags, links, counters, events and the problem of each refused row.
//! (The file is planned and written set-wise; the station runs each row's rules in
//! its own transaction. Any rule the bulk path gets wrong shows up as a difference.)

use std::fmt::Write;

use tracetrack_api_types::ErrorCode;
use tracetrack_test_utils::{spawn_app, TestApp};

use crate::concurrency::assert_counters_match_rows;
use crate::imports::{import, row_errors};

/// A row of the file: a parent scan or a child into a parent.
enum Row {
    Parent(String),
    Child { parent: String, child: String },
}

/// A small deterministic generator (so a failure can be replayed).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

/// `n` rows mixing both parent formats, new and repeated children, full parents,
/// children of unknown parents, ids in the wrong role and malformed ids.
fn rows(n: usize) -> Vec<Row> {
    let mut rng = Lcg(42);
    let mut parents: Vec<String> = Vec::new();
    let mut children: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let pick = rng.below(100);
        let known_parent = |rng: &mut Lcg, parents: &Vec<String>| parents[rng.below(parents.len())].clone();
        let row = match pick {
            _ if parents.is_empty() || pick < 8 => {
                let p = match rng.below(2) {
                    0 => format!("SB{:05}", 90000 + parents.len()),
                    _ => format!("M444-{:05}", 90000 + parents.len()),
                };
                parents.push(p.clone());
                Row::Parent(p)
            }
            8..=10 => Row::Parent(known_parent(&mut rng, &parents)),
            11..=13 => Row::Child {
                parent: known_parent(&mut rng, &parents),
                child: children
                    .get(rng.below(children.len().max(1)))
                    .cloned()
                    .unwrap_or("MX1".into()),
            },
            14 => Row::Child {
                parent: format!("SB{:05}", 99000 + rng.below(50)),
                child: format!("MX{:06}", 900000 + rng.below(1000)),
            },
            15 => Row::Child {
                parent: known_parent(&mut rng, &parents),
                child: known_parent(&mut rng, &parents),
            },
            16 => Row::Child {
                parent: known_parent(&mut rng, &parents),
                child: "!!".into(),
            },
            17 => Row::Parent(format!("MX{:06}", rng.below(1000))),
            18 => {
                let p = known_parent(&mut rng, &parents);
                Row::Child {
                    parent: p.clone(),
                    child: p,
                }
            }
            _ => {
                let c = format!("MX{:06}", children.len());
                children.push(c.clone());
                // Most children go into the newest parents, so parents fill up.
                let from = parents.len().saturating_sub(4);
                Row::Child {
                    parent: parents[from + rng.below(parents.len() - from)].clone(),
                    child: c,
                }
            }
        };
        out.push(row);
    }
    out
}

fn csv(rows: &[Row]) -> String {
    let mut text = String::from("qr_id,role,parent_qr_id\n");
    for row in rows {
        let _ = match row {
            Row::Parent(p) => writeln!(text, "{p},parent,"),
            Row::Child { parent, child } => writeln!(text, "{child},child,{parent}"),
        };
    }
    text
}

/// The database as the floor sees it, ids and times left out.
fn snapshot(app: &TestApp) -> [String; 3] {
    [
        app.text(
            "SELECT string_agg(concat_ws('|', qr_id, role, format_code, status, child_count, capacity, \
             child_weight_g, dispatch_area, deleted_at IS NULL), E'\\n' ORDER BY qr_id) AS t FROM bag",
        ),
        app.text(
            "SELECT string_agg(c.qr_id || '>' || p.qr_id, E'\\n' ORDER BY c.qr_id) AS t FROM bag_link l \
             JOIN bag c ON c.id = l.child_id JOIN bag p ON p.id = l.parent_id",
        ),
        app.text(
            "SELECT string_agg(concat_ws('|', kind, qr_id, parent_qr_id, outcome, dispatch_area), E'\\n' \
             ORDER BY id) AS t FROM scan_event WHERE NOT refused",
        ),
    ]
}

#[actix_web::test]
async fn a_bags_file_leaves_the_database_a_station_would() {
    let rows = rows(1000);
    let (file, station) = (spawn_app().await, spawn_app().await);

    let admin = file.admin_token().await;
    let done = import(
        &file,
        &admin,
        "floor.csv",
        csv(&rows).into_bytes(),
        &[("mode", "best_effort")],
    )
    .await;
    assert_eq!(done["status"], "succeeded", "{done:?}");
    let file_errors = row_errors(&done);

    let worker = station.admin_token_unlimited().await;
    let mut station_errors = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let reply = match row {
            Row::Parent(p) => station.scan_parent(&worker, p).await,
            Row::Child { parent, child } => station.scan_child(&worker, parent, child).await,
        };
        assert!(!reply.status.is_server_error(), "row {}: {:?}", i + 2, reply.body);
        if reply.status.is_client_error() {
            station_errors.push((i as i64 + 2, reply.code()));
        }
    }

    assert_eq!(file_errors, station_errors, "the same rows fail with the same problems");
    let kinds: std::collections::HashSet<ErrorCode> = station_errors.iter().map(|e| e.1).collect();
    for code in [
        ErrorCode::ParentFull,
        ErrorCode::LinkedElsewhere,
        ErrorCode::BagNotFound,
        ErrorCode::WrongRole,
        ErrorCode::InvalidQrId,
    ] {
        assert!(kinds.contains(&code), "the file never exercises {code:?}: {kinds:?}");
    }
    assert_eq!(
        done["applied_rows"].as_i64(),
        Some((rows.len() - station_errors.len()) as i64)
    );
    let [bags, links, events] = snapshot(&file);
    let [s_bags, s_links, s_events] = snapshot(&station);
    assert_eq!(bags, s_bags, "bags differ");
    assert_eq!(links, s_links, "links differ");
    assert_eq!(events, s_events, "events differ");
    assert!(bags.contains("|filled|"), "some parent fills up");
    assert_counters_match_rows(&file, &admin).await;
    assert_counters_match_rows(&station, &worker).await;
}
