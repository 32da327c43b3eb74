//! The visibility rule (`tracetrack_domain::visibility`) as SQL: one predicate per
//! table that has an area, `None` when the user sees every row.

use diesel::dsl::not;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable};
use tracetrack_domain::visibility::Visibility;

use crate::schema::{bag, scan_event};

/// The same rule for bags and rollups of an area, as raw SQL over a `dispatch_area`
/// column, with `$1` (sees every area) and `$2` (the area) bound from [`area_binds`]:
/// every area, or one area and what belongs to no area.
pub const IN_AREA: &str = "($1 OR dispatch_area IS NULL OR dispatch_area = $2)";

/// The binds of [`IN_AREA`] for `v`.
pub fn area_binds(v: &Visibility) -> (bool, Option<String>) {
    match v {
        Visibility::All => (true, None),
        Visibility::Area(a) => (false, Some(a.clone())),
        Visibility::Nothing => (false, None),
    }
}

/// A boxed `WHERE` predicate on `T`.
pub type Predicate<T> = Box<dyn BoxableExpression<T, Pg, SqlType = Nullable<Bool>>>;

/// The bags `v` may see: `Visibility::sees_bag` in SQL.
pub fn bags(v: &Visibility) -> Option<Predicate<bag::table>> {
    let shared = bag::dispatch_area.is_null().nullable();
    match v {
        Visibility::All => None,
        Visibility::Area(area) => Some(Box::new(shared.or(bag::dispatch_area.eq(area.clone())))),
        Visibility::Nothing => Some(Box::new(shared)),
    }
}

/// The scan events `v` (the user `user_id`) may see: `Visibility::sees_event` in SQL.
pub fn events(v: &Visibility, user_id: i64) -> Option<Predicate<scan_event::table>> {
    let own = scan_event::user_id.eq(user_id);
    let shared = scan_event::dispatch_area
        .is_null()
        .and(not(scan_event::refused))
        .nullable();
    match v {
        Visibility::All => None,
        Visibility::Area(area) => Some(Box::new(scan_event::dispatch_area.eq(area.clone()).or(shared).or(own))),
        Visibility::Nothing => Some(Box::new(shared.or(own))),
    }
}
