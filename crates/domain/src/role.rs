//! Roles and the permission matrix of docs/rules.md §5.

use serde::{Deserialize, Serialize};

/// A user's role; each role includes the powers of those below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Scans bags in one dispatch area.
    Dispatcher,
    /// Also manages bills and deletes bags.
    Biller,
    /// Runs everything.
    Admin,
}

impl Role {
    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Dispatcher => "dispatcher",
            Role::Biller => "biller",
            Role::Admin => "admin",
        }
    }

    /// Parses the wire and database name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "dispatcher" => Some(Role::Dispatcher),
            "biller" => Some(Role::Biller),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Reads every bag and event, not only one area's.
    pub fn sees_all_areas(self) -> bool {
        self >= Role::Biller
    }

    /// Creates, edits, completes and reopens bills and moves parents on them.
    pub fn manages_bills(self) -> bool {
        self >= Role::Biller
    }

    /// Soft-deletes bags.
    pub fn deletes_bags(self) -> bool {
        self >= Role::Biller
    }

    /// Users, formats, areas, bill deletion, audit log, restores.
    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_follows_the_role_order() {
        assert!(!Role::Dispatcher.manages_bills() && !Role::Dispatcher.sees_all_areas());
        assert!(Role::Biller.manages_bills() && Role::Biller.deletes_bags() && !Role::Biller.is_admin());
        assert!(Role::Admin.is_admin() && Role::Admin.manages_bills());
        for r in [Role::Dispatcher, Role::Biller, Role::Admin] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
