//! The operator's socket, `$LOKET_DATA_DIR/admin.sock`: what `loket backup` asks a running
//! loket to do (sled allows one process per data folder). A Unix socket in the 0700 data
//! folder: only loket's own user can connect, and nothing of it is on the network.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::error::ApiError;
use crate::store::Store;

/// The socket's file name in the data folder.
pub const SOCKET: &str = "admin.sock";

#[derive(Deserialize)]
struct BackupBody {
    /// The folder to write the backup file into (made if missing).
    to: std::path::PathBuf,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/backup", web::post().to(backup));
}

async fn backup(
    store: web::Data<Store>,
    body: web::Json<BackupBody>,
) -> Result<HttpResponse, ApiError> {
    let to = body.into_inner().to;
    if !to.is_absolute() {
        return Err(ApiError::BadRequest(
            "give the backup folder as an absolute path".into(),
        ));
    }
    let store = store.into_inner();
    let span = tracing::info_span!("job", name = "backup");
    let written = tracing::Instrument::instrument(
        web::block(move || store.backup_to(&to, jiff::Timestamp::now())),
        span,
    )
    .await
    .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    match written {
        Ok(summary) => {
            tracing::info!(
                file = %summary.file.display(),
                records = summary.records,
                photo_files = summary.photo_files,
                paused_ms = summary.paused_ms,
                "backup written"
            );
            Ok(HttpResponse::Ok().json(summary))
        }
        Err(crate::store::StoreError::Io(e)) => Err(ApiError::BadRequest(format!(
            "cannot write the backup there: {e}"
        ))),
        Err(e) => Err(e.into()),
    }
}
