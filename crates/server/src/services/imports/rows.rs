//! Applying the rows of bills files and batch sheets, each in its own savepoint.

use tracetrack_api_types::{BillStatus, ScanKind};
use tracetrack_db::diesel::{Connection, PgConnection};
use tracetrack_db::imports::Progress;
use tracetrack_db::models::{NewBill, NewScanEvent};
use tracetrack_domain::{Classification, FormatSet};

use super::file::{ImportKind, Layout};
use super::{RowError, Stop};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::input::clean_text;
use crate::services::bills::{add_parent, check_capacity};
use crate::services::logged::EventInfo;
use crate::services::scan::{normalize, scan_child, scan_parent, unknown_format};
use tracetrack_api_types::ErrorCode;

/// What a row did.
enum Done {
    /// A blank or decorative row.
    Skipped,
    /// Changed something, or found it already so.
    Applied,
    /// Kept for a later row (a batch sheet's child waits for its parent).
    Held,
}

/// Applies rows of one job, remembering a batch sheet's open batch between rows.
pub(super) struct Applier<'a> {
    job: i64,
    user: &'a CurrentUser,
    formats: &'a FormatSet,
    layout: &'a Layout,
    /// Children above the next parent row: (row, qr).
    children: Vec<(i32, String)>,
    /// Parents above the next bill row: (row, qr).
    parents: Vec<(i32, String)>,
}

impl<'a> Applier<'a> {
    pub(super) fn new(job: i64, user: &'a CurrentUser, formats: &'a FormatSet, layout: &'a Layout) -> Applier<'a> {
        Applier {
            job,
            user,
            formats,
            layout,
            children: Vec::new(),
            parents: Vec::new(),
        }
    }

    /// Applies `rows`, the first being index `start` of the file. A row's 4xx is
    /// its error; anything else stops the job.
    pub(super) fn chunk(
        &mut self,
        c: &mut PgConnection,
        start: usize,
        rows: &[Vec<String>],
        p: &mut Progress,
        errors: &mut Vec<RowError>,
    ) -> Result<(), Stop> {
        let layout = self.layout;
        for (i, cells) in rows.iter().enumerate() {
            let n = (start + i + 1) as i32;
            let cell = |k: usize| layout.cell(cells, k).to_string();
            let result = match layout.kind {
                // A bags file never comes here (`super::run_on` sends it to `bulk`).
                ImportKind::Bags => unreachable!("bags files are applied set-wise"),
                ImportKind::Bills => savepoint(c, |c| self.bill(c, &cell(0), &cell(1), &cell(2))),
                ImportKind::BatchSheet => self.sheet_row(c, n, &cell(0), &cell(1), p, errors),
            };
            p.processed += 1;
            match result {
                Ok(Done::Applied) => p.applied += 1,
                Ok(Done::Skipped | Done::Held) => {}
                Err(e) if e.status.is_client_error() => fail(p, errors, n, e),
                Err(e) => return Err(Stop::Fatal(e)),
            }
        }
        Ok(())
    }

    /// After the last row: children no parent row closed are errors.
    pub(super) fn finish(&mut self, p: &mut Progress, errors: &mut Vec<RowError>) {
        for (n, qr) in std::mem::take(&mut self.children) {
            let e = ApiError::unprocessable(
                ErrorCode::NoParent,
                format!("No parent row closes the batch {qr} is in."),
            );
            fail(p, errors, n, e);
        }
    }

    /// Records a scan event for a change the import made.
    fn event(&self, c: &mut PgConnection, kind: ScanKind, info: EventInfo) -> ApiResult<()> {
        tracetrack_db::scan_events::insert(
            c,
            &NewScanEvent {
                occurred_at: None,
                user_id: Some(self.user.id),
                station_id: Some(format!("import-{}", self.job)),
                kind,
                qr_id: info.qr_id,
                parent_qr_id: info.parent_qr_id,
                bill_id: info.bill_id,
                outcome: info.outcome.to_string(),
                idempotency_key: None,
                dispatch_area: info.dispatch_area,
                refused: false,
            },
        )?;
        Ok(())
    }

    fn parent(&self, c: &mut PgConnection, qr: &str) -> ApiResult<Done> {
        let (_, _, info) = scan_parent(c, self.user, self.formats, qr)?;
        self.event(c, ScanKind::Parent, info)?;
        Ok(Done::Applied)
    }

    fn link(&self, c: &mut PgConnection, parent: &str, child: &str) -> ApiResult<Done> {
        let (_, _, info) = scan_child(c, self.user, self.formats, parent, child)?;
        self.event(c, ScanKind::Child, info)?;
        Ok(Done::Applied)
    }

    /// `bill_number,description,capacity`.
    fn bill(&self, c: &mut PgConnection, number: &str, description: &str, capacity: &str) -> ApiResult<Done> {
        if number.is_empty() && description.is_empty() && capacity.is_empty() {
            return Ok(Done::Skipped);
        }
        let number = clean_text(Some(number.into()), "/bill_number", 50)?
            .ok_or_else(|| ApiError::unprocessable(ErrorCode::InvalidRow, "bill_number is empty."))?;
        let description = clean_text(Some(description.into()), "/description", 500)?;
        let capacity: i32 = capacity.parse().map_err(|_| {
            ApiError::unprocessable(ErrorCode::InvalidRow, format!("capacity {capacity:?} is not a number."))
        })?;
        check_capacity(capacity, "/capacity")?;
        self.create_bill(c, &number, description.as_deref(), capacity)?
            .ok_or_else(|| ApiError::conflict(ErrorCode::Duplicate, format!("Bill number {number} exists.")))?;
        Ok(Done::Applied)
    }

    /// A new bill; `None` when the number exists.
    fn create_bill(
        &self,
        c: &mut PgConnection,
        number: &str,
        description: Option<&str>,
        capacity: i32,
    ) -> ApiResult<Option<i64>> {
        let new = NewBill {
            bill_number: number,
            description,
            destination: None,
            vehicle_number: None,
            capacity,
            status: BillStatus::New,
            created_by: Some(self.user.id),
        };
        Ok(tracetrack_db::bills::insert(c, &new)?.map(|b| b.id))
    }

    /// A batch sheet row: a child waits for its parent, a parent closes the batch
    /// above it, a "Bill" row puts the parents above it on that bill.
    fn sheet_row(
        &mut self,
        c: &mut PgConnection,
        n: i32,
        sr: &str,
        code: &str,
        p: &mut Progress,
        errors: &mut Vec<RowError>,
    ) -> ApiResult<Done> {
        if sr.to_ascii_lowercase().contains("bill") {
            return self.bill_row(c, sr, code, p, errors);
        }
        let code = strip_label(code);
        if code.is_empty() {
            return Ok(Done::Skipped);
        }
        let qr = normalize(code, self.formats)?;
        match self.formats.classify(&qr) {
            Classification::Child(_) => {
                self.children.push((n, qr));
                Ok(Done::Held)
            }
            Classification::Parent(_) => {
                let children = std::mem::take(&mut self.children);
                if let Err(e) = savepoint(c, |c| self.parent(c, &qr)) {
                    for (row, child) in children {
                        let why = format!("Parent {qr} (row {n}) could not be imported, so {child} was not packed.");
                        fail(p, errors, row, ApiError::unprocessable(ErrorCode::NoParent, why));
                    }
                    return Err(e);
                }
                for (row, child) in children {
                    match savepoint(c, |c| self.link(c, &qr, &child)) {
                        Ok(_) => p.applied += 1,
                        Err(e) if e.status.is_client_error() => fail(p, errors, row, e),
                        Err(e) => return Err(e),
                    }
                }
                self.parents.push((n, qr));
                Ok(Done::Applied)
            }
            Classification::Unknown => Err(unknown_format(&qr, self.formats)),
        }
    }

    /// Puts the parents above on the bill this row names, creating it when new.
    fn bill_row(
        &mut self,
        c: &mut PgConnection,
        sr: &str,
        code: &str,
        p: &mut Progress,
        errors: &mut Vec<RowError>,
    ) -> ApiResult<Done> {
        let number = bill_number(sr, code);
        let parents = std::mem::take(&mut self.parents);
        if number.is_empty() {
            return Err(ApiError::unprocessable(
                ErrorCode::InvalidRow,
                "This bill row names no bill number.",
            ));
        }
        if parents.is_empty() {
            return Err(ApiError::unprocessable(
                ErrorCode::NoParents,
                format!("No parent rows above bill {number}."),
            ));
        }
        let capacity = parents.len() as i32;
        let id = savepoint(c, |c| match tracetrack_db::bills::id_by_number(c, &number)? {
            Some(id) => Ok(id),
            None => self
                .create_bill(c, &number, None, capacity)?
                .ok_or_else(|| ApiError::conflict(ErrorCode::Duplicate, format!("Bill number {number} exists."))),
        })?;
        for (row, qr) in parents {
            let added = savepoint(c, |c| {
                let (_, _, info) = add_parent(c, self.formats, id, self.user.id, &qr)?;
                self.event(c, ScanKind::BillAdd, info)
            });
            match added {
                Ok(()) => {}
                Err(e) if e.status.is_client_error() => fail(p, errors, row, e),
                Err(e) => return Err(e),
            }
        }
        Ok(Done::Applied)
    }
}

/// Runs `f` in a savepoint: its failure undoes only its own changes.
fn savepoint<T>(c: &mut PgConnection, f: impl FnOnce(&mut PgConnection) -> ApiResult<T>) -> ApiResult<T> {
    c.transaction(f)
}

/// Counts a failed row (a row already counted as applied stays counted: a batch
/// sheet's parent row can succeed while a child under it fails).
fn fail(p: &mut Progress, errors: &mut Vec<RowError>, row: i32, e: ApiError) {
    p.errors += 1;
    errors.push((row, e));
}

/// The code in a label cell: `"LABEL NO. MX1234"` → `"MX1234"`.
fn strip_label(cell: &str) -> &str {
    let t = cell.trim();
    let upper = t.to_ascii_uppercase();
    for prefix in ["LABEL NO.", "LABEL NO", "LABEL"] {
        if upper.starts_with(prefix) {
            return t[prefix.len()..].trim_start_matches([':', '-', '#', ' ', '.']).trim();
        }
    }
    t
}

/// The bill number of a bill row: the code column, else what follows "Bill"
/// (and "No."/":") in the Sr. No. column.
fn bill_number(sr: &str, code: &str) -> String {
    if !code.trim().is_empty() {
        return code.trim().to_string();
    }
    let lower = sr.to_ascii_lowercase();
    let at = lower.find("bill").map_or(0, |i| i + 4);
    let rest = sr[at..].trim_start();
    let rest = ["number", "no.", "no"]
        .iter()
        .find_map(|w| rest.to_ascii_lowercase().starts_with(w).then(|| &rest[w.len()..]))
        .unwrap_or(rest);
    rest.trim_start_matches([':', '-', '#', ' ', '.']).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_text_is_stripped_from_codes() {
        assert_eq!(strip_label("LABEL NO. MX1234"), "MX1234");
        assert_eq!(strip_label("label no: mx1"), "mx1");
        assert_eq!(strip_label(" SB00001 "), "SB00001");
    }

    #[test]
    fn bill_rows_name_their_bill() {
        assert_eq!(bill_number("Bill No. B-77", ""), "B-77");
        assert_eq!(bill_number("BILL: 12", ""), "12");
        assert_eq!(bill_number("Bill", "INV-3"), "INV-3");
        assert_eq!(bill_number("Bill", ""), "");
    }
}
