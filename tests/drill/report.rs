//! After the load: the database checks and the figures.

use super::*;

/// `(epoch ms, name)` lines of the markers file, in time order.
pub(crate) fn markers(path: &PathBuf) -> Vec<(u64, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out: Vec<(u64, String)> = text
        .lines()
        .filter_map(|l| {
            let (at, name) = l.trim().split_once(' ')?;
            Some((at.parse().ok()?, name.trim().to_string()))
        })
        .collect();
    out.sort();
    out
}

/// What the database says about the drill's scans.
#[derive(Debug, Default)]
pub(crate) struct DbFigures {
    pub(crate) acked: i64,
    pub(crate) lost: i64,
    pub(crate) doubled: i64,
    pub(crate) links_without_event: i64,
    pub(crate) events_without_link: i64,
    pub(crate) parents: i64,
    pub(crate) counters_bad: i64,
    pub(crate) links: i64,
    pub(crate) child_status_bad: i64,
}

pub(crate) const CHECKS: &str = r#"
WITH linked_events AS (
    SELECT qr_id, parent_qr_id, count(*) AS n
    FROM scan_event WHERE kind = 'child' AND outcome = 'linked'
    GROUP BY qr_id, parent_qr_id
), links AS (
    SELECT c.qr_id AS child, p.qr_id AS parent
    FROM bag_link l JOIN bag c ON c.id = l.child_id JOIN bag p ON p.id = l.parent_id
    WHERE c.deleted_at IS NULL AND p.deleted_at IS NULL
)
SELECT
    (SELECT count(*) FROM acked),
    (SELECT count(*) FROM acked a
       LEFT JOIN links k ON k.child = a.child AND k.parent = a.parent
       LEFT JOIN linked_events e ON e.qr_id = a.child AND e.parent_qr_id = a.parent
      WHERE k.child IS NULL OR e.qr_id IS NULL),
    (SELECT count(*) FROM (SELECT qr_id FROM scan_event WHERE kind = 'child' AND outcome = 'linked'
                           GROUP BY qr_id HAVING count(*) > 1) d),
    (SELECT count(*) FROM links k
      WHERE NOT EXISTS (SELECT 1 FROM linked_events e WHERE e.qr_id = k.child AND e.parent_qr_id = k.parent)),
    (SELECT count(*) FROM linked_events e
      WHERE NOT EXISTS (SELECT 1 FROM links k WHERE k.child = e.qr_id AND k.parent = e.parent_qr_id)),
    (SELECT count(*) FROM bag WHERE role = 'parent'),
    (SELECT count(*) FROM bag p WHERE p.role = 'parent'
        AND p.child_count <> (SELECT count(*) FROM bag_link l WHERE l.parent_id = p.id)),
    (SELECT count(*) FROM links),
    (SELECT count(*) FROM bag c WHERE c.role = 'child'
        AND (c.status = 'linked') <> EXISTS (SELECT 1 FROM bag_link l WHERE l.child_id = c.id));
"#;

/// Loads the acknowledged scans into a temporary table and runs [`CHECKS`] with psql.
pub(crate) fn check_database(url: &str, acked: &[(String, String)]) -> Result<DbFigures, String> {
    let mut script = String::from("CREATE TEMP TABLE acked (child TEXT COLLATE \"C\", parent TEXT COLLATE \"C\");\n");
    script.push_str("COPY acked FROM STDIN;\n");
    for (child, parent) in acked {
        script.push_str(&format!("{child}\t{parent}\n"));
    }
    script.push_str("\\.\n");
    // Fresh tables have no statistics yet; without them the plan takes seconds.
    script.push_str("SET jit = off;\nANALYZE acked, bag, bag_link, scan_event;\n");
    script.push_str(CHECKS);
    let mut psql = Command::new("psql")
        .args(["-X", "-q", "-A", "-t", "-F", " ", "-v", "ON_ERROR_STOP=1", "-d", url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    psql.stdin
        .take()
        .expect("psql stdin")
        .write_all(script.as_bytes())
        .map_err(|e| format!("writing to psql: {e}"))?;
    let out = psql.wait_with_output().map_err(|e| format!("psql: {e}"))?;
    if !out.status.success() {
        return Err(format!("psql failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let n: Vec<i64> = text
        .split_whitespace()
        .map(|w| w.parse().map_err(|_| format!("unexpected psql output {text:?}")))
        .collect::<Result<_, _>>()?;
    let [acked, lost, doubled, links_without_event, events_without_link, parents, counters_bad, links, child_status_bad] =
        n[..]
    else {
        return Err(format!("unexpected psql output {text:?}"));
    };
    Ok(DbFigures {
        acked,
        lost,
        doubled,
        links_without_event,
        events_without_link,
        parents,
        counters_bad,
        links,
        child_status_bad,
    })
}

/// Seconds from `from` to the first 2xx scan answer at or after it.
pub(crate) fn first_scan_2xx(seen: &[Seen], from: Option<u64>) -> Option<f64> {
    let from = from?;
    seen.iter()
        .filter(|s| s.scan && s.at_ms >= from && s.status.is_some_and(|c| (200..300).contains(&c)))
        .map(|s| s.at_ms)
        .min()
        .map(|at| (at - from) as f64 / 1000.0)
}

pub(crate) fn secs(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |s| format!("{s:.2}"))
}

/// `status=count …` of some answers (`net`: network error or timeout).
pub(crate) fn by_status<'a>(seen: impl Iterator<Item = &'a Seen>) -> String {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for s in seen {
        *counts
            .entry(s.status.map_or("net".into(), |c| c.to_string()))
            .or_default() += 1;
    }
    counts
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Answers per phase (a phase starts at each marker), for the log.
pub(crate) fn print_phases(what: &str, seen: &[Seen], marks: &[(u64, String)]) {
    let start = seen.iter().map(|s| s.at_ms).min().unwrap_or_default();
    let mut bounds: Vec<(u64, &str)> = vec![(start.min(marks.first().map_or(start, |m| m.0)), "load")];
    bounds.extend(marks.iter().map(|(at, name)| (*at, name.as_str())));
    for (i, (from, name)) in bounds.iter().enumerate() {
        let to = bounds.get(i + 1).map_or(u64::MAX, |b| b.0);
        let counts = by_status(seen.iter().filter(|s| s.at_ms >= *from && s.at_ms < to));
        if counts.is_empty() {
            continue;
        }
        let span = if to == u64::MAX {
            String::new()
        } else {
            format!(" {:.1} s", (to - from) as f64 / 1000.0)
        };
        println!("drill:   {what}after {name}{span}: {counts}");
    }
}
