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
pub struct EodSent {
    pub date: NaiveDate,
    /// Active admins and billers with an e-mail address.
    pub recipients: usize,
}
