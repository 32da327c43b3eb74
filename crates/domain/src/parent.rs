//! Parent bag states and the order of checks for a child scan (docs/domain.md §2).

use tracetrack_api_types::ParentStatus;

/// The status a parent has from its facts alone: on a bill, sealed, full or open.
/// Used after every change (link, unlink, unseal, taking it off a bill).
pub fn derive_status(child_count: i32, capacity: i32, sealed: bool, billed: bool) -> ParentStatus {
    if billed {
        ParentStatus::Billed
    } else if sealed {
        ParentStatus::Sealed
    } else if child_count >= capacity {
        ParentStatus::Filled
    } else {
        ParentStatus::Open
    }
}

/// Why a parent takes no more children; checked in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoRoom {
    /// The parent is on a bill.
    Billed,
    /// The parent is sealed.
    Sealed,
    /// child_count = capacity.
    Full,
}

/// Checks whether a parent takes one more child: billed, then sealed, then full.
pub fn check_room(status: ParentStatus, child_count: i32, capacity: i32) -> Result<(), NoRoom> {
    match status {
        ParentStatus::Billed => Err(NoRoom::Billed),
        ParentStatus::Sealed => Err(NoRoom::Sealed),
        _ if child_count >= capacity => Err(NoRoom::Full),
        _ => Ok(()),
    }
}

/// Weight of a parent in grams: weight is derived, never typed in.
pub fn weight_g(child_count: i32, child_weight_g: i32) -> i64 {
    i64::from(child_count) * i64::from(child_weight_g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_the_facts() {
        assert_eq!(derive_status(3, 30, false, false), ParentStatus::Open);
        assert_eq!(derive_status(30, 30, false, false), ParentStatus::Filled);
        assert_eq!(derive_status(3, 30, true, false), ParentStatus::Sealed);
        assert_eq!(derive_status(30, 30, true, true), ParentStatus::Billed);
    }

    #[test]
    fn room_is_checked_billed_then_sealed_then_full() {
        assert_eq!(check_room(ParentStatus::Billed, 30, 30), Err(NoRoom::Billed));
        assert_eq!(check_room(ParentStatus::Sealed, 30, 30), Err(NoRoom::Sealed));
        assert_eq!(check_room(ParentStatus::Filled, 30, 30), Err(NoRoom::Full));
        assert_eq!(check_room(ParentStatus::Open, 29, 30), Ok(()));
        assert_eq!(weight_g(17, 1000), 17_000);
    }
}
