//! Authentication: passwords, tokens, sessions and the request's user.

pub mod api_key;
pub mod extract;
pub mod jwt;
pub mod password;
pub mod session_cache;
pub mod totp;

pub use extract::{Ctx, CurrentUser};
