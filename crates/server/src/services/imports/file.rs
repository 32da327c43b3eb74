//! Reading an uploaded CSV or XLSX file into rows of text, and telling which of
//! the three import layouts it is (docs/domain.md §9).

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::error::{ApiError, ApiResult};
use tracetrack_api_types::ErrorCode;
pub use tracetrack_api_types::ImportKind;

/// A file laid out as one of the kinds: where its data starts and which column
/// holds what (`None` for an optional column that is absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub kind: ImportKind,
    /// Index of the first data row.
    pub first_row: usize,
    /// Column indexes, in the order of the kind's fields.
    pub columns: Vec<Option<usize>>,
}

impl Layout {
    /// The `k`-th field of the kind in a row (`""` when its column is absent).
    pub fn cell<'a>(&self, cells: &'a [String], k: usize) -> &'a str {
        self.columns[k]
            .and_then(|col| cells.get(col))
            .map_or("", String::as_str)
    }
}

/// Rows of a file, every cell as trimmed text.
pub type Rows = Vec<Vec<String>>;

fn bad_file(detail: impl Into<String>) -> ApiError {
    ApiError::unprocessable(ErrorCode::BadFile, detail)
}

/// An uploaded file, its rows read as they are needed: a CSV is kept as uploaded and
/// parsed chunk by chunk (its rows are never all in memory as text); an XLSX sheet is
/// read whole by the spreadsheet reader.
pub enum Source {
    /// UTF-8 text without its byte-order mark.
    Csv(Vec<u8>),
    Xlsx(Rows),
}

/// Rows of a [`Source`], each a row of cells or the reason it cannot be read.
pub type RowIter<'a> = Box<dyn Iterator<Item = ApiResult<Vec<String>>> + 'a>;

impl Source {
    /// Opens a file: XLSX (first sheet) when it is a zip archive, else UTF-8 CSV.
    pub fn open(mut bytes: Vec<u8>) -> ApiResult<Source> {
        if bytes.starts_with(b"PK\x03\x04") {
            return read_xlsx(&bytes).map(Source::Xlsx);
        }
        std::str::from_utf8(&bytes).map_err(|_| bad_file("The file is neither XLSX nor UTF-8 CSV."))?;
        if bytes.starts_with("\u{feff}".as_bytes()) {
            bytes.drain(..3);
        }
        Ok(Source::Csv(bytes))
    }

    /// The rows from the first.
    pub fn rows(&self) -> RowIter<'_> {
        match self {
            Source::Csv(bytes) => {
                let reader = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .from_reader(bytes.as_slice());
                Box::new(reader.into_records().map(|r| {
                    r.map(|rec| rec.iter().map(|c| c.trim().to_string()).collect())
                        .map_err(|e| bad_file(format!("The CSV cannot be read: {e}")))
                }))
            }
            Source::Xlsx(rows) => Box::new(rows.iter().cloned().map(Ok)),
        }
    }

    /// Reads every row once, keeping none: the number of rows, or the first reason a
    /// row cannot be read (so a broken file is refused before any row is applied).
    pub fn count(&self) -> ApiResult<usize> {
        self.rows().try_fold(0, |n, row| row.map(|_| n + 1))
    }

    /// The first `n` rows (where the layout is found).
    pub fn head(&self, n: usize) -> ApiResult<Rows> {
        self.rows().take(n).collect()
    }
}

/// Reads a whole file into rows (tests and small files).
#[cfg(test)]
pub fn read(bytes: &[u8]) -> ApiResult<Rows> {
    Source::open(bytes.to_vec())?.rows().collect()
}

fn read_xlsx(bytes: &[u8]) -> ApiResult<Rows> {
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| bad_file(format!("The XLSX cannot be read: {e}")))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| bad_file("The XLSX has no sheet."))?
        .map_err(|e| bad_file(format!("The first sheet cannot be read: {e}")))?;
    Ok(range.rows().map(|row| row.iter().map(cell_text).collect()).collect())
}

/// A spreadsheet cell as the text a person sees (whole numbers without `.0`).
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::String(s) => s.trim().to_string(),
        other => other.to_string().trim().to_string(),
    }
}

/// A header cell reduced to letters and digits, lower case (`"Sr. No."` → `srno`).
fn key(cell: &str) -> String {
    cell.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

fn column(header: &[String], name: &str) -> Option<usize> {
    header.iter().position(|c| key(c) == key(name))
}

/// Rows searched for the batch sheet's header (title rows may come first).
pub const BATCH_HEADER_SEARCH: usize = 20;

/// Works out the layout: from the header when `requested` is absent, else checks
/// the header fits the requested kind.
pub fn layout(rows: &Rows, requested: Option<ImportKind>) -> ApiResult<Layout> {
    let empty = Vec::new();
    let header = rows.first().unwrap_or(&empty);
    let named = |names: &[&str]| names.iter().map(|n| column(header, n)).collect::<Vec<_>>();
    let bags = named(&["qr_id", "role", "parent_qr_id"]);
    let bills = named(&["bill_number", "description", "capacity"]);
    let batch = rows.iter().take(BATCH_HEADER_SEARCH).enumerate().find_map(|(i, row)| {
        let sr = row.iter().position(|c| key(c) == "srno")?;
        let qr = row.iter().position(|c| key(c) == "qrcode").unwrap_or(sr + 1);
        Some((i, sr, qr))
    });
    let fits_bags = bags[0].is_some() && bags[1].is_some();
    let fits_bills = bills[0].is_some() && bills[2].is_some();
    let kind = match requested {
        Some(k) => k,
        None if fits_bags => ImportKind::Bags,
        None if fits_bills => ImportKind::Bills,
        None if batch.is_some() => ImportKind::BatchSheet,
        None => {
            return Err(bad_file(
                "Unknown layout: expected a header qr_id,role,parent_qr_id or bill_number,description,capacity, \
                 or a batch sheet with Sr. No. and QR Code columns.",
            ))
        }
    };
    match kind {
        ImportKind::Bags if fits_bags => Ok(Layout {
            kind,
            first_row: 1,
            columns: bags,
        }),
        ImportKind::Bills if fits_bills => Ok(Layout {
            kind,
            first_row: 1,
            columns: bills,
        }),
        ImportKind::BatchSheet => Ok(match batch {
            Some((i, sr, qr)) => Layout {
                kind,
                first_row: i + 1,
                columns: vec![Some(sr), Some(qr)],
            },
            // No header: column A and B from the first row.
            None => Layout {
                kind,
                first_row: 0,
                columns: vec![Some(0), Some(1)],
            },
        }),
        ImportKind::Bags => Err(bad_file(
            "A bags file needs a header with qr_id and role (and parent_qr_id).",
        )),
        ImportKind::Bills => Err(bad_file(
            "A bills file needs a header with bill_number and capacity (and description).",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Rows {
        read(text.as_bytes()).unwrap()
    }

    #[test]
    fn csv_is_read_with_bom_quotes_and_ragged_rows() {
        let r = rows("\u{feff}qr_id,role,parent_qr_id\n SB00001 ,parent\n\"MX,1\",child,SB00001\n");
        assert_eq!(r[1], vec!["SB00001", "parent"]);
        assert_eq!(r[2], vec!["MX,1", "child", "SB00001"]);
        assert!(read(&[0xff, 0xfe, 0x00]).is_err());
    }

    #[test]
    fn the_layout_is_found_from_the_header() {
        let bags = layout(&rows("role,qr_id\nparent,SB1\n"), None).unwrap();
        assert_eq!(
            (bags.kind, bags.columns),
            (ImportKind::Bags, vec![Some(1), Some(0), None])
        );
        let bills = layout(&rows("Bill_Number,Capacity\nB1,3\n"), None).unwrap();
        assert_eq!(
            (bills.kind, bills.columns),
            (ImportKind::Bills, vec![Some(0), None, Some(1)])
        );
        let sheet = layout(&rows("Batch 7,\nSr. No.,QR Code\n1,LABEL NO. MX1\n"), None).unwrap();
        assert_eq!((sheet.kind, sheet.first_row), (ImportKind::BatchSheet, 2));
        assert!(layout(&rows("a,b\n1,2\n"), None).is_err());
        assert!(layout(&rows("qr_id,role\n"), Some(ImportKind::Bills)).is_err());
    }

    #[test]
    fn spreadsheet_numbers_read_as_people_see_them() {
        assert_eq!(cell_text(&Data::Float(17.0)), "17");
        assert_eq!(cell_text(&Data::Float(2.5)), "2.5");
        assert_eq!(cell_text(&Data::Int(4)), "4");
    }
}
