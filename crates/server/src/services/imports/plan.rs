//! The station's rules replayed in memory over a bags file (docs/domain.md §2, §9).
//!
//! A chunk of rows becomes a [`Plan`]: the bags to create, the links to add, the
//! parents whose counts change, the events to write and each failed row's problem,
//! decided row by row in file order against the database state of every bag the
//! chunk names (read once, parents locked). The plan is then written with a few
//! set-based statements (`super::bulk`). Each decision mirrors `services::scan`
//! (same checks, same order, same problems), so a file and the same scans at a
//! station leave the same database.

use std::collections::HashMap;

use tracetrack_api_types::{BagRole, BagStatus, ChildStatus, ParentStatus, ScanKind, ScanOutcome};
use tracetrack_db::models::BagRow;
use tracetrack_db::stats::Delta;
use tracetrack_domain::parent::{check_room, derive_status};
use tracetrack_domain::visibility::Visibility;
use tracetrack_domain::{Classification, FormatSet};

use tracetrack_api_types::ErrorCode;

use super::RowError;
use crate::error::ApiError;
use crate::services::scan::{
    deleted, into_itself, linked_elsewhere, no_area, not_a_child, not_a_parent, not_found, other_area, room_error,
    unknown_format,
};

/// What a row of a bags file asks for, its ids already normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `qr,parent,` — as `POST /scans/parent`.
    Parent(String),
    /// `child,child,parent` — as `POST /scans/child`.
    Link { parent: String, child: String },
    /// `child,child,` — a child in no parent yet.
    Loose(String),
}

impl Op {
    /// The ids the row names.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        let (a, b) = match self {
            Op::Parent(q) | Op::Loose(q) => (q.as_str(), None),
            Op::Link { parent, child } => (parent.as_str(), Some(child.as_str())),
        };
        std::iter::once(a).chain(b)
    }
}

/// A bag as the plan sees it: read from the database or created by an earlier row.
#[derive(Debug, Clone)]
pub struct Known {
    pub role: BagRole,
    pub format_code: String,
    pub status: BagStatus,
    pub child_count: i32,
    pub capacity: Option<i32>,
    pub child_weight_g: Option<i32>,
    pub area: Option<String>,
    pub deleted: bool,
    /// The parent (id, area) a child is linked to.
    pub linked_to: Option<(String, Option<String>)>,
    /// The bill a parent is on.
    pub bill: Option<String>,
    /// Not in the database yet.
    pub fresh: bool,
}

impl Known {
    /// A bag read from the database, with its link and bill.
    pub fn stored(b: BagRow, linked_to: Option<(String, Option<String>)>, bill: Option<String>) -> Known {
        Known {
            role: b.role,
            format_code: b.format_code,
            status: b.status,
            child_count: b.child_count,
            capacity: b.capacity,
            child_weight_g: b.child_weight_g,
            area: b.dispatch_area,
            deleted: b.deleted_at.is_some(),
            linked_to,
            bill,
            fresh: false,
        }
    }

    /// A child new to the database: linked when it has a parent.
    fn new_child(format_code: &str, area: Option<String>, linked_to: Option<(String, Option<String>)>) -> Known {
        let status = match linked_to {
            Some(_) => ChildStatus::Linked,
            None => ChildStatus::Unlinked,
        };
        Known {
            role: BagRole::Child,
            format_code: format_code.to_string(),
            status: status.into(),
            child_count: 0,
            capacity: None,
            child_weight_g: None,
            area,
            deleted: false,
            linked_to,
            bill: None,
            fresh: true,
        }
    }
}

/// An event to write for an applied row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: ScanKind,
    pub outcome: ScanOutcome,
    pub qr_id: String,
    pub parent_qr_id: Option<String>,
    pub area: Option<String>,
}

/// What a chunk does, in the order it must be written.
#[derive(Debug, Default)]
pub struct Plan {
    /// Bags to create (their final state is in `known`).
    pub created: Vec<String>,
    /// Stored children that move from unlinked to linked.
    pub relinked: Vec<String>,
    /// New links: (child, parent).
    pub links: Vec<(String, String)>,
    /// Stored parents whose count (and so status) changed.
    pub refilled: Vec<String>,
    pub events: Vec<Event>,
    pub delta: Delta,
    pub applied: i32,
    pub errors: Vec<RowError>,
    /// Every bag the chunk named, as it will be once the plan is written.
    pub known: HashMap<String, Known>,
}

impl Plan {
    /// Replays `ops` (row number, op) over `known` as `visibility` would at a station.
    pub fn make(
        formats: &FormatSet,
        visibility: &Visibility,
        known: HashMap<String, Known>,
        ops: &[(i32, Op)],
    ) -> Plan {
        let mut plan = Plan {
            known,
            ..Plan::default()
        };
        for (row, op) in ops {
            let result = match op {
                Op::Parent(qr) => plan.parent(formats, visibility, qr),
                Op::Link { parent, child } => plan.link(formats, visibility, parent, child),
                Op::Loose(qr) => plan.loose(formats, qr),
            };
            match result {
                Ok(()) => plan.applied += 1,
                Err(e) => plan.errors.push((*row, e)),
            }
        }
        plan
    }

    fn parent(&mut self, formats: &FormatSet, visibility: &Visibility, qr: &str) -> Result<(), ApiError> {
        let spec = match formats.classify(qr) {
            Classification::Parent(spec) => spec,
            Classification::Child(_) => return Err(not_a_parent(qr)),
            Classification::Unknown => return Err(unknown_format(qr, formats)),
        };
        if !visibility.may_scan() {
            return Err(no_area());
        }
        let outcome = match self.known.get(qr) {
            Some(bag) if bag.deleted => return Err(deleted(qr)),
            Some(bag) if bag.role != BagRole::Parent => return Err(not_a_parent(qr)),
            Some(bag) if !visibility.sees_bag(bag.area.as_deref()) => return Err(other_area(qr)),
            Some(_) => ScanOutcome::Existing,
            None => {
                let bag = Known {
                    role: BagRole::Parent,
                    format_code: spec.code.clone(),
                    status: ParentStatus::Open.into(),
                    child_count: 0,
                    capacity: spec.capacity,
                    child_weight_g: spec.child_weight_g,
                    area: visibility.area().map(str::to_string),
                    deleted: false,
                    linked_to: None,
                    bill: None,
                    fresh: true,
                };
                self.known.insert(qr.to_string(), bag);
                self.created.push(qr.to_string());
                self.delta.parents += 1;
                ScanOutcome::Created
            }
        };
        let area = self.known[qr].area.clone();
        self.event(ScanKind::Parent, outcome, qr, None, area);
        Ok(())
    }

    fn link(
        &mut self,
        formats: &FormatSet,
        visibility: &Visibility,
        parent_qr: &str,
        qr: &str,
    ) -> Result<(), ApiError> {
        if !visibility.may_scan() {
            return Err(no_area());
        }
        let parent = self
            .known
            .get(parent_qr)
            .filter(|b| visibility.sees_bag(b.area.as_deref()) && !b.deleted)
            .ok_or_else(|| not_found(parent_qr))?;
        if parent.role != BagRole::Parent {
            return Err(not_a_parent(parent_qr));
        }
        let parent_area = parent.area.clone();
        if qr == parent_qr {
            return Err(into_itself(qr));
        }
        let spec = match formats.classify(qr) {
            Classification::Child(spec) => spec,
            Classification::Parent(_) => return Err(not_a_child(qr)),
            Classification::Unknown => return Err(unknown_format(qr, formats)),
        };
        let existing = self.known.get(qr);
        if let Some(child) = existing {
            if child.deleted {
                return Err(deleted(qr));
            }
            if child.role == BagRole::Parent {
                return Err(not_a_child(qr));
            }
            match &child.linked_to {
                Some((current, _)) if current == parent_qr => {
                    self.event(
                        ScanKind::Child,
                        ScanOutcome::AlreadyLinked,
                        qr,
                        Some(parent_qr),
                        parent_area,
                    );
                    return Ok(());
                }
                Some((current, area)) => {
                    let shown = visibility.sees_bag(area.as_deref()).then(|| current.clone());
                    return Err(linked_elsewhere(qr, shown));
                }
                None => {}
            }
            if !visibility.sees_bag(child.area.as_deref()) {
                return Err(other_area(qr));
            }
        }
        let parent = &self.known[parent_qr];
        let capacity = parent.capacity.unwrap_or(0);
        let status = parent.status.parent().unwrap_or(ParentStatus::Open);
        if let Err(why) = check_room(status, parent.child_count, capacity) {
            return Err(room_error(
                parent_qr,
                why,
                parent.child_count,
                capacity,
                parent.bill.clone(),
            ));
        }
        let linked_to = Some((parent_qr.to_string(), parent_area.clone()));
        match self.known.get_mut(qr) {
            Some(child) => {
                if !child.fresh {
                    self.relinked.push(qr.to_string());
                }
                child.status = ChildStatus::Linked.into();
                child.linked_to = linked_to;
            }
            None => {
                let child = Known::new_child(&spec.code, parent_area.clone(), linked_to);
                self.known.insert(qr.to_string(), child);
                self.created.push(qr.to_string());
                self.delta.children += 1;
            }
        }
        let parent = self.known.get_mut(parent_qr).expect("checked above");
        parent.child_count += 1;
        parent.status = derive_status(parent.child_count, capacity, false, false).into();
        if !parent.fresh {
            self.refilled.push(parent_qr.to_string());
        }
        self.links.push((qr.to_string(), parent_qr.to_string()));
        self.delta.links += 1;
        self.event(ScanKind::Child, ScanOutcome::Linked, qr, Some(parent_qr), parent_area);
        Ok(())
    }

    fn loose(&mut self, formats: &FormatSet, qr: &str) -> Result<(), ApiError> {
        let spec = match formats.classify(qr) {
            Classification::Child(spec) => spec,
            Classification::Parent(_) => return Err(not_a_child(qr)),
            Classification::Unknown => return Err(unknown_format(qr, formats)),
        };
        match self.known.get(qr) {
            Some(bag) if bag.role == BagRole::Parent => Err(ApiError::unprocessable(
                ErrorCode::WrongRole,
                format!("{qr} is a parent bag."),
            )),
            Some(_) => Ok(()),
            None => {
                self.known
                    .insert(qr.to_string(), Known::new_child(&spec.code, None, None));
                self.created.push(qr.to_string());
                self.delta.children += 1;
                Ok(())
            }
        }
    }

    fn event(&mut self, kind: ScanKind, outcome: ScanOutcome, qr: &str, parent: Option<&str>, area: Option<String>) {
        self.events.push(Event {
            kind,
            outcome,
            qr_id: qr.to_string(),
            parent_qr_id: parent.map(str::to_string),
            area,
        });
    }

    /// Stored parents changed by the plan, each once.
    pub fn refilled_parents(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.refilled
            .iter()
            .filter(|q| seen.insert(q.as_str()))
            .map(String::as_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracetrack_domain::FormatSpec;

    fn formats() -> FormatSet {
        let spec = |code: &str, role, pattern: &str, capacity: Option<i32>| FormatSpec {
            code: code.into(),
            role,
            pattern: pattern.into(),
            capacity,
            child_weight_g: capacity.map(|_| 1000),
        };
        FormatSet::new(vec![
            spec("SB", BagRole::Parent, r"^SB\d{5}$", Some(2)),
            spec("CHILD", BagRole::Child, r"^[A-Z0-9]{4,20}$", None),
        ])
    }

    fn link(parent: &str, child: &str) -> Op {
        Op::Link {
            parent: parent.into(),
            child: child.into(),
        }
    }

    fn codes(plan: &Plan) -> Vec<(i32, ErrorCode)> {
        plan.errors.iter().map(|(n, e)| (*n, e.code)).collect()
    }

    #[test]
    fn rows_are_decided_in_file_order_as_a_station_would() {
        let ops = vec![
            (2, link("SB00001", "C0001")),
            (3, Op::Parent("SB00001".into())),
            (4, link("SB00001", "C0001")),
            (5, link("SB00001", "C0001")),
            (6, link("SB00001", "C0002")),
            (7, link("SB00001", "C0003")),
            (8, Op::Parent("SB00002".into())),
            (9, link("SB00002", "C0002")),
            (10, link("SB00002", "SB00001")),
            (11, Op::Parent("C0009".into())),
            (12, Op::Loose("C0004".into())),
            (13, link("SB00002", "C0004")),
        ];
        let plan = Plan::make(&formats(), &Visibility::All, HashMap::new(), &ops);
        assert_eq!(
            codes(&plan),
            vec![
                (2, ErrorCode::BagNotFound),
                (7, ErrorCode::ParentFull),
                (9, ErrorCode::LinkedElsewhere),
                (10, ErrorCode::WrongRole),
                (11, ErrorCode::WrongRole),
            ]
        );
        assert_eq!(plan.applied, 7);
        let outcomes: Vec<_> = plan.events.iter().map(|e| (e.qr_id.as_str(), e.outcome)).collect();
        assert_eq!(
            outcomes,
            vec![
                ("SB00001", ScanOutcome::Created),
                ("C0001", ScanOutcome::Linked),
                ("C0001", ScanOutcome::AlreadyLinked),
                ("C0002", ScanOutcome::Linked),
                ("SB00002", ScanOutcome::Created),
                ("C0004", ScanOutcome::Linked),
            ]
        );
        let full = &plan.known["SB00001"];
        assert_eq!((full.child_count, full.status), (2, ParentStatus::Filled.into()));
        assert_eq!(plan.known["C0004"].status, ChildStatus::Linked.into());
        assert_eq!(
            plan.delta,
            Delta {
                parents: 2,
                children: 3,
                links: 3
            }
        );
        assert!(plan.relinked.is_empty() && plan.refilled.is_empty());
        assert_eq!(plan.created, vec!["SB00001", "C0001", "C0002", "SB00002", "C0004"]);
    }

    fn stored() -> HashMap<String, Known> {
        let bag = |role, status: BagStatus, count, bill: Option<&str>| Known {
            role,
            format_code: "SB".into(),
            status,
            child_count: count,
            capacity: (role == BagRole::Parent).then_some(2),
            child_weight_g: None,
            area: Some("north".into()),
            deleted: false,
            linked_to: None,
            bill: bill.map(str::to_string),
            fresh: false,
        };
        HashMap::from([
            (
                "SB00001".to_string(),
                bag(BagRole::Parent, ParentStatus::Open.into(), 1, None),
            ),
            (
                "SB00002".to_string(),
                bag(BagRole::Parent, ParentStatus::Billed.into(), 0, Some("B-7")),
            ),
            (
                "C0001".to_string(),
                bag(BagRole::Child, ChildStatus::Unlinked.into(), 0, None),
            ),
        ])
    }

    #[test]
    fn stored_bags_are_checked_and_changed_in_place() {
        let ops = vec![
            (2, link("SB00002", "C0001")),
            (3, link("SB00001", "C0001")),
            (4, Op::Parent("SB00001".into())),
        ];
        let elsewhere = Plan::make(&formats(), &Visibility::Area("south".into()), stored(), &ops);
        assert_eq!(
            codes(&elsewhere),
            vec![
                (2, ErrorCode::BagNotFound),
                (3, ErrorCode::BagNotFound),
                (4, ErrorCode::OtherArea)
            ]
        );
        assert!(elsewhere.events.is_empty() && elsewhere.created.is_empty());
        let plan = Plan::make(&formats(), &Visibility::All, stored(), &ops);
        assert_eq!(codes(&plan), vec![(2, ErrorCode::ParentBilled)]);
        assert_eq!(
            plan.errors[0].1.detail,
            "SB00002 is on bill B-7; take it off the bill first."
        );
        assert_eq!(plan.relinked, vec!["C0001"]);
        assert_eq!(plan.refilled_parents(), vec!["SB00001"]);
        assert_eq!(plan.known["SB00001"].status, ParentStatus::Filled.into());
        assert_eq!(plan.events[1].outcome, ScanOutcome::Existing);
        assert!(plan.created.is_empty());
    }
}
