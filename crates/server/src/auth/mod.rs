//! Authentication: passwords, tokens, sessions and the request's user.

pub mod extract;
pub mod jwt;
pub mod password;
pub mod totp;

pub use extract::{Ctx, CurrentUser};
