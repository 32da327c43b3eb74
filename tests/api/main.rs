//! API tests: each test starts the real server with its own database.

mod account;
mod audit;
mod audit_coverage;
mod auth;
mod bags;
mod bills;
mod concurrency;
mod events;
mod exports;
mod imports;
mod limits;
mod lists;
mod mail;
mod matrix;
mod openapi;
mod operations;
mod problems;
mod promotions;
mod reports;
mod scans;
mod sessions;
mod system;
mod tokens;
mod two_factor;
mod users;
mod web_app;
