//! One module per page.

pub mod admin;
pub mod bags;
pub mod bills;
pub mod guard;
pub mod home;
pub mod login;
pub mod not_found;
pub mod notifications;
pub mod profile;
pub mod scanner_test;
pub mod server_error;
pub mod station;
