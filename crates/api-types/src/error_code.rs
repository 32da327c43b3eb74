//! Every problem `code` the API answers with, and its title: the one list the
//! server builds errors from, the OpenAPI document lists, and clients match on.

use serde::{Deserialize, Serialize};

macro_rules! error_codes {
    ($($variant:ident = $code:literal: $title:literal,)*) => {
        /// Stable snake_case code of a problem document; clients switch on it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum ErrorCode {
            $(#[doc = $title] $variant,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as it appears on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// A short summary (the problem document's `title`).
            pub fn title(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $title,)*
                }
            }

            /// Parses the wire name.
            pub fn parse(s: &str) -> Option<ErrorCode> {
                match s {
                    $($code => Some(ErrorCode::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

error_codes! {
    ValidationFailed = "validation_failed": "The request has invalid fields",
    MalformedJson = "malformed_json": "The body is not valid JSON",
    PayloadTooLarge = "payload_too_large": "The body is too large",
    UnsupportedMediaType = "unsupported_media_type": "Unsupported media type",
    MethodNotAllowed = "method_not_allowed": "Method not allowed",
    NotFound = "not_found": "Not found",
    InvalidQrId = "invalid_qr_id": "Not a valid bag id",
    WrongRole = "wrong_role": "Wrong kind of bag",
    BagNotFound = "bag_not_found": "Bag not found",
    LinkedElsewhere = "linked_elsewhere": "Bag belongs to another parent",
    ParentFull = "parent_full": "Parent bag is full",
    ParentSealed = "parent_sealed": "Parent bag is sealed",
    ParentBilled = "parent_billed": "Parent bag is on a bill",
    OtherArea = "other_area": "Bag belongs to another dispatch area",
    NotLinked = "not_linked": "Bag is not in a parent",
    NothingToUndo = "nothing_to_undo": "Nothing to undo",
    BagDeleted = "bag_deleted": "Bag was deleted",
    InUse = "in_use": "Bag is in use",
    Duplicate = "duplicate": "Already exists",
    NoDispatchArea = "no_dispatch_area": "No dispatch area assigned",
    IdempotencyKeyReused = "idempotency_key_reused": "Idempotency key reused with another request",
    BillNotFound = "bill_not_found": "Bill not found",
    BillCompleted = "bill_completed": "Bill is completed",
    BillFull = "bill_full": "Bill is full",
    BillIncomplete = "bill_incomplete": "Bill is not full",
    BillNotCompleted = "bill_not_completed": "Bill is not completed",
    AlreadyOnBill = "already_on_bill": "Parent is on another bill",
    NotOnBill = "not_on_bill": "Parent is not on this bill",
    InvalidCredentials = "invalid_credentials": "Wrong username or password",
    AccountLocked = "account_locked": "Account locked",
    UserInactive = "user_inactive": "Account deactivated",
    SessionExpired = "session_expired": "Session expired",
    RefreshReused = "refresh_reused": "Refresh token was already used",
    Unauthorized = "unauthorized": "Sign-in required",
    Forbidden = "forbidden": "Not allowed",
    InvalidApiKey = "invalid_api_key": "The API key is not valid",
    InsufficientScope = "insufficient_scope": "The API key lacks the scope this needs",
    TotpRequired = "totp_required": "Two-factor code required",
    TotpInvalid = "totp_invalid": "Two-factor code is wrong",
    TotpAlreadyEnabled = "totp_already_enabled": "Two-factor sign-in is already on",
    TotpNotSetUp = "totp_not_set_up": "Two-factor sign-in is not set up",
    TotpEnrolmentRequired = "totp_enrolment_required": "Admins must set up two-factor sign-in",
    ResetTokenInvalid = "reset_token_invalid": "Reset link is invalid or expired",
    LastAdmin = "last_admin": "The last active admin must stay",
    SelfChange = "self_change": "Admins cannot change their own role or delete themselves",
    PromotionPending = "promotion_pending": "A promotion request is already pending",
    PromotionDecided = "promotion_decided": "The promotion request was already decided",
    BadFile = "bad_file": "The file cannot be read",
    EmptyFile = "empty_file": "The file has no rows",
    InvalidMultipart = "invalid_multipart": "The upload is not a valid form",
    TooManyRows = "too_many_rows": "The file has too many rows",
    TooManyBills = "too_many_bills": "The file names too many bills",
    InvalidRow = "invalid_row": "The row cannot be read",
    NoParent = "no_parent": "No parent row closes this batch",
    NoParents = "no_parents": "No parents above this bill row",
    RequestFailed = "request_failed": "The request could not be handled",
    RateLimited = "rate_limited": "Too many requests",
    Unavailable = "unavailable": "Service busy",
    InternalError = "internal_error": "Server error",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_title_and_its_own_wire_name() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(!code.title().trim().is_empty(), "{code:?} has no title");
            let wire = serde_json::to_value(code).unwrap();
            assert_eq!(wire, code.as_str(), "{code:?} serialises as its code");
            assert!(
                seen.insert(code.as_str()),
                "two variants serialise as {}",
                code.as_str()
            );
            let back: ErrorCode = serde_json::from_value(wire).unwrap();
            assert_eq!(back, *code);
        }
    }
}
