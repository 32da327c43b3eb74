//! Starting an import: the file is read and its layout found before anything is
//! written (a bad file is refused with `422` at once); then the job row and its audit
//! row commit, and the rows are applied by a background task (`super::run`).

use actix_web::web;
use serde_json::json;
use tracetrack_api_types::{ErrorCode, ImportMode, ImportState};
use tracetrack_db::imports::ImportRow;

use super::file::{self, ImportKind, Source};
use super::Job;
use crate::auth::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::services::audit::Auditor;
use crate::state::AppState;

/// An uploaded file and the form's choices.
pub struct Upload {
    pub filename: String,
    pub bytes: Vec<u8>,
    /// Found from the header when `None`.
    pub kind: Option<ImportKind>,
    pub mode: ImportMode,
}

/// Records the job and starts it in the background; returns the queued job.
pub async fn start(state: &AppState, ctx: Ctx, upload: Upload) -> ApiResult<ImportRow> {
    let Upload {
        filename,
        bytes,
        kind,
        mode,
    } = upload;
    let (source, layout, rows) = web::block(move || {
        let source = Source::open(bytes)?;
        let layout = file::layout(&source.head(file::BATCH_HEADER_SEARCH)?, kind)?;
        let rows = source.count()?;
        Ok::<_, ApiError>((source, layout, rows))
    })
    .await??;
    let data_rows = rows.saturating_sub(layout.first_row);
    if data_rows == 0 {
        return Err(ApiError::unprocessable(
            ErrorCode::EmptyFile,
            "The file has no data rows.",
        ));
    }
    let total = i32::try_from(data_rows)
        .map_err(|_| ApiError::unprocessable(ErrorCode::BadFile, "The file has too many rows."))?;
    let st = state.clone();
    let (user, request_id) = (ctx.user.clone(), ctx.request_id.clone());
    let (id, formats) = state
        .tx(move |c| {
            let id = tracetrack_db::imports::insert(c, layout.kind, mode, &filename, total, ctx.user.id)?;
            let after = json!({"kind": layout.kind.as_str(), "mode": mode, "filename": filename, "total_rows": total});
            Auditor::new(&ctx, &st.config).record(
                c,
                "import.create",
                "import",
                Some(id.to_string()),
                None,
                Some(after),
            )?;
            Ok((id, st.formats.get(c)?))
        })
        .await?;
    let work = Job {
        id,
        layout,
        all_or_nothing: mode == ImportMode::AllOrNothing,
        user,
        source,
        request_id,
    };
    let st = state.clone();
    actix_web::rt::spawn(async move {
        let (pool, config) = (st.pool.clone(), st.config.clone());
        let outcome = web::block(move || super::run(&pool, &config, formats, work)).await;
        if let Err(e) = outcome.map_err(ApiError::from).and_then(|r| r) {
            tracing::error!(import = id, error = %e, "import failed");
            let message = "The import stopped because of a server error.";
            let failed = st
                .db(move |c| {
                    Ok(tracetrack_db::imports::finish(
                        c,
                        id,
                        ImportState::Failed,
                        Default::default(),
                        message,
                    )?)
                })
                .await;
            if let Err(e) = failed {
                tracing::error!(import = id, error = %e, "could not record the failed import");
            }
        }
    });
    state
        .db(move |c| tracetrack_db::imports::find(c, id)?.ok_or_else(|| super::not_found(id)))
        .await
}
