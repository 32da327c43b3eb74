//! Roles, kinds and states: snake_case text on the wire and in the database, enums
//! everywhere else. The OpenAPI document lists their values (feature `openapi`); the
//! database maps them over `TEXT` columns (feature `diesel`), and a value in a row that
//! no variant names is a read error, never a silent default.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ErrorCode;

/// A text that names no variant of the enum it was parsed as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// The enum's name.
    pub kind: &'static str,
    /// The text that was given.
    pub value: String,
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a {}", self.value, self.kind)
    }
}

impl std::error::Error for UnknownValue {}

/// What every text-backed enum offers, for code generic over them (query parameters).
pub trait TextEnum: Copy + 'static {
    /// Every value, in declaration order.
    const ALL: &'static [Self];
    /// The wire and database name.
    fn as_str(self) -> &'static str;
    /// Parses the wire and database name.
    fn parse(s: &str) -> Option<Self>;
    /// The names, comma-separated, for messages.
    fn names() -> String {
        Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
    }
}

/// Text-backed enum: `as_str`/`parse`, `Display`/`FromStr`, serde, utoipa and diesel.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
        #[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The wire and database name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// Parses the wire and database name.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        // Reads the name with surrounding blanks ignored, as the server always has.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
                let text = text.trim();
                $name::parse(text).ok_or_else(|| serde::de::Error::unknown_variant(text, &[$($text,)*]))
            }
        }

        impl TextEnum for $name {
            const ALL: &'static [$name] = $name::ALL;

            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }

            fn parse(s: &str) -> Option<$name> {
                $name::parse(s)
            }
        }

        text_traits!($name);
    };
}

pub(crate) use text_enum;

/// `Display`, `FromStr` and the diesel mapping, for any type with `as_str` and `parse`.
macro_rules! text_traits {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;

            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                $name::parse(s).ok_or_else(|| UnknownValue {
                    kind: stringify!($name),
                    value: s.to_string(),
                })
            }
        }

        #[cfg(feature = "diesel")]
        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                use std::io::Write;
                out.write_all(self.as_str().as_bytes())?;
                Ok(diesel::serialize::IsNull::No)
            }
        }

        #[cfg(feature = "diesel")]
        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                Ok(std::str::from_utf8(bytes.as_bytes())?.parse::<$name>()?)
            }
        }
    };
}

pub(crate) use text_traits;

text_enum! {
    /// A user's role; each role includes the powers of those below it.
    Role {
        /// Scans bags in one dispatch area.
        Dispatcher = "dispatcher",
        /// Also manages bills and deletes bags.
        Biller = "biller",
        /// Runs everything.
        Admin = "admin",
    }
}

impl Role {
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

text_enum! {
    /// Whether a bag is a sack of bags or a bag in a sack.
    BagRole {
        /// A sack that holds `capacity` children.
        Parent = "parent",
        /// A small bag packed into a parent.
        Child = "child",
    }
}

text_enum! {
    /// Status of a parent bag.
    ParentStatus {
        /// Has room.
        Open = "open",
        /// `child_count` = `capacity`.
        Filled = "filled",
        /// Closed by a worker, possibly short.
        Sealed = "sealed",
        /// On a bill.
        Billed = "billed",
    }
}

text_enum! {
    /// Status of a child bag.
    ChildStatus {
        /// In a parent.
        Linked = "linked",
        /// In no parent.
        Unlinked = "unlinked",
    }
}

/// A bag's status: a parent status for parents, a child status for children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum BagStatus {
    /// Status of a parent bag.
    Parent(ParentStatus),
    /// Status of a child bag.
    Child(ChildStatus),
}

impl BagStatus {
    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            BagStatus::Parent(s) => s.as_str(),
            BagStatus::Child(s) => s.as_str(),
        }
    }

    /// Parses the wire and database name.
    pub fn parse(s: &str) -> Option<BagStatus> {
        ParentStatus::parse(s)
            .map(BagStatus::Parent)
            .or_else(|| ChildStatus::parse(s).map(BagStatus::Child))
    }

    /// The role of a bag with this status.
    pub fn role(self) -> BagRole {
        match self {
            BagStatus::Parent(_) => BagRole::Parent,
            BagStatus::Child(_) => BagRole::Child,
        }
    }

    /// The parent status, when this is a parent's.
    pub fn parent(self) -> Option<ParentStatus> {
        match self {
            BagStatus::Parent(s) => Some(s),
            BagStatus::Child(_) => None,
        }
    }
}

impl TextEnum for BagStatus {
    const ALL: &'static [BagStatus] = &[
        BagStatus::Parent(ParentStatus::Open),
        BagStatus::Parent(ParentStatus::Filled),
        BagStatus::Parent(ParentStatus::Sealed),
        BagStatus::Parent(ParentStatus::Billed),
        BagStatus::Child(ChildStatus::Linked),
        BagStatus::Child(ChildStatus::Unlinked),
    ];

    fn as_str(self) -> &'static str {
        BagStatus::as_str(self)
    }

    fn parse(s: &str) -> Option<BagStatus> {
        BagStatus::parse(s)
    }
}

impl From<ParentStatus> for BagStatus {
    fn from(s: ParentStatus) -> BagStatus {
        BagStatus::Parent(s)
    }
}

impl From<ChildStatus> for BagStatus {
    fn from(s: ChildStatus) -> BagStatus {
        BagStatus::Child(s)
    }
}

text_traits!(BagStatus);

text_enum! {
    /// Status of a bill.
    BillStatus {
        /// No parents yet.
        New = "new",
        /// At least one parent.
        Processing = "processing",
        /// Closed; read-only until reopened.
        Completed = "completed",
    }
}

text_enum! {
    /// What a scan event recorded.
    ScanKind {
        /// A parent was scanned (created or found).
        Parent = "parent",
        /// A child was scanned into a parent.
        Child = "child",
        /// A child was taken out of its parent.
        Unlink = "unlink",
        /// The user's last link was undone.
        Undo = "undo",
        /// A parent was sealed.
        Seal = "seal",
        /// A parent was unsealed.
        Unseal = "unseal",
        /// A parent was put on a bill.
        BillAdd = "bill_add",
        /// A parent was taken off a bill.
        BillRemove = "bill_remove",
    }
}

text_enum! {
    /// What an accepted scan did.
    ScanOutcome {
        /// A new parent bag.
        Created = "created",
        /// The parent already existed.
        Existing = "existing",
        /// The child is now in the parent.
        Linked = "linked",
        /// The child was already in this parent; nothing changed.
        AlreadyLinked = "already_linked",
        /// The child left its parent.
        Unlinked = "unlinked",
        /// The parent was sealed.
        Sealed = "sealed",
        /// The parent was unsealed.
        Unsealed = "unsealed",
        /// The parent already had the requested seal state.
        Unchanged = "unchanged",
        /// The parent was put on the bill.
        Added = "added",
        /// The parent was already on this bill; nothing changed.
        AlreadyOnBill = "already_on_bill",
        /// The parent was taken off the bill.
        Removed = "removed",
    }
}

/// The outcome of a recorded scan event: what it did, or the code it was refused with.
/// On the wire both are the bare snake_case text; the event's `refused` flag tells them
/// apart (`already_on_bill` is both a no-op bill scan and a refusal code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EventOutcome {
    /// The scan was applied.
    Applied(ScanOutcome),
    /// The scan was refused with this problem code.
    Refused(ErrorCode),
}

// `anyOf`, not the derived `oneOf`: `already_on_bill` is in both lists.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for EventOutcome {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AnyOfBuilder, Ref};
        AnyOfBuilder::new()
            .item(Ref::from_schema_name("ScanOutcome"))
            .item(Ref::from_schema_name("ErrorCode"))
            .description(Some(
                "What the scan did (`ScanOutcome`), or the problem code it was refused with \
                 (`ErrorCode`); the event's `refused` flag tells which.",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for EventOutcome {
    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        use utoipa::PartialSchema;
        schemas.push(("ScanOutcome".into(), ScanOutcome::schema()));
        schemas.push(("ErrorCode".into(), ErrorCode::schema()));
    }
}

impl EventOutcome {
    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventOutcome::Applied(o) => o.as_str(),
            EventOutcome::Refused(c) => c.as_str(),
        }
    }

    /// Whether the scan was refused.
    pub fn is_refused(self) -> bool {
        matches!(self, EventOutcome::Refused(_))
    }

    /// Reads a stored outcome; `refused` says which list `text` names a value of.
    pub fn read(refused: bool, text: &str) -> Result<EventOutcome, UnknownValue> {
        let found = if refused {
            ErrorCode::parse(text).map(EventOutcome::Refused)
        } else {
            ScanOutcome::parse(text).map(EventOutcome::Applied)
        };
        found.ok_or_else(|| UnknownValue {
            kind: "EventOutcome",
            value: text.to_string(),
        })
    }
}

impl From<ScanOutcome> for EventOutcome {
    fn from(o: ScanOutcome) -> EventOutcome {
        EventOutcome::Applied(o)
    }
}

impl From<ErrorCode> for EventOutcome {
    fn from(c: ErrorCode) -> EventOutcome {
        EventOutcome::Refused(c)
    }
}

impl fmt::Display for EventOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

text_enum! {
    /// What an import file holds.
    ImportKind {
        /// Parent and child bags with their links.
        Bags = "bags",
        /// Bills and the parents on them.
        Bills = "bills",
        /// A batch sheet of parents and children.
        BatchSheet = "batch_sheet",
    }
}

text_enum! {
    /// Where an import job is.
    ImportState {
        /// Waiting for a worker.
        Queued = "queued",
        /// Being applied.
        Running = "running",
        /// Finished; some or all rows applied.
        Succeeded = "succeeded",
        /// Finished without applying rows, or stopped.
        Failed = "failed",
    }
}

text_enum! {
    /// What an import does when a row is refused.
    ImportMode {
        /// One refused row rolls every row back.
        AllOrNothing = "all_or_nothing",
        /// Refused rows are reported; the others are kept.
        BestEffort = "best_effort",
    }
}

text_enum! {
    /// Where a request for a higher role is.
    PromotionStatus {
        /// Waiting for an admin.
        Pending = "pending",
        /// Granted; the role changed.
        Approved = "approved",
        /// Turned down.
        Rejected = "rejected",
    }
}

text_enum! {
    /// What one event of `POST /scans/batch` is.
    BatchKind {
        /// A parent scan (`POST /scans/parent`).
        Parent = "parent",
        /// A child scan into `parent_qr_id` (`POST /scans/child`).
        Child = "child",
        /// A child taken out of its parent (`POST /scans/unlink`).
        Unlink = "unlink",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T>(all: &[T])
    where
        T: Copy + PartialEq + fmt::Debug + fmt::Display + FromStr + Serialize + serde::de::DeserializeOwned,
    {
        let mut seen = std::collections::HashSet::new();
        for v in all {
            let text = v.to_string();
            assert!(seen.insert(text.clone()), "{text} named twice");
            assert_eq!(serde_json::to_string(v).unwrap(), format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<T>(&format!("\"{text}\"")).unwrap(), *v);
            assert!(text.parse::<T>().ok() == Some(*v));
        }
    }

    #[test]
    fn wire_names_equal_database_names_and_are_distinct() {
        round_trips(Role::ALL);
        round_trips(BagRole::ALL);
        round_trips(ParentStatus::ALL);
        round_trips(ChildStatus::ALL);
        round_trips(BillStatus::ALL);
        round_trips(ScanKind::ALL);
        round_trips(ScanOutcome::ALL);
        round_trips(ImportKind::ALL);
        round_trips(ImportState::ALL);
        round_trips(ImportMode::ALL);
        round_trips(PromotionStatus::ALL);
        round_trips(BatchKind::ALL);
        round_trips(crate::ExportFormat::ALL);
        round_trips(crate::NotificationLevel::ALL);
        round_trips(crate::ReportFormat::ALL);
        let bag: Vec<BagStatus> = ParentStatus::ALL
            .iter()
            .map(|&s| s.into())
            .chain(ChildStatus::ALL.iter().map(|&s| s.into()))
            .collect();
        assert_eq!(bag, <BagStatus as TextEnum>::ALL);
        round_trips(&bag);
        for &o in ScanOutcome::ALL {
            assert_eq!(EventOutcome::read(false, o.as_str()), Ok(EventOutcome::Applied(o)));
        }
        for &c in ErrorCode::ALL {
            assert_eq!(EventOutcome::read(true, c.as_str()), Ok(EventOutcome::Refused(c)));
            assert_eq!(serde_json::to_value(EventOutcome::from(c)).unwrap(), c.as_str());
        }
        assert!(EventOutcome::read(false, "bag_not_found").is_err());
    }

    #[test]
    fn unknown_text_is_an_error_not_a_default() {
        assert_eq!(
            "opne".parse::<ParentStatus>(),
            Err(UnknownValue {
                kind: "ParentStatus",
                value: "opne".into()
            })
        );
        assert!(serde_json::from_str::<Role>("\"root\"").is_err());
        assert_eq!(
            serde_json::from_str::<Role>("\" biller \"").unwrap(),
            Role::Biller,
            "blanks are ignored"
        );
        assert!(
            serde_json::from_str::<Role>("\"Biller\"").is_err(),
            "names are exact otherwise"
        );
        assert!(BagStatus::parse("new").is_none());
    }

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(!Role::Dispatcher.manages_bills() && !Role::Dispatcher.sees_all_areas());
        assert!(Role::Biller.manages_bills() && Role::Biller.deletes_bags() && !Role::Biller.is_admin());
        assert!(Role::Admin.is_admin() && Role::Admin.manages_bills());
    }
}
