//! Names of the API's enums in the active language's words.

use tracetrack_api_types::webhooks::DeliveryStatus;
use tracetrack_api_types::{BagRole, ImportKind, ImportMode, ImportState};

use super::Strings;

impl Strings {
    /// The name of a bag role.
    pub fn bag_role(&self, role: BagRole) -> &'static str {
        match role {
            BagRole::Parent => self.parent,
            BagRole::Child => self.child,
        }
    }

    /// What an import file's layout is.
    pub fn import_kind(&self, kind: ImportKind) -> &'static str {
        match kind {
            ImportKind::Bags => self.kind_bags,
            ImportKind::Bills => self.kind_bills,
            ImportKind::BatchSheet => self.kind_batch_sheet,
        }
    }

    /// What an import does with a row that has a problem.
    pub fn import_mode(&self, mode: ImportMode) -> &'static str {
        match mode {
            ImportMode::AllOrNothing => self.mode_all,
            ImportMode::BestEffort => self.mode_best,
        }
    }

    /// Where a webhook delivery is, in words.
    pub fn delivery_status(&self, status: DeliveryStatus) -> &'static str {
        match status {
            DeliveryStatus::Pending => self.delivery_pending,
            DeliveryStatus::Succeeded => self.delivery_succeeded,
            DeliveryStatus::Failed => self.delivery_failed,
        }
    }

    /// Where an import job is, in words.
    pub fn import_state(&self, state: ImportState) -> &'static str {
        match state {
            ImportState::Queued => self.import_queued,
            ImportState::Running => self.import_running,
            ImportState::Succeeded => self.import_succeeded,
            ImportState::Failed => self.import_failed,
        }
    }
}
