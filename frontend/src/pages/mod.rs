//! One module per page. The floor app (default build: sign-in, dashboard, station, scanner test,
//! notifications) is what a worker's phone loads first; the office pages are in
//! the `office` build only, served for their paths (`tracetrack_domain::web`).

#[cfg(feature = "office")]
pub mod admin;
#[cfg(feature = "office")]
pub mod bags;
#[cfg(feature = "office")]
pub mod bills;
pub mod guard;
pub mod home;
pub mod login;
pub mod not_found;
pub mod notifications;
#[cfg(feature = "office")]
pub mod profile;
pub mod scanner_test;
pub mod server_error;
pub mod station;
