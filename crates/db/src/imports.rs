//! Import jobs: the row per uploaded file, its progress and its row errors.

use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;
use tracetrack_api_types::{ImportKind, ImportMode, ImportState};

use crate::schema::{app_user, import_error, import_job};

/// Row errors kept per import; `error_rows` counts them all.
pub const MAX_STORED_ERRORS: i64 = 1_000;

/// An import job with its starter's name.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = import_job)]
pub struct ImportRow {
    pub id: i64,
    pub kind: ImportKind,
    pub mode: ImportMode,
    pub filename: String,
    pub status: ImportState,
    pub total_rows: i32,
    pub processed_rows: i32,
    pub applied_rows: i32,
    pub error_rows: i32,
    pub message: Option<String>,
    pub created_by: Option<i64>,
    #[diesel(select_expression = app_user::username.nullable())]
    #[diesel(select_expression_type = diesel::dsl::Nullable<app_user::username>)]
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A row that could not be applied.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = import_error)]
pub struct ImportErrorRow {
    pub row_number: i32,
    pub code: String,
    pub message: String,
}

/// Records a new job (status `queued`); returns its id.
pub fn insert(
    c: &mut PgConnection,
    kind: ImportKind,
    mode: ImportMode,
    filename: &str,
    total: i32,
    by: i64,
) -> QueryResult<i64> {
    diesel::insert_into(import_job::table)
        .values((
            import_job::kind.eq(kind),
            import_job::mode.eq(mode),
            import_job::filename.eq(filename),
            import_job::total_rows.eq(total),
            import_job::created_by.eq(by),
        ))
        .returning(import_job::id)
        .get_result(c)
}

/// One job.
pub fn find(c: &mut PgConnection, id: i64) -> QueryResult<Option<ImportRow>> {
    import_job::table
        .left_join(app_user::table)
        .filter(import_job::id.eq(id))
        .select(ImportRow::as_select())
        .first(c)
        .optional()
}

/// Jobs newest first, before id `before` (`limit` rows).
pub fn list(c: &mut PgConnection, before: Option<i64>, limit: i64) -> QueryResult<Vec<ImportRow>> {
    let mut q = import_job::table
        .left_join(app_user::table)
        .select(ImportRow::as_select())
        .order(import_job::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(import_job::id.lt(b));
    }
    q.load(c)
}

/// The stored row errors of a job, in row order.
pub fn errors(c: &mut PgConnection, id: i64) -> QueryResult<Vec<ImportErrorRow>> {
    import_error::table
        .filter(import_error::import_id.eq(id))
        .select(ImportErrorRow::as_select())
        .order(import_error::row_number)
        .limit(MAX_STORED_ERRORS)
        .load(c)
}

/// Progress so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub processed: i32,
    pub applied: i32,
    pub errors: i32,
}

/// Marks the job running (or still running) with its progress; also the heartbeat
/// that tells a live job from one whose instance died.
pub fn set_progress(c: &mut PgConnection, id: i64, p: Progress) -> QueryResult<usize> {
    diesel::update(import_job::table.find(id))
        .set((
            import_job::status.eq(ImportState::Running),
            import_job::processed_rows.eq(p.processed),
            import_job::applied_rows.eq(p.applied),
            import_job::error_rows.eq(p.errors),
            import_job::updated_at.eq(now),
        ))
        .execute(c)
}

/// Stores row errors (the first [`MAX_STORED_ERRORS`] of a job).
pub fn add_errors(c: &mut PgConnection, id: i64, rows: &[(i32, String, String)]) -> QueryResult<usize> {
    let stored: i64 = import_error::table
        .filter(import_error::import_id.eq(id))
        .count()
        .get_result(c)?;
    let room = (MAX_STORED_ERRORS - stored).max(0) as usize;
    let values: Vec<_> = rows
        .iter()
        .take(room)
        .map(|(row, code, message)| {
            (
                import_error::import_id.eq(id),
                import_error::row_number.eq(row),
                import_error::code.eq(code),
                import_error::message.eq(message),
            )
        })
        .collect();
    diesel::insert_into(import_error::table)
        .values(values)
        .on_conflict_do_nothing()
        .execute(c)
}

/// Ends the job with `status` (`succeeded` or `failed`).
pub fn finish(c: &mut PgConnection, id: i64, status: ImportState, p: Progress, message: &str) -> QueryResult<usize> {
    diesel::update(import_job::table.find(id))
        .set((
            import_job::status.eq(status),
            import_job::processed_rows.eq(p.processed),
            import_job::applied_rows.eq(p.applied),
            import_job::error_rows.eq(p.errors),
            import_job::message.eq(message),
            import_job::updated_at.eq(now),
            import_job::finished_at.eq(now),
        ))
        .execute(c)
}

/// Fails unfinished jobs silent since `before` (their instance stopped); returns
/// how many.
pub fn fail_stale(c: &mut PgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        import_job::table
            .filter(import_job::finished_at.is_null())
            .filter(import_job::updated_at.lt(before)),
    )
    .set((
        import_job::status.eq(ImportState::Failed),
        import_job::message.eq("Interrupted: the server stopped while importing. Start the import again."),
        import_job::finished_at.eq(now),
    ))
    .execute(c)
}
