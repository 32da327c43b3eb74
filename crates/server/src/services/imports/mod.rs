//! Import jobs (docs/domain.md §9): rows of an uploaded file applied by the same
//! rules as scans and bills, so every invariant (one parent per child, capacity,
//! counters) holds exactly as for a worker. A bags file is planned and written
//! set-wise (`bulk`, `plan`); bills files and batch sheets run row by row, each row
//! in a savepoint (`rows`). `all_or_nothing` writes nothing when any row failed;
//! `best_effort` commits chunk by chunk.

mod bulk;
pub mod file;
mod plan;
mod rows;
pub mod upload;

use std::sync::Arc;
use tracetrack_api_types::NotificationLevel;

use serde_json::json;
use tracetrack_api_types::ImportState;
use tracetrack_db::diesel::connection::SimpleConnection;
use tracetrack_db::diesel::{Connection, PgConnection};
use tracetrack_db::imports::{self, Progress};
use tracetrack_db::notifications::Note;
use tracetrack_db::PgPool;
use tracetrack_domain::FormatSet;

use self::file::{ImportKind, Layout, Rows, Source};
use self::rows::Applier;
use crate::auth::CurrentUser;
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::services::audit::Auditor;

/// Rows per progress report of a bills file or batch sheet (and per transaction in
/// `best_effort`).
pub const CHUNK: usize = 500;

pub fn not_found(id: i64) -> ApiError {
    ApiError::not_found(
        tracetrack_api_types::ErrorCode::NotFound,
        format!("Import {id} does not exist."),
    )
}

/// A job ready to run.
pub struct Job {
    pub id: i64,
    pub layout: Layout,
    pub all_or_nothing: bool,
    /// The admin who started it; rows are applied as this user.
    pub user: CurrentUser,
    pub source: Source,
    /// Request id of the upload, for the audit row of the end.
    pub request_id: String,
}

/// A row's failure: its 1-based row number and the problem.
pub type RowError = (i32, ApiError);

/// Why a transaction stopped.
enum Stop {
    /// `all_or_nothing` and some row failed: roll everything back.
    RowsFailed,
    /// Something other than a row went wrong (the database, say).
    Fatal(ApiError),
}

impl From<tracetrack_db::diesel::result::Error> for Stop {
    fn from(e: tracetrack_db::diesel::result::Error) -> Stop {
        Stop::Fatal(e.into())
    }
}

impl From<ApiError> for Stop {
    fn from(e: ApiError) -> Stop {
        Stop::Fatal(e)
    }
}

/// "1 row", "2 rows".
fn rows(n: i32) -> String {
    format!("{n} row{}", if n == 1 { "" } else { "s" })
}

/// Runs a job to its end on blocking connections, reporting progress as it goes,
/// then records the outcome, an audit row and a notification for the starter.
pub fn run(pool: &PgPool, config: &Config, formats: Arc<FormatSet>, job: Job) -> ApiResult<()> {
    let mut work = pool.get()?;
    // Station scans give up on a row the import holds after DB_LOCK_TIMEOUT_MS; the
    // import itself may wait longer for a row a scan holds a moment.
    work.batch_execute(&format!("SET lock_timeout = {}", IMPORT_LOCK_TIMEOUT_MS))?;
    let outcome = run_on(&mut work, config, formats, job);
    let restore = format!("SET lock_timeout = {}", config.db_lock_timeout.as_millis());
    work.batch_execute(&restore)?;
    outcome
}

/// Rows applied by a bags import past which the planner's statistics are refreshed
/// at once rather than by autovacuum later.
const ANALYZE_AFTER: i32 = 10_000;

/// Applies bills and batch sheets row by row, each row in a savepoint (these files
/// are short and each row depends on the bills and parents of the rows above it).
fn by_rows(
    c: &mut PgConnection,
    job: &Job,
    formats: &FormatSet,
    p: &mut Progress,
    report: &mut dyn FnMut(Progress, &mut Vec<RowError>) -> ApiResult<()>,
) -> Result<(), Stop> {
    let mut applier = Applier::new(job.id, &job.user, formats, &job.layout);
    let mut errors = Vec::new();
    for chunk in chunks(job, CHUNK) {
        let (start, chunk) = chunk?;
        applier.chunk(c, start, &chunk, p, &mut errors)?;
        report(*p, &mut errors)?;
    }
    applier.finish(p, &mut errors);
    report(*p, &mut errors)?;
    Ok(())
}

/// The job's data rows, read `size` at a time: (index in the file of the chunk's
/// first row, its rows).
fn chunks(job: &Job, size: usize) -> impl Iterator<Item = ApiResult<(usize, Rows)>> + '_ {
    let first = job.layout.first_row;
    let mut rows = job.source.rows().skip(first);
    let mut start = first;
    std::iter::from_fn(move || {
        let mut chunk = Vec::new();
        for row in rows.by_ref().take(size) {
            match row {
                Ok(row) => chunk.push(row),
                Err(e) => return Some(Err(e)),
            }
        }
        if chunk.is_empty() {
            return None;
        }
        let at = start;
        start += chunk.len();
        Some(Ok((at, chunk)))
    })
}

/// How long an import waits for one row lock.
const IMPORT_LOCK_TIMEOUT_MS: u64 = 30_000;

fn run_on(work: &mut PgConnection, config: &Config, formats: Arc<FormatSet>, job: Job) -> ApiResult<()> {
    // Progress is written beside the job's own transaction on a connection of its
    // own, outside the pool: a long import takes one pool connection, not two.
    let url = crate::bootstrap::with_timeout(&config.database_url);
    let mut side = PgConnection::establish(&url).map_err(|e| {
        tracing::warn!(error = %e, "import: cannot open its progress connection");
        ApiError::unavailable("The database is unavailable; retry the import shortly.")
    })?;
    let first = job.layout.first_row;
    let mut p = Progress::default();
    let mut report = |p: Progress, errors: &mut Vec<RowError>| -> ApiResult<()> {
        let stored: Vec<_> = errors
            .drain(..)
            .map(|(row, e)| (row, e.code.to_string(), e.detail.clone()))
            .collect();
        side.transaction(|c| {
            imports::add_errors(c, job.id, &stored)?;
            imports::set_progress(c, job.id, p)
        })?;
        Ok(())
    };
    let outcome = match job.layout.kind {
        ImportKind::Bags => bulk::run(work, &job, &formats, &mut p, &mut report),
        _ if job.all_or_nothing => work.transaction(|c| {
            by_rows(c, &job, &formats, &mut p, &mut report)?;
            match p.errors {
                0 => Ok(()),
                _ => Err(Stop::RowsFailed),
            }
        }),
        // Each chunk commits on its own: `chunk` opens savepoints, the
        // connection autocommits between them.
        _ => by_rows(work, &job, &formats, &mut p, &mut report),
    };
    if job.layout.kind == ImportKind::Bags && p.applied >= ANALYZE_AFTER {
        if let Err(e) = tracetrack_db::bulk::analyze(work) {
            tracing::warn!(import = job.id, error = %e, "import: ANALYZE failed");
        }
    }
    let (status, level, message) = match outcome {
        Ok(()) if p.errors == 0 => (
            ImportState::Succeeded,
            NotificationLevel::Success,
            format!("{} imported.", rows(p.applied)),
        ),
        Ok(()) => (
            if p.applied > 0 {
                ImportState::Succeeded
            } else {
                ImportState::Failed
            },
            NotificationLevel::Warning,
            format!("{} imported, {} with errors.", rows(p.applied), rows(p.errors)),
        ),
        Err(Stop::RowsFailed) => {
            p.applied = 0;
            (
                ImportState::Failed,
                NotificationLevel::Error,
                format!("{} with errors; nothing was imported (all or nothing).", rows(p.errors)),
            )
        }
        Err(Stop::Fatal(e)) => {
            tracing::error!(import = job.id, error = %e, "import stopped");
            if job.all_or_nothing {
                p.applied = 0;
            }
            (
                ImportState::Failed,
                NotificationLevel::Error,
                format!(
                    "The import stopped at row {} because of a server error{}.",
                    first + p.processed as usize,
                    if job.all_or_nothing {
                        "; nothing was imported"
                    } else {
                        ""
                    }
                ),
            )
        }
    };
    let link = format!("/admin/imports/{}", job.id);
    side.transaction(|c| {
        imports::finish(c, job.id, status, p, &message)?;
        let after = json!({"status": status, "applied_rows": p.applied, "error_rows": p.errors});
        Auditor::anonymous(None, job.request_id.clone(), config)
            .actor(Some(job.user.id))
            .record(
                c,
                "import.finish",
                "import",
                Some(job.id.to_string()),
                None,
                Some(after),
            )?;
        tracetrack_db::notifications::notify(
            c,
            job.user.id,
            Note {
                level,
                title: "Import finished",
                message: &message,
                link: Some(&link),
            },
        )?;
        Ok::<_, ApiError>(())
    })
}
