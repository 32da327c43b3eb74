//! Bags files applied set-wise (docs/domain.md §9). Each chunk of rows is read into
//! operations, planned in memory against the stored state of every bag it names
//! (one read per table, the parents locked), and written with `COPY` and a few
//! statements in one short transaction. `all_or_nothing` plans the whole file in
//! one transaction and writes nothing when any row fails; `best_effort` commits
//! every [`CHUNK`] rows. A write that finds the database changed since the plan (a
//! station linked a child or created a bag meanwhile) rolls the chunk back and plans
//! it again.

use std::collections::{HashMap, HashSet};

use tracetrack_api_types::{BagRole, ErrorCode, EventOutcome, ParentStatus};
use tracetrack_db::bulk::{self, BagCopy};
use tracetrack_db::diesel::result::{DatabaseErrorKind, Error as DbError};
use tracetrack_db::diesel::{Connection, PgConnection};
use tracetrack_db::imports::Progress;
use tracetrack_db::models::NewScanEvent;
use tracetrack_db::stats;
use tracetrack_domain::FormatSet;

use super::file::Layout;
use super::plan::{Known, Op, Plan};
use super::{Job, RowError, Stop};
use crate::error::{ApiError, ApiResult};
use crate::services::scan::normalize;

/// Rows per transaction in `best_effort` (and rows read at a time).
pub const CHUNK: usize = 20_000;

/// Plans of a chunk made again after the database changed under them, at most.
const ATTEMPTS: usize = 3;

/// Reads one row of a bags file: `None` for a blank row.
fn op(formats: &FormatSet, qr: &str, role: &str, parent: &str) -> ApiResult<Option<Op>> {
    if qr.is_empty() && role.is_empty() && parent.is_empty() {
        return Ok(None);
    }
    let invalid = |detail: &str| ApiError::unprocessable(ErrorCode::InvalidRow, detail);
    Ok(Some(match BagRole::parse(&role.trim().to_ascii_lowercase()) {
        Some(BagRole::Parent) if !parent.is_empty() => return Err(invalid("A parent bag has no parent_qr_id.")),
        Some(BagRole::Parent) => Op::Parent(normalize(qr, formats)?),
        Some(BagRole::Child) if parent.is_empty() => Op::Loose(normalize(qr, formats)?),
        Some(BagRole::Child) => {
            let parent = normalize(parent, formats)?;
            Op::Link {
                parent,
                child: normalize(qr, formats)?,
            }
        }
        None => return Err(invalid("role must be parent or child.")),
    }))
}

/// The operations of `rows` (the first being index `start` of the file) and the
/// rows that could not be read.
fn ops(formats: &FormatSet, layout: &Layout, start: usize, rows: &[Vec<String>]) -> (Vec<(i32, Op)>, Vec<RowError>) {
    let mut ops = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    for (i, cells) in rows.iter().enumerate() {
        let n = (start + i + 1) as i32;
        let cell = |k: usize| layout.cell(cells, k);
        match op(formats, cell(0), cell(1), cell(2)) {
            Ok(Some(op)) => ops.push((n, op)),
            Ok(None) => {}
            Err(e) => errors.push((n, e)),
        }
    }
    (ops, errors)
}

/// Why a chunk's transaction ended early.
enum Failure {
    /// The database changed since the plan: plan again.
    Changed,
    /// `all_or_nothing` and some row failed: nothing is written.
    RowsFailed(Box<Plan>),
    Fatal(ApiError),
}

impl From<DbError> for Failure {
    fn from(e: DbError) -> Failure {
        match e {
            DbError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Failure::Changed,
            // Another writer held what the chunk needs: plan again once it is done.
            DbError::DatabaseError(_, ref info)
                if info.message().contains("deadlock") || info.message().contains("lock timeout") =>
            {
                Failure::Changed
            }
            other => Failure::Fatal(other.into()),
        }
    }
}

/// Applies a bags job: every row, in chunks, reporting progress after each.
pub(super) fn run(
    work: &mut PgConnection,
    job: &Job,
    formats: &FormatSet,
    p: &mut Progress,
    report: &mut dyn FnMut(Progress, &mut Vec<RowError>) -> ApiResult<()>,
) -> Result<(), Stop> {
    if job.all_or_nothing {
        // Every row is read into operations first (far smaller than the rows as
        // text), then planned and written at once.
        let (mut all, mut errors, mut rows) = (Vec::new(), Vec::new(), 0);
        for chunk in super::chunks(job, CHUNK) {
            let (start, chunk) = chunk?;
            let (ops, unread) = ops(formats, &job.layout, start, &chunk);
            all.extend(ops);
            errors.extend(unread);
            rows += chunk.len();
        }
        let done = apply_whole(work, job, formats, &all, !errors.is_empty());
        return finish_chunk(done, errors, rows, p, report);
    }
    for chunk in super::chunks(job, CHUNK) {
        let (start, chunk) = chunk?;
        let (ops, errors) = ops(formats, &job.layout, start, &chunk);
        let done = apply_split(work, job, formats, &ops);
        finish_chunk(done, errors, chunk.len(), p, report)?;
    }
    Ok(())
}

/// Counts and reports what a chunk of `rows` rows did.
fn finish_chunk(
    done: Result<Done, Failure>,
    mut errors: Vec<RowError>,
    rows: usize,
    p: &mut Progress,
    report: &mut dyn FnMut(Progress, &mut Vec<RowError>) -> ApiResult<()>,
) -> Result<(), Stop> {
    let mut failed = false;
    let (applied, row_errors) = match done {
        Ok(done) => done,
        Err(Failure::RowsFailed(plan)) => {
            failed = true;
            (0, plan.errors)
        }
        Err(Failure::Changed) => {
            return Err(Stop::Fatal(ApiError::unavailable(
                "The bags kept changing while the import ran; start it again.",
            )))
        }
        Err(Failure::Fatal(e)) => return Err(Stop::Fatal(e)),
    };
    errors.extend(row_errors);
    errors.sort_by_key(|(n, _)| *n);
    p.processed += rows as i32;
    p.applied += applied;
    p.errors += errors.len() as i32;
    report(*p, &mut errors)?;
    match failed {
        true => Err(Stop::RowsFailed),
        false => Ok(()),
    }
}

/// Rows applied and rows refused.
type Done = (i32, Vec<RowError>);

/// Plans and writes all of `ops` in one transaction, planning again (after a short
/// pause) when the database changed meanwhile.
fn apply_whole(
    work: &mut PgConnection,
    job: &Job,
    formats: &FormatSet,
    ops: &[(i32, Op)],
    unread: bool,
) -> Result<Done, Failure> {
    if job.all_or_nothing {
        // Validate first without locking anything: a file with a bad row fails
        // without making a station wait.
        let known = work.transaction(|c| stored(c, ops, false))?;
        let plan = Plan::make(formats, &job.user.visibility(), known, ops);
        if unread || !plan.errors.is_empty() {
            return Err(Failure::RowsFailed(Box::new(plan)));
        }
    }
    for attempt in 0..ATTEMPTS {
        match work.transaction(|c| plan_and_write(c, job, formats, ops, unread)) {
            Err(Failure::Changed) if attempt + 1 == ATTEMPTS => break,
            Err(Failure::Changed) => std::thread::sleep(std::time::Duration::from_millis(20 << attempt)),
            done => return done.map(|plan| (plan.applied, plan.errors)),
        }
    }
    Err(Failure::Changed)
}

/// `best_effort`: as [`apply_whole`], but a chunk the floor keeps changing is split
/// in two halves applied one after the other (in file order), down to single rows,
/// so a busy station narrows the window instead of failing the import.
fn apply_split(work: &mut PgConnection, job: &Job, formats: &FormatSet, ops: &[(i32, Op)]) -> Result<Done, Failure> {
    match work.transaction(|c| plan_and_write(c, job, formats, ops, false)) {
        Ok(plan) => Ok((plan.applied, plan.errors)),
        Err(Failure::Changed) if ops.len() > 1 => {
            tracing::info!(
                import = job.id,
                rows = ops.len(),
                "import: the floor changed bags of a chunk; applying it in halves"
            );
            let (head, tail) = ops.split_at(ops.len() / 2);
            let (a, mut errors) = apply_split(work, job, formats, head)?;
            let (b, more) = apply_split(work, job, formats, tail)?;
            errors.extend(more);
            Ok((a + b, errors))
        }
        Err(Failure::Changed) => apply_whole(work, job, formats, ops, false),
        Err(other) => Err(other),
    }
}

fn plan_and_write(
    c: &mut PgConnection,
    job: &Job,
    formats: &FormatSet,
    ops: &[(i32, Op)],
    unread: bool,
) -> Result<Plan, Failure> {
    let plan = Plan::make(formats, &job.user.visibility(), stored(c, ops, true)?, ops);
    if job.all_or_nothing && (unread || !plan.errors.is_empty()) {
        return Err(Failure::RowsFailed(Box::new(plan)));
    }
    write(c, job, &plan)?;
    Ok(plan)
}

/// Every bag the operations name, as stored, parents locked when `lock`.
fn stored(c: &mut PgConnection, ops: &[(i32, Op)], lock: bool) -> Result<HashMap<String, Known>, DbError> {
    let ids: HashSet<&str> = ops.iter().flat_map(|(_, op)| op.ids()).collect();
    let ids: Vec<String> = ids.into_iter().map(str::to_string).collect();
    let parents = bulk::parents(c, &ids, lock)?;
    let children = bulk::children(c, &ids)?;
    let child_ids: Vec<i64> = children.iter().map(|b| b.id).collect();
    let mut links: HashMap<i64, (String, Option<String>)> = bulk::parents_of(c, &child_ids)?
        .into_iter()
        .map(|(child, qr, area)| (child, (qr, area)))
        .collect();
    let parent_ids: Vec<i64> = parents.iter().map(|b| b.id).collect();
    let mut bills: HashMap<i64, String> = bulk::bills_of(c, &parent_ids)?.into_iter().collect();
    let mut known = HashMap::with_capacity(ids.len());
    for bag in parents.into_iter().chain(children) {
        let (link, bill) = (links.remove(&bag.id), bills.remove(&bag.id));
        known.insert(bag.qr_id.clone(), Known::stored(bag, link, bill));
    }
    Ok(known)
}

/// Writes a plan; `Changed` when a write finds fewer rows than the plan expects.
fn write(c: &mut PgConnection, job: &Job, plan: &Plan) -> Result<(), Failure> {
    let by = job.user.id;
    // Rows in id order: two imports writing the same new bags or links take them in
    // the same order, so one waits for the other instead of deadlocking.
    let mut order: Vec<&String> = plan.created.iter().collect();
    order.sort();
    let created = order
        .into_iter()
        .map(|qr| {
            let b = &plan.known[qr];
            BagCopy {
                qr_id: qr.clone(),
                role: b.role,
                format_code: b.format_code.clone(),
                status: b.status,
                child_count: b.child_count,
                capacity: b.capacity,
                child_weight_g: b.child_weight_g,
                dispatch_area: b.area.clone(),
                created_by: Some(by),
            }
        })
        .collect();
    bulk::copy_bags(c, created)?;
    let expect = |written: usize, planned: usize| match written == planned {
        true => Ok(()),
        false => Err(Failure::Changed),
    };
    let mut links = plan.links.clone();
    links.sort();
    expect(bulk::insert_links(c, &links, by)?, links.len())?;
    expect(bulk::mark_linked(c, &plan.relinked)?, plan.relinked.len())?;
    let counts: Vec<(&str, i32, ParentStatus)> = plan
        .refilled_parents()
        .into_iter()
        .map(|qr| {
            let b = &plan.known[qr];
            (qr, b.child_count, b.status.parent().unwrap_or(ParentStatus::Open))
        })
        .collect();
    expect(bulk::set_counts(c, &counts)?, counts.len())?;
    let station = format!("import-{}", job.id);
    let events = plan
        .events
        .iter()
        .map(|e| NewScanEvent {
            occurred_at: None,
            user_id: Some(by),
            station_id: Some(station.clone()),
            kind: e.kind,
            qr_id: Some(e.qr_id.clone()),
            parent_qr_id: e.parent_qr_id.clone(),
            bill_id: None,
            outcome: EventOutcome::from(e.outcome).to_string(),
            idempotency_key: None,
            dispatch_area: e.area.clone(),
            refused: false,
        })
        .collect();
    bulk::copy_events(c, events)?;
    stats::record(c, plan.delta)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracetrack_domain::FormatSpec;

    #[test]
    fn rows_are_read_into_operations_or_row_errors() {
        let formats = FormatSet::new(vec![FormatSpec {
            code: "CHILD".into(),
            role: BagRole::Child,
            pattern: r"^[A-Z0-9]{4,20}$".into(),
            capacity: None,
            child_weight_g: None,
        }]);
        let read = |q, r, p| op(&formats, q, r, p).map_err(|e| e.code);
        assert_eq!(read("", "", ""), Ok(None));
        assert_eq!(read(" sb00001 ", "Parent", ""), Ok(Some(Op::Parent("SB00001".into()))));
        assert_eq!(read("c1234", "child", ""), Ok(Some(Op::Loose("C1234".into()))));
        assert_eq!(
            read("c1234", "CHILD", "sb00001"),
            Ok(Some(Op::Link {
                parent: "SB00001".into(),
                child: "C1234".into()
            }))
        );
        assert_eq!(read("SB00001", "parent", "SB00002"), Err(ErrorCode::InvalidRow));
        assert_eq!(read("SB00001", "bag", ""), Err(ErrorCode::InvalidRow));
        assert_eq!(read("x", "parent", ""), Err(ErrorCode::InvalidQrId));
    }
}
