//! Pure domain rules of TraceTrack. No IO lives here: the server and the web app
//! compile this same code, so a code the station rejects is one the server rejects.

pub mod api_key;
pub mod bill;
pub mod epcis;
pub mod format;
pub mod parent;
pub mod qr;
pub mod scanner;
pub mod visibility;
pub mod web;

pub use format::{Classification, FormatSet, FormatSpec};
pub use qr::{normalize_qr, QrError, MAX_QR_LEN, MIN_QR_LEN};
