//! Promotion requests (docs/domain.md §5): one pending request per user.

use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;

use tracetrack_api_types::{PromotionStatus, Role};

use crate::schema::{app_user, promotion_request};

/// A stored request with the requester's username; the columns come from the
/// struct itself (`Selectable`), so the select list is written once.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = promotion_request, check_for_backend(diesel::pg::Pg))]
pub struct PromotionRow {
    pub id: i64,
    pub user_id: i64,
    #[diesel(select_expression = app_user::username)]
    pub username: String,
    pub from_role: Role,
    pub requested_role: Role,
    pub reason: String,
    pub status: PromotionStatus,
    pub decided_by: Option<i64>,
    pub decision_note: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Files a request; `None` when the user already has a pending one.
pub fn insert(
    conn: &mut PgConnection,
    user: i64,
    from_role: Role,
    requested_role: Role,
    reason: &str,
) -> QueryResult<Option<i64>> {
    diesel::insert_into(promotion_request::table)
        .values((
            promotion_request::user_id.eq(user),
            promotion_request::from_role.eq(from_role),
            promotion_request::requested_role.eq(requested_role),
            promotion_request::reason.eq(reason),
        ))
        .on_conflict_do_nothing()
        .returning(promotion_request::id)
        .get_result(conn)
        .optional()
}

/// One request.
pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<PromotionRow>> {
    promotion_request::table
        .inner_join(app_user::table.on(app_user::id.eq(promotion_request::user_id)))
        .filter(promotion_request::id.eq(id))
        .select(PromotionRow::as_select())
        .first(conn)
        .optional()
}

/// One page, newest first (`limit + 1` rows); `user` limits it to one requester.
pub fn list(
    conn: &mut PgConnection,
    user: Option<i64>,
    status: Option<PromotionStatus>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<PromotionRow>> {
    let mut q = promotion_request::table
        .inner_join(app_user::table.on(app_user::id.eq(promotion_request::user_id)))
        .select(PromotionRow::as_select())
        .into_boxed();
    if let Some(user) = user {
        q = q.filter(promotion_request::user_id.eq(user));
    }
    if let Some(status) = status {
        q = q.filter(promotion_request::status.eq(status));
    }
    if let Some(before) = before {
        q = q.filter(promotion_request::id.lt(before));
    }
    q.order(promotion_request::id.desc()).limit(limit + 1).load(conn)
}

/// Decides a pending request; `false` when it was decided already (or meanwhile).
pub fn decide(
    conn: &mut PgConnection,
    id: i64,
    status: PromotionStatus,
    by: i64,
    note: Option<&str>,
) -> QueryResult<bool> {
    let changed = diesel::update(
        promotion_request::table
            .filter(promotion_request::id.eq(id))
            .filter(promotion_request::status.eq(PromotionStatus::Pending)),
    )
    .set((
        promotion_request::status.eq(status),
        promotion_request::decided_by.eq(by),
        promotion_request::decision_note.eq(note),
        promotion_request::decided_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
