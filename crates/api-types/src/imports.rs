//! `/imports` (admin): uploaded files applied by a background job (docs/domain.md §9).

use crate::{ImportKind, ImportMode, ImportState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An import job and its progress.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// The problem code the same change would get from the API (`duplicate`, `wrong_role`, …).
    pub code: String,
    pub message: String,
}

/// A job with its first 1,000 row errors.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportDetail {
    #[serde(flatten)]
    pub job: ImportJob,
    pub errors: Vec<ImportRowError>,
}
