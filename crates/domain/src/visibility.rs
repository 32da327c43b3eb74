//! What a user may see of bags and scan events (docs/domain.md §3, §5). Decided once
//! from the user's role and area; the database applies the same rule in SQL
//! (`tracetrack_db::visibility`), the server in memory with the methods here.

use tracetrack_api_types::Role;

/// The part of the warehouse a user sees.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// Billers and admins: every bag and every event.
    All,
    /// A dispatcher of this area: its bags and the bags of no area; the events of
    /// its area, accepted scans of bags of no area, and the dispatcher's own scans.
    Area(String),
    /// A dispatcher with no area yet: no area's bags (only those of no area, which
    /// every area sees), the accepted scans of those and their own scans. Such a
    /// dispatcher may not scan until an admin assigns an area.
    Nothing,
}

impl Visibility {
    /// The visibility of a user with this role and area.
    pub fn of(role: Role, area: Option<&str>) -> Visibility {
        if role.sees_all_areas() {
            return Visibility::All;
        }
        match area.map(str::trim).filter(|a| !a.is_empty()) {
            Some(a) => Visibility::Area(a.to_string()),
            None => Visibility::Nothing,
        }
    }

    /// The area this user is limited to (`None` for `All` and `Nothing`); also the
    /// area stamped on the bags a dispatcher creates.
    pub fn area(&self) -> Option<&str> {
        match self {
            Visibility::Area(a) => Some(a),
            Visibility::All | Visibility::Nothing => None,
        }
    }

    /// May this user scan (create or change bags)?
    pub fn may_scan(&self) -> bool {
        !matches!(self, Visibility::Nothing)
    }

    /// May this user see a bag of `bag_area` (`None`: a bag of no area)?
    pub fn sees_bag(&self, bag_area: Option<&str>) -> bool {
        match (self, bag_area) {
            (Visibility::All, _) | (_, None) => true,
            (Visibility::Area(mine), Some(theirs)) => mine == theirs,
            (Visibility::Nothing, Some(_)) => false,
        }
    }

    /// May this user see a scan event of `event_area`, refused or not, that is
    /// `own` (made by this user) or not? A refused scan whose area is unknown is
    /// private to its maker.
    pub fn sees_event(&self, event_area: Option<&str>, refused: bool, own: bool) -> bool {
        match (self, event_area) {
            (Visibility::All, _) => true,
            _ if own => true,
            (Visibility::Area(mine), Some(theirs)) => mine == theirs,
            (Visibility::Nothing, Some(_)) => false,
            (_, None) => !refused,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billers_and_admins_see_all_and_dispatchers_their_area() {
        assert_eq!(Visibility::of(Role::Admin, Some("akola")), Visibility::All);
        assert_eq!(Visibility::of(Role::Biller, None), Visibility::All);
        assert_eq!(
            Visibility::of(Role::Dispatcher, Some("akola")),
            Visibility::Area("akola".into())
        );
        assert_eq!(Visibility::of(Role::Dispatcher, None), Visibility::Nothing);
        assert_eq!(Visibility::of(Role::Dispatcher, Some(" ")), Visibility::Nothing);
    }

    #[test]
    fn bags_of_no_area_are_shared_and_other_areas_hidden() {
        let akola = Visibility::Area("akola".into());
        assert!(akola.sees_bag(Some("akola")) && akola.sees_bag(None));
        assert!(!akola.sees_bag(Some("jalna")));
        assert!(Visibility::Nothing.sees_bag(None) && !Visibility::Nothing.sees_bag(Some("akola")));
        assert!(Visibility::All.sees_bag(Some("jalna")));
        assert!(akola.may_scan() && Visibility::All.may_scan() && !Visibility::Nothing.may_scan());
        assert_eq!(akola.area(), Some("akola"));
        assert_eq!(Visibility::All.area(), None);
    }

    #[test]
    fn refused_scans_of_unknown_area_are_private_to_their_maker() {
        let akola = Visibility::Area("akola".into());
        assert!(akola.sees_event(Some("akola"), true, false));
        assert!(!akola.sees_event(Some("jalna"), false, false));
        assert!(
            akola.sees_event(Some("jalna"), true, true),
            "own scan of another area's bag"
        );
        assert!(akola.sees_event(None, false, false));
        assert!(!akola.sees_event(None, true, false));
        assert!(akola.sees_event(None, true, true));
        assert!(!Visibility::Nothing.sees_event(Some("akola"), false, false));
        assert!(Visibility::Nothing.sees_event(None, false, false));
        assert!(Visibility::All.sees_event(None, true, false));
    }
}
