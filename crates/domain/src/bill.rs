//! Bill states and weight arithmetic (docs/rules.md §4).

use serde::{Deserialize, Serialize};

/// Smallest bill capacity (parents).
pub const MIN_BILL_CAPACITY: i32 = 1;
/// Largest bill capacity (parents).
pub const MAX_BILL_CAPACITY: i32 = 500;

/// Status of a bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillStatus {
    /// No parents yet.
    New,
    /// At least one parent.
    Processing,
    /// Closed; read-only until reopened.
    Completed,
}

impl BillStatus {
    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            BillStatus::New => "new",
            BillStatus::Processing => "processing",
            BillStatus::Completed => "completed",
        }
    }

    /// Parses the wire and database name.
    pub fn parse(s: &str) -> Option<BillStatus> {
        match s {
            "new" => Some(BillStatus::New),
            "processing" => Some(BillStatus::Processing),
            "completed" => Some(BillStatus::Completed),
            _ => None,
        }
    }

    /// Status of an open (not completed) bill with this many parents.
    pub fn open_with(parent_count: i32) -> BillStatus {
        if parent_count == 0 {
            BillStatus::New
        } else {
            BillStatus::Processing
        }
    }
}

/// Grams to kilograms for the wire.
pub fn kg(grams: i64) -> f64 {
    grams as f64 / 1000.0
}

/// The derived weights of a bill, in kg.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BillWeights {
    /// Σ child_count × child weight.
    pub actual_kg: f64,
    /// Σ capacity × child weight.
    pub expected_kg: f64,
    /// actual − expected.
    pub variance_kg: f64,
    /// measured − actual, when a scale reading is set.
    pub measured_variance_kg: Option<f64>,
}

/// Computes the derived weights from the gram counters and the optional scale reading.
pub fn weights(actual_g: i64, expected_g: i64, measured_kg: Option<f64>) -> BillWeights {
    let actual_kg = kg(actual_g);
    let round = |v: f64| (v * 1000.0).round() / 1000.0;
    BillWeights {
        actual_kg,
        expected_kg: kg(expected_g),
        variance_kg: kg(actual_g - expected_g),
        measured_variance_kg: measured_kg.map(|m| round(m - actual_kg)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_derived_from_grams() {
        let w = weights(45_000, 60_000, Some(44.5));
        assert_eq!(w.actual_kg, 45.0);
        assert_eq!(w.expected_kg, 60.0);
        assert_eq!(w.variance_kg, -15.0);
        assert_eq!(w.measured_variance_kg, Some(-0.5));
        assert_eq!(weights(0, 0, None).measured_variance_kg, None);
    }

    #[test]
    fn open_status_depends_on_parent_count() {
        assert_eq!(BillStatus::open_with(0), BillStatus::New);
        assert_eq!(BillStatus::open_with(2), BillStatus::Processing);
        assert_eq!(BillStatus::parse("completed"), Some(BillStatus::Completed));
    }
}
