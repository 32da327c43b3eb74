//! Exports: bags, bills, scan events and user activity as tables, read a page at a
//! time, rendered as CSV (streamed) or XLSX (built in a temporary file).

use chrono::{DateTime, Utc};
use tracetrack_db::diesel::{PgConnection, QueryResult};
use tracetrack_db::exports::{self, Window};
use tracetrack_domain::bill::kg;

use crate::error::ApiResult;
use crate::services::reports::field;
use crate::services::Actor;
use tracetrack_api_types::ExportFormat;

/// What is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bags,
    Bills,
    Scans,
    UserActivity,
}

impl Kind {
    /// The path segment (`bags`, `bills`, `scans`, `user-activity`).
    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "bags" => Kind::Bags,
            "bills" => Kind::Bills,
            "scans" => Kind::Scans,
            "user-activity" => Kind::UserActivity,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Bags => "bags",
            Kind::Bills => "bills",
            Kind::Scans => "scans",
            Kind::UserActivity => "user-activity",
        }
    }

    /// Column names, in order.
    pub fn header(self) -> &'static [&'static str] {
        match self {
            Kind::Bags => &[
                "qr_id",
                "role",
                "format_code",
                "status",
                "child_count",
                "capacity",
                "parent_qr_id",
                "bill_number",
                "dispatch_area",
                "sealed_reason",
                "created_by",
                "created_at",
            ],
            Kind::Bills => &[
                "bill_number",
                "status",
                "capacity",
                "parent_count",
                "child_count",
                "actual_weight_kg",
                "expected_weight_kg",
                "measured_weight_kg",
                "description",
                "destination",
                "vehicle_number",
                "created_by",
                "created_at",
                "completed_at",
            ],
            Kind::Scans => &[
                "id",
                "recorded_at",
                "occurred_at",
                "username",
                "station_id",
                "kind",
                "qr_id",
                "parent_qr_id",
                "bill_number",
                "outcome",
                "dispatch_area",
            ],
            Kind::UserActivity => &[
                "username",
                "role",
                "dispatch_area",
                "is_active",
                "last_login_at",
                "scans",
                "parent_scans",
                "children_linked",
                "unlinks",
                "first_scan_at",
                "last_scan_at",
                "bills_created",
            ],
        }
    }

    /// The rows after key `after`, at most `limit`, and the key of the last one.
    pub fn page(self, c: &mut PgConnection, w: Window, after: i64, limit: i64) -> QueryResult<(Vec<Row>, i64)> {
        let mut last = after;
        let mut key = |id: i64| last = id;
        let rows = match self {
            Kind::Bags => exports::bags(c, w, after, limit)?
                .into_iter()
                .map(|b| {
                    key(b.id);
                    vec![
                        Cell::Text(b.qr_id),
                        Cell::Text(b.role),
                        Cell::Text(b.format_code),
                        Cell::Text(b.status),
                        Cell::Int(b.child_count.into()),
                        b.capacity.map_or(Cell::Empty, |n| Cell::Int(n.into())),
                        Cell::opt(b.parent_qr_id),
                        Cell::opt(b.bill_number),
                        Cell::opt(b.dispatch_area),
                        Cell::opt(b.sealed_reason),
                        Cell::opt(b.created_by),
                        Cell::Time(b.created_at),
                    ]
                })
                .collect(),
            Kind::Bills => exports::bills(c, w, after, limit)?
                .into_iter()
                .map(|b| {
                    key(b.id);
                    vec![
                        Cell::Text(b.bill_number),
                        Cell::Text(b.status),
                        Cell::Int(b.capacity.into()),
                        Cell::Int(b.parent_count.into()),
                        Cell::Int(b.child_count.into()),
                        Cell::Num(kg(b.actual_weight_g)),
                        Cell::Num(kg(b.expected_weight_g)),
                        b.measured_weight_kg.map_or(Cell::Empty, Cell::Num),
                        Cell::opt(b.description),
                        Cell::opt(b.destination),
                        Cell::opt(b.vehicle_number),
                        Cell::opt(b.created_by),
                        Cell::Time(b.created_at),
                        b.completed_at.map_or(Cell::Empty, Cell::Time),
                    ]
                })
                .collect(),
            Kind::Scans => exports::scans(c, w, after, limit)?
                .into_iter()
                .map(|e| {
                    key(e.id);
                    vec![
                        Cell::Int(e.id),
                        Cell::Time(e.recorded_at),
                        e.occurred_at.map_or(Cell::Empty, Cell::Time),
                        Cell::opt(e.username),
                        Cell::opt(e.station_id),
                        Cell::Text(e.kind),
                        Cell::opt(e.qr_id),
                        Cell::opt(e.parent_qr_id),
                        Cell::opt(e.bill_number),
                        Cell::Text(e.outcome),
                        Cell::opt(e.dispatch_area),
                    ]
                })
                .collect(),
            Kind::UserActivity => exports::user_activity(c, w, after, limit)?
                .into_iter()
                .map(|u| {
                    key(u.id);
                    vec![
                        Cell::Text(u.username),
                        Cell::Text(u.role),
                        Cell::opt(u.dispatch_area),
                        Cell::Text(u.is_active.to_string()),
                        u.last_login_at.map_or(Cell::Empty, Cell::Time),
                        Cell::Int(u.scans),
                        Cell::Int(u.parent_scans),
                        Cell::Int(u.children_linked),
                        Cell::Int(u.unlinks),
                        u.first_scan_at.map_or(Cell::Empty, Cell::Time),
                        u.last_scan_at.map_or(Cell::Empty, Cell::Time),
                        Cell::Int(u.bills_created),
                    ]
                })
                .collect(),
        };
        Ok((rows, last))
    }
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Num(f64),
    Time(DateTime<Utc>),
}

impl Cell {
    fn opt(s: Option<String>) -> Cell {
        s.map_or(Cell::Empty, Cell::Text)
    }
}

/// A row of cells.
pub type Row = Vec<Cell>;

/// One CSV line (with its newline); text is quoted and defused against formulas.
pub fn csv_line<S: AsRef<str>>(out: &mut String, cells: impl IntoIterator<Item = S>) {
    let mut first = true;
    for cell in cells {
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&field(cell.as_ref()));
    }
    out.push('\n');
}

/// The CSV text of a cell (numbers plain, times RFC 3339 in UTC).
pub fn csv_text(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(s) => s.clone(),
        Cell::Int(n) => n.to_string(),
        Cell::Num(x) => format!("{x:.3}"),
        Cell::Time(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// Rows as CSV lines: text quoted and defused, numbers and times as they are.
pub fn csv_rows(rows: &[Row]) -> String {
    let mut out = String::with_capacity(rows.len() * 96);
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match cell {
                Cell::Text(s) => out.push_str(&field(s)),
                other => out.push_str(&csv_text(other)),
            }
        }
        out.push('\n');
    }
    out
}

/// An XLSX workbook being written row by row (rows go to a temporary file, so a
/// large sheet does not sit in memory).
pub struct XlsxSheet {
    book: rust_xlsxwriter::Workbook,
    next_row: u32,
    time: rust_xlsxwriter::Format,
    kg: rust_xlsxwriter::Format,
}

/// Excel's row limit, header included.
pub const XLSX_MAX_ROWS: u32 = 1_048_576;

impl XlsxSheet {
    pub fn new(kind: Kind) -> Result<XlsxSheet, rust_xlsxwriter::XlsxError> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let sheet = book.add_worksheet_with_constant_memory()?;
        sheet.set_name(kind.as_str())?;
        for (col, name) in kind.header().iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *name, &bold)?;
        }
        Ok(XlsxSheet {
            book,
            next_row: 1,
            time: rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            kg: rust_xlsxwriter::Format::new().set_num_format("0.000"),
        })
    }

    /// Appends rows; `false` when they would not fit in one sheet.
    pub fn append(&mut self, rows: &[Row]) -> Result<bool, rust_xlsxwriter::XlsxError> {
        if self.next_row as usize + rows.len() > XLSX_MAX_ROWS as usize {
            return Ok(false);
        }
        let sheet = self.book.worksheet_from_index(0)?;
        for row in rows {
            for (col, cell) in row.iter().enumerate() {
                let col = col as u16;
                match cell {
                    Cell::Empty => {}
                    Cell::Text(s) => {
                        sheet.write_string(self.next_row, col, s)?;
                    }
                    Cell::Int(n) => {
                        sheet.write_number(self.next_row, col, *n as f64)?;
                    }
                    Cell::Num(x) => {
                        sheet.write_number_with_format(self.next_row, col, *x, &self.kg)?;
                    }
                    Cell::Time(t) => {
                        sheet.write_datetime_with_format(self.next_row, col, t.naive_utc(), &self.time)?;
                    }
                }
            }
            self.next_row += 1;
        }
        Ok(true)
    }

    /// The finished file.
    pub fn finish(mut self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        self.book.save_to_buffer()
    }
}

/// Audits an export before its rows are streamed.
pub fn record_export(
    c: &mut PgConnection,
    actor: &Actor,
    kind: Kind,
    format: ExportFormat,
    window: Window,
) -> ApiResult<()> {
    let after = serde_json::json!({"kind": kind.as_str(), "format": format, "from": window.from, "to": window.to});
    actor.audit.record(
        c,
        "export.create",
        "export",
        Some(kind.as_str().into()),
        None,
        Some(after),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_quote_text_and_leave_numbers_alone() {
        let t = DateTime::parse_from_rfc3339("2026-12-02T01:02:03Z")
            .unwrap()
            .with_timezone(&Utc);
        let rows = vec![vec![
            Cell::Text("=1+1".into()),
            Cell::Int(-5),
            Cell::Num(1.5),
            Cell::Empty,
            Cell::Time(t),
            Cell::Text("a,b".into()),
        ]];
        assert_eq!(csv_rows(&rows), "'=1+1,-5,1.500,,2026-12-02T01:02:03Z,\"a,b\"\n");
    }

    #[test]
    fn every_kind_round_trips_its_name() {
        for k in [Kind::Bags, Kind::Bills, Kind::Scans, Kind::UserActivity] {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Kind::parse("users"), None);
    }
}
