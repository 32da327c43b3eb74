//! Queued scans the server refused for good: kept (also across a reload) and
//! shown with their reason until the worker dismisses them.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::controller::{storage, Station};
use crate::feedback::Signal;
use crate::i18n::T;

/// The refused list, per user.
fn refused_key(user: Option<i64>) -> String {
    format!("tt_station_refused:{}", user.unwrap_or_default())
}

/// A queued scan the server refused for good.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refused {
    pub key: String,
    pub qr_id: String,
    pub parent_qr_id: Option<String>,
    pub code: String,
    pub detail: String,
}

impl Refused {
    /// The refusal of a queued scan.
    pub fn of(event: &tracetrack_api_types::scans::BatchEvent, code: String, detail: String) -> Refused {
        Refused {
            key: event.idempotency_key.clone(),
            qr_id: event.qr_id.clone(),
            parent_qr_id: event.parent_qr_id.clone(),
            code,
            detail,
        }
    }

    /// "Not saved: C1 → SB00042 — SB00042 already holds 30 of 30 bags (parent_full)".
    pub fn text(&self) -> String {
        let bag = match &self.parent_qr_id {
            Some(p) => format!("{} → {p}", self.qr_id),
            None => self.qr_id.clone(),
        };
        format!("{} {bag} — {} ({})", T.replay_failed, self.detail, self.code)
    }
}

/// `user`'s refused list kept from before a reload.
pub(super) fn load_refused(user: Option<i64>) -> Vec<Refused> {
    storage()
        .and_then(|s| s.get_item(&refused_key(user)).ok().flatten())
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default()
}

fn save_refused(user: Option<i64>, list: &[Refused]) {
    if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(list)) {
        let key = refused_key(user);
        let _ = if list.is_empty() {
            s.remove_item(&key)
        } else {
            s.set_item(&key, &json)
        };
    }
}

impl Station {
    /// Lists `user`'s refused scans (once each) and says so, with the error signal;
    /// another user's are kept for them, unseen.
    pub(super) fn add_refused(&self, user: Option<i64>, items: Vec<Refused>) {
        if user.is_some() && user != self.shown_for.get_value() {
            let mut list = load_refused(user);
            for r in items {
                if !list.iter().any(|x| x.key == r.key) {
                    list.push(r);
                }
            }
            return save_refused(user, &list);
        }
        self.signal(Signal::Error);
        for r in &items {
            self.push_line(r.text(), false);
        }
        if let Some(last) = items.last() {
            self.say(last.text(), false);
        }
        self.refused.update(|list| {
            for r in items {
                if !list.iter().any(|x| x.key == r.key) {
                    list.push(r);
                }
            }
        });
        self.refused
            .with_untracked(|l| save_refused(self.shown_for.get_value(), l));
    }

    /// The worker has seen a refused scan.
    pub fn dismiss(&self, key: &str) {
        self.refused.update(|l| l.retain(|r| r.key != key));
        self.refused
            .with_untracked(|l| save_refused(self.shown_for.get_value(), l));
    }
}

/// Queued scans the server refused for good, each with its reason, until dismissed.
#[component]
pub(super) fn RefusedList(st: Station) -> impl IntoView {
    view! {
        <Show when=move || st.refused.with(|r| !r.is_empty())>
            <section class="refused" data-testid="refused" role="alert">
                <h2>{T.refused_title}</h2>
                <ul>
                    <For
                        each=move || st.refused.get()
                        key=|r: &Refused| r.key.clone()
                        children=move |r: Refused| {
                            let key = r.key.clone();
                            view! {
                                <li>
                                    <span>{r.text()}</span>
                                    <button
                                        aria-label=format!("{} {}", T.dismiss, r.qr_id)
                                        on:click=move |_| st.dismiss(&key)
                                    >{T.dismiss}</button>
                                </li>
                            }
                        }
                    />
                </ul>
            </section>
        </Show>
    }
}
