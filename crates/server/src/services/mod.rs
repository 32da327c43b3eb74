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
pub mod service_accounts;
pub mod sessions;
pub mod sign_in;
pub mod stats;
pub mod two_factor;
pub mod users;
pub mod views;
pub mod webhooks;

use crate::auth::{Ctx, CurrentUser};
use crate::config::Config;
use audit::Auditor;

/// Who a service acts for: the signed-in user, and the audit trail of their request.
/// Services that change records take `(conn, &Actor, input)`; scans take the user and
/// the request context, as their scan events record them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: CurrentUser,
    pub audit: Auditor,
}

impl Actor {
    /// The caller of a request.
    pub fn new(ctx: &Ctx, config: &Config) -> Actor {
        Actor {
            user: ctx.user.clone(),
            audit: Auditor::new(ctx, config),
        }
    }

    /// The user's id.
    pub fn id(&self) -> i64 {
        self.user.id
    }
}
