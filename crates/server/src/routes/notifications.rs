//! `/api/v1/notifications`: each user's own notifications (docs/domain.md §8).

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use tracetrack_api_types::notifications::{Notification, NotificationPage};
use tracetrack_api_types::Problem;
use tracetrack_db::notifications::{self, NotificationRow};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::common::{decode_id_cursor, id_key, limit, page};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use tracetrack_api_types::ErrorCode;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_notifications).service(read_all).service(read_one);
}

fn view(n: NotificationRow) -> Notification {
    Notification {
        id: n.id,
        level: n.level,
        title: n.title,
        message: n.message,
        link: n.link,
        read: n.read_at.is_some(),
        created_at: n.created_at,
    }
}

/// Filters of the notification list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread ones.
    unread: Option<bool>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// From the previous page.
    cursor: Option<String>,
}

/// Your notifications, newest first, with the unread count.
#[utoipa::path(
    tag = "notifications",
    params(NotificationQuery),
    responses((status = 200, body = NotificationPage)),
    security(("bearer" = []))
)]
#[get("")]
async fn list_notifications(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<NotificationQuery>,
) -> ApiResult<web::Json<NotificationPage>> {
    let q = q.into_inner();
    let limit = limit(q.limit)?;
    let before = decode_id_cursor(q.cursor.as_deref())?;
    let unread_only = q.unread.unwrap_or(false);
    let (rows, unread_count) = state
        .db(move |c| {
            let rows = notifications::list(c, user.id, unread_only, before, limit)?;
            Ok((rows, notifications::unread_count(c, user.id)?))
        })
        .await?;
    let page = page(rows, limit, |n| id_key(n.id), view);
    Ok(web::Json(NotificationPage {
        items: page.items,
        next_cursor: page.next_cursor,
        unread_count,
    }))
}

/// Mark one of your notifications read.
#[utoipa::path(
    operation_id = "mark_notification_read",
    tag = "notifications",
    params(("id" = i64, Path, description = "Notification id")),
    responses((status = 204, description = "read"), (status = 404, description = "not_found (or not yours)", body = Problem)),
    security(("bearer" = []))
)]
#[post("/{id}/read")]
async fn read_one(state: web::Data<AppState>, user: CurrentUser, path: web::Path<i64>) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    state
        .db(move |c| {
            notifications::mark_read(c, user.id, id)?
                .ok_or_else(|| ApiError::not_found(ErrorCode::NotFound, format!("Notification {id} does not exist.")))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Mark all your notifications read.
#[utoipa::path(
    operation_id = "mark_all_notifications_read",
    tag = "notifications",
    responses((status = 204, description = "all read")),
    security(("bearer" = []))
)]
#[post("/read-all")]
async fn read_all(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    state.db(move |c| Ok(notifications::mark_all_read(c, user.id)?)).await?;
    Ok(HttpResponse::NoContent().finish())
}
