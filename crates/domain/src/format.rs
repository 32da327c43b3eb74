//! Bag formats are data (docs/domain.md §1): this module classifies ids against them.

use regex_lite::Regex;
use serde::{Deserialize, Serialize};
use tracetrack_api_types::BagRole;

/// One active format as stored in `bag_format`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormatSpec {
    /// Stable code, e.g. `SB`.
    pub code: String,
    /// Parent or child.
    pub role: BagRole,
    /// Regular expression the normalised id must match.
    pub pattern: String,
    /// Children per parent (parents only).
    pub capacity: Option<i32>,
    /// Weight of one child in grams (parents only).
    pub child_weight_g: Option<i32>,
}

/// What a normalised id is, according to the active formats.
#[derive(Debug, Clone, PartialEq)]
pub enum Classification<'a> {
    /// Matches a parent format (parent formats are tried first).
    Parent(&'a FormatSpec),
    /// Matches no parent format but a child format.
    Child(&'a FormatSpec),
    /// Matches nothing.
    Unknown,
}

/// The active formats with their compiled patterns.
#[derive(Debug, Clone, Default)]
pub struct FormatSet {
    formats: Vec<(FormatSpec, Regex)>,
}

/// Checks that a pattern compiles; used when admins add or edit formats.
pub fn validate_pattern(pattern: &str) -> Result<(), String> {
    Regex::new(pattern).map(|_| ()).map_err(|e| e.to_string())
}

impl FormatSet {
    /// Compiles the given formats; a pattern that does not compile is skipped
    /// (patterns are validated when they are saved, so this only guards old data).
    pub fn new(specs: Vec<FormatSpec>) -> FormatSet {
        let formats = specs
            .into_iter()
            .filter_map(|spec| Regex::new(&spec.pattern).ok().map(|re| (spec, re)))
            .collect();
        FormatSet { formats }
    }

    /// The formats, in their stored order.
    pub fn specs(&self) -> impl Iterator<Item = &FormatSpec> {
        self.formats.iter().map(|(s, _)| s)
    }

    /// Finds a format by code.
    pub fn get(&self, code: &str) -> Option<&FormatSpec> {
        self.specs().find(|s| s.code == code)
    }

    /// Classifies a normalised id: parent formats first, then child formats.
    pub fn classify(&self, qr_id: &str) -> Classification<'_> {
        let find = |role| {
            self.formats
                .iter()
                .find(|(s, re)| s.role == role && re.is_match(qr_id))
                .map(|(s, _)| s)
        };
        if let Some(spec) = find(BagRole::Parent) {
            Classification::Parent(spec)
        } else if let Some(spec) = find(BagRole::Child) {
            Classification::Child(spec)
        } else {
            Classification::Unknown
        }
    }

    /// Human-readable list of accepted formats, for error messages.
    pub fn accepted(&self) -> Vec<String> {
        self.specs()
            .map(|s| format!("{} ({}): {}", s.code, s.role.as_str(), s.pattern))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> FormatSet {
        let spec = |code: &str, role, pattern: &str, capacity| FormatSpec {
            code: code.into(),
            role,
            pattern: pattern.into(),
            capacity,
            child_weight_g: capacity.map(|_| 1000),
        };
        FormatSet::new(vec![
            spec("SB", BagRole::Parent, r"^SB\d{5}$", Some(30)),
            spec("M444", BagRole::Parent, r"^M444-\d{5}$", Some(15)),
            spec("CHILD", BagRole::Child, r"^[A-Z0-9]{4,20}$", None),
        ])
    }

    #[test]
    fn parent_formats_win_over_child_formats() {
        let set = defaults();
        assert!(matches!(set.classify("SB12345"), Classification::Parent(s) if s.code == "SB"));
        assert!(matches!(set.classify("M444-00017"), Classification::Parent(s) if s.capacity == Some(15)));
        assert!(matches!(set.classify("0016586"), Classification::Child(s) if s.code == "CHILD"));
        assert_eq!(set.classify("BAD-ID!"), Classification::Unknown);
        assert_eq!(set.accepted().len(), 3);
    }

    #[test]
    fn invalid_patterns_are_reported() {
        assert!(validate_pattern("^SB(").is_err());
        assert!(validate_pattern(r"^X\d+$").is_ok());
    }
}
