//! Business operations; each runs inside the caller's transaction.

pub mod accounts;
pub mod audit;
pub mod bags;
pub mod bills;
pub mod exports;
pub mod imports;
pub mod lockout;
pub mod logged;
pub mod mailer;
pub mod promotions;
pub mod reference;
pub mod reports;
pub mod scan;
pub mod scan_request;
pub mod seal;
pub mod sessions;
pub mod sign_in;
pub mod stats;
pub mod two_factor;
pub mod users;
pub mod views;
