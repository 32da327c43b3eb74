//! Bill states and weight arithmetic (docs/domain.md §4).

use tracetrack_api_types::BillStatus;

/// Smallest bill capacity (parents).
pub const MIN_BILL_CAPACITY: i32 = 1;
/// Largest bill capacity (parents).
pub const MAX_BILL_CAPACITY: i32 = 500;

/// Why a bill refuses a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillRefusal {
    /// Completed bills are read-only until reopened (`409 bill_completed`).
    Completed,
    /// Every place is taken (`409 bill_full`).
    Full,
    /// Completing needs `parent_count` = `capacity` (`409 bill_incomplete`).
    Incomplete,
    /// Only a completed bill can be reopened (`409 bill_not_completed`).
    NotCompleted,
}

/// The facts the bill state machine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BillFacts {
    /// Current status.
    pub status: BillStatus,
    /// Parents on the bill.
    pub parent_count: i32,
    /// Parents the bill holds when full.
    pub capacity: i32,
}

/// Status of an open (not completed) bill with this many parents.
pub fn open_status(parent_count: i32) -> BillStatus {
    if parent_count == 0 {
        BillStatus::New
    } else {
        BillStatus::Processing
    }
}

/// Content (details, capacity, parents) changes only while the bill is not completed.
pub fn check_editable(bill: BillFacts) -> Result<(), BillRefusal> {
    if bill.status == BillStatus::Completed {
        Err(BillRefusal::Completed)
    } else {
        Ok(())
    }
}

/// Status after one more parent, or why there is no place.
pub fn add_parent(bill: BillFacts) -> Result<BillStatus, BillRefusal> {
    check_editable(bill)?;
    if bill.parent_count >= bill.capacity {
        return Err(BillRefusal::Full);
    }
    Ok(open_status(bill.parent_count + 1))
}

/// Status after one parent less.
pub fn remove_parent(bill: BillFacts) -> Result<BillStatus, BillRefusal> {
    check_editable(bill)?;
    Ok(open_status((bill.parent_count - 1).max(0)))
}

/// `Some(Completed)` for a full open bill; `None` when it is already completed.
pub fn complete(bill: BillFacts) -> Result<Option<BillStatus>, BillRefusal> {
    if bill.status == BillStatus::Completed {
        return Ok(None);
    }
    if bill.parent_count < bill.capacity {
        return Err(BillRefusal::Incomplete);
    }
    Ok(Some(BillStatus::Completed))
}

/// The open status a completed bill returns to.
pub fn reopen(bill: BillFacts) -> Result<BillStatus, BillRefusal> {
    if bill.status != BillStatus::Completed {
        return Err(BillRefusal::NotCompleted);
    }
    Ok(open_status(bill.parent_count))
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

    fn facts(status: BillStatus, parent_count: i32, capacity: i32) -> BillFacts {
        BillFacts {
            status,
            parent_count,
            capacity,
        }
    }

    #[test]
    fn a_bill_fills_completes_and_reopens() {
        use BillStatus::*;
        assert_eq!(add_parent(facts(New, 0, 2)), Ok(Processing));
        assert_eq!(add_parent(facts(Processing, 2, 2)), Err(BillRefusal::Full));
        assert_eq!(remove_parent(facts(Processing, 1, 2)), Ok(New));
        assert_eq!(complete(facts(Processing, 1, 2)), Err(BillRefusal::Incomplete));
        assert_eq!(complete(facts(Processing, 2, 2)), Ok(Some(Completed)));
        assert_eq!(complete(facts(Completed, 2, 2)), Ok(None));
        assert_eq!(add_parent(facts(Completed, 1, 2)), Err(BillRefusal::Completed));
        assert_eq!(remove_parent(facts(Completed, 2, 2)), Err(BillRefusal::Completed));
        assert_eq!(reopen(facts(Completed, 2, 2)), Ok(Processing));
        assert_eq!(reopen(facts(Completed, 0, 2)), Ok(New));
        assert_eq!(reopen(facts(Processing, 2, 2)), Err(BillRefusal::NotCompleted));
    }
}
