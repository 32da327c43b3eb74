//! `GET /reports/eod`: the end-of-day summary (docs/domain.md §8).

use std::collections::BTreeMap;

use crate::BillStatus;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One bill of the day.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EodBill {
    pub bill_number: String,
    pub status: BillStatus,
    /// Username of the creator.
    pub created_by: Option<String>,
    pub parents: i32,
    pub children: i32,
    pub actual_weight_kg: f64,
    pub expected_weight_kg: f64,
    pub created_at: DateTime<Utc>,
}

/// The bills created on one day in the report time zone, summed up.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "date": "2026-12-03", "timezone": "Asia/Kolkata", "bills": 2, "by_status": {"completed": 1, "processing": 1},
    "by_creator": {"meera.s": 2}, "parents": 13, "children": 373, "actual_weight_kg": 373.0,
    "expected_weight_kg": 375.0,
    "rows": [{"bill_number": "B-2026-0411", "status": "completed", "created_by": "meera.s", "parents": 10,
            "children": 300, "actual_weight_kg": 300.0, "expected_weight_kg": 300.0,
            "created_at": "2026-12-03T05:10:00Z"},
        {"bill_number": "B-2026-0412", "status": "processing", "created_by": "meera.s", "parents": 3, "children": 73,
            "actual_weight_kg": 73.0, "expected_weight_kg": 75.0, "created_at": "2026-12-03T07:50:00Z"}]})))]
pub struct EodReport {
    /// The day reported.
    pub date: NaiveDate,
    /// `REPORT_TIMEZONE`, e.g. `Asia/Kolkata`.
    pub timezone: String,
    /// Bills created that day.
    pub bills: i64,
    /// Bills by status.
    pub by_status: BTreeMap<String, i64>,
    /// Bills by creator's username.
    pub by_creator: BTreeMap<String, i64>,
    /// Parents on those bills.
    pub parents: i64,
    /// Children in those parents.
    pub children: i64,
    pub actual_weight_kg: f64,
    pub expected_weight_kg: f64,
    /// One row per bill, oldest first.
    pub rows: Vec<EodBill>,
}

/// `POST /reports/eod/send`: the report went to the outbox for these many readers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"date": "2026-12-03", "recipients": 3})))]
pub struct EodSent {
    pub date: NaiveDate,
    /// Active admins and billers with an e-mail address.
    pub recipients: usize,
}
