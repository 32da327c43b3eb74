//! `/imports` (admin): uploaded files applied by a background job (docs/domain.md §9).

use crate::{ImportKind, ImportMode, ImportState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An import job and its progress.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 27, "kind": "batch_sheet", "mode": "best_effort", "filename": "akola-batch-2026-12-03.xlsx",
    "status": "succeeded", "total_rows": 480, "processed_rows": 480, "applied_rows": 478, "error_rows": 2,
    "percent": 100, "message": "478 rows imported, 2 rows with errors.", "created_by": 1, "created_by_name": "admin",
    "created_at": "2026-12-03T12:00:04Z", "updated_at": "2026-12-03T12:00:19Z",
    "finished_at": "2026-12-03T12:00:19Z"})))]
pub struct ImportJob {
    pub id: i64,
    /// `bags` (`qr_id,role,parent_qr_id`), `bills` (`bill_number,description,capacity`)
    /// or `batch_sheet` (the warehouse sheet: Sr. No., QR Code).
    pub kind: ImportKind,
    /// `all_or_nothing` (one error rolls every row back) or `best_effort`.
    pub mode: ImportMode,
    pub filename: String,
    /// Where the job is.
    pub status: ImportState,
    /// Data rows in the file.
    pub total_rows: i32,
    pub processed_rows: i32,
    /// Rows that changed something or were already so (kept unless the import failed as a whole).
    pub applied_rows: i32,
    pub error_rows: i32,
    /// Whole-number percentage of rows processed.
    pub percent: i32,
    /// How it ended, in plain words.
    pub message: Option<String>,
    pub created_by: Option<i64>,
    /// Username of the starter.
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A row that could not be applied.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRowError {
    /// The row in the file, 1-based, header included (as a spreadsheet numbers it).
    pub row: i32,
    /// The problem code the same change would get from the API (`duplicate`, `wrong_role`, …);
    /// text in Rust, like `Problem.code`, so an older client still reads a newer code.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::ErrorCode))]
    pub code: String,
    pub message: String,
}

/// A job with its first 1,000 row errors.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 27, "kind": "batch_sheet", "mode": "best_effort", "filename": "akola-batch-2026-12-03.xlsx",
    "status": "succeeded", "total_rows": 480, "processed_rows": 480, "applied_rows": 478, "error_rows": 2,
    "percent": 100, "message": "478 rows imported, 2 rows with errors.", "created_by": 1, "created_by_name": "admin",
    "created_at": "2026-12-03T12:00:04Z", "updated_at": "2026-12-03T12:00:19Z", "finished_at": "2026-12-03T12:00:19Z",
    "errors": [{"row": 57, "code": "linked_elsewhere", "message": "Bag K00311 already belongs to SB00039."},
        {"row": 481, "code": "no_parent", "message": "No parent row closes the batch K00977 is in."}]})))]
pub struct ImportDetail {
    #[serde(flatten)]
    pub job: ImportJob,
    pub errors: Vec<ImportRowError>,
}
