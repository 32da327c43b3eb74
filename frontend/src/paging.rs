//! Cursor-paged lists (`{items, next_cursor}`): first page, next page, no overlap.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::de::DeserializeOwned;
use tracetrack_api_types::Page;

use crate::session::Session;

/// The items loaded so far and the cursor of the next page.
pub struct CursorList<T: Send + Sync + 'static> {
    pub items: RwSignal<Vec<T>>,
    pub cursor: RwSignal<Option<String>>,
    loading: RwSignal<bool>,
}

impl<T: Send + Sync + 'static> Clone for CursorList<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for CursorList<T> {}

impl<T: DeserializeOwned + Send + Sync + 'static> CursorList<T> {
    /// An empty list.
    pub fn new() -> Self {
        CursorList {
            items: RwSignal::new(Vec::new()),
            cursor: RwSignal::new(None),
            loading: RwSignal::new(false),
        }
    }

    /// A list whose first page came inside another answer (a bag's detail).
    pub fn seeded(items: Vec<T>, cursor: Option<String>) -> Self {
        CursorList {
            items: RwSignal::new(items),
            cursor: RwSignal::new(cursor),
            loading: RwSignal::new(false),
        }
    }

    /// Loads the first page (`reset`) or the next one from `path` with `params`
    /// (filters, without `limit` and `cursor`). Does nothing while a load runs or
    /// when there is no next page.
    pub fn load(&self, session: Session, path: &str, mut params: Vec<String>, reset: bool) {
        if self.loading.get_untracked() {
            return;
        }
        params.push("limit=50".into());
        if !reset {
            match self.cursor.get_untracked() {
                Some(c) => params.push(format!("cursor={c}")),
                None => return,
            }
        }
        let list = *self;
        let url = format!("{path}?{}", params.join("&"));
        list.loading.set(true);
        spawn_local(async move {
            if let Ok(page) = session.get::<Page<T>>(&url).await {
                list.cursor.set(page.next_cursor);
                list.items.update(|v| {
                    if reset {
                        v.clear();
                    }
                    v.extend(page.items);
                });
            }
            list.loading.set(false);
        });
    }
}
