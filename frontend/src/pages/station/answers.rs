//! Showing what the server said about a scan, live or replayed from the queue.

use leptos::prelude::*;
use serde_json::Value;
use tracetrack_api_types::scans::{BatchEvent, ParentView, ScanChildResponse, ScanParentResponse, UnlinkResponse};
use tracetrack_api_types::{BatchKind, ParentStatus, ScanOutcome};

use super::controller::Station;
use crate::i18n::T;

impl Station {
    /// Shows a scan the server applied (a live answer, or one from a replay: that
    /// one describes the bag as at the scan's first commit, so no count is shown
    /// from it; the replay re-reads the parent when it ends).
    pub(super) fn applied(&self, event: &BatchEvent, body: Value, replayed: bool) {
        let current = self.parent.get_untracked().map(|p| p.qr_id);
        match event.kind {
            BatchKind::Parent => match serde_json::from_value::<ScanParentResponse>(body) {
                Ok(r) if current.as_deref() == Some(r.parent.qr_id.as_str()) => self.parent_opened(r.parent),
                Ok(_) => {}
                Err(_) => self.error(T.unexpected_answer),
            },
            BatchKind::Unlink => match serde_json::from_value::<UnlinkResponse>(body) {
                Ok(r)
                    if current.as_deref() == Some(r.parent.qr_id.as_str())
                        && matches!(r.parent.status, ParentStatus::Open) =>
                {
                    self.set_parent(Some(r.parent))
                }
                Ok(_) => {}
                Err(_) => self.error(T.unexpected_answer),
            },
            BatchKind::Child => match serde_json::from_value::<ScanChildResponse>(body) {
                Ok(r) => self.child_linked(r, replayed),
                Err(_) => self.error(T.unexpected_answer),
            },
        }
    }

    fn parent_opened(&self, parent: ParentView) {
        if parent.remaining <= 0 || !matches!(parent.status, ParentStatus::Open) {
            self.set_parent(None);
            self.error(format!(
                "{} {} ({}/{})",
                parent.qr_id, T.takes_no_more, parent.child_count, parent.capacity
            ));
            return;
        }
        self.say(format!("{} · {}", parent.qr_id, T.scan_children), true);
        self.set_parent(Some(parent));
    }

    fn child_linked(&self, r: ScanChildResponse, replayed: bool) {
        let already = matches!(r.outcome, ScanOutcome::AlreadyLinked);
        let text = if already {
            format!("{} {} {}", r.child.qr_id, T.already_in, r.parent.qr_id)
        } else if replayed {
            format!("{} → {} ✓ {}", r.child.qr_id, r.parent.qr_id, T.sent_later)
        } else {
            format!("{} ✓ {}/{}", r.child.qr_id, r.parent.child_count, r.parent.capacity)
        };
        self.push_line(text.clone(), true);
        self.say(text, true);
        let current = self.parent.get_untracked().map(|p| p.qr_id);
        if current.as_deref() == Some(r.parent.qr_id.as_str()) {
            if r.parent.remaining <= 0 {
                self.set_parent(None);
                self.say(
                    format!(
                        "{} {} {}/{}",
                        r.parent.qr_id, T.is_full, r.parent.child_count, r.parent.capacity
                    ),
                    true,
                );
            } else if !replayed {
                self.set_parent(Some(r.parent));
            }
        }
    }
}
