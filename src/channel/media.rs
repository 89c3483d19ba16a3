//! Fetching a citizen's photo or document right away: media info, then the short-lived URL
//! with the bearer token; refreshed once when the URL has expired; stored by content hash.

use std::time::Duration;

use super::graph::{GraphClient, GraphError};
pub use crate::domain::media::{MediaProblem, MediaRecord};
use crate::{
    domain::event::MediaAttachment,
    store::{BlobPin, Store},
};

/// How often a transient failure (network, 5xx) is retried within one fetch.
const TRANSIENT_TRIES: u32 = 3;

pub async fn fetch(
    graph: &GraphClient,
    store: &Store,
    media: &MediaAttachment,
    limit: usize,
    pins: &mut Vec<BlobPin>,
) -> MediaRecord {
    if let Ok(Some(record @ MediaRecord::Stored { .. })) = store.media_record(&media.id) {
        if let MediaRecord::Stored { sha256, .. } = &record {
            pins.push(store.blobs().pin(sha256));
        }
        return record;
    }
    match download(graph, &media.id, limit).await {
        Ok((bytes, mime_type)) => {
            let size = bytes.len() as u64;
            let image = matches!(
                crate::validate::sniff(&bytes),
                crate::validate::FileKind::Jpeg
                    | crate::validate::FileKind::Png
                    | crate::validate::FileKind::Webp
            );
            let blobs = store.blobs().clone();
            match tokio::task::spawn_blocking(move || blobs.put_pinned(&bytes)).await {
                Ok(Ok((sha256, pin))) => {
                    pins.push(pin);
                    MediaRecord::Stored {
                        sha256,
                        image,
                        mime_type: mime_type.or(media.mime_type.clone()),
                        size,
                    }
                }
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "cannot store media");
                    MediaRecord::Unavailable {
                        reason: format!("storage: {e}"),
                        problem: MediaProblem::Storage,
                    }
                }
                Err(e) => MediaRecord::Unavailable {
                    reason: format!("storage task: {e}"),
                    problem: MediaProblem::Storage,
                },
            }
        }
        Err(error) => {
            tracing::warn!(%error, "media unavailable");
            MediaRecord::Unavailable {
                reason: error.to_string(),
                problem: problem_of(&error),
            }
        }
    }
}

/// What the parent can be told of a failed download.
fn problem_of(error: &GraphError) -> MediaProblem {
    match error {
        GraphError::TooLarge { size, limit } => MediaProblem::TooLarge {
            size: *size,
            limit: *limit as u64,
        },
        e if e.is_transient() => MediaProblem::Network,
        _ => MediaProblem::Refused,
    }
}

async fn download(
    graph: &GraphClient,
    media_id: &str,
    limit: usize,
) -> Result<(Vec<u8>, Option<String>), GraphError> {
    let mut refreshed = false;
    loop {
        let info = with_retries(|| graph.media_info(media_id)).await?;
        if let Some(size) = info.file_size
            && size > limit as u64
        {
            return Err(GraphError::TooLarge { size, limit });
        }
        match with_retries(|| graph.download(&info.url, limit)).await {
            Ok(bytes) => return Ok((bytes, info.mime_type)),
            // The URL lives five minutes: a 4xx usually means it expired; ask for a new one once.
            Err(GraphError::Http { http_status })
                if (400..500).contains(&http_status) && !refreshed =>
            {
                refreshed = true;
                tracing::info!(http_status, "media URL refused, refreshing it once");
            }
            Err(e) => return Err(e),
        }
    }
}

async fn with_retries<T, F, Fut>(mut call: F) -> Result<T, GraphError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, GraphError>>,
{
    let mut attempt = 0;
    loop {
        match call().await {
            Err(e) if e.is_transient() && attempt + 1 < TRANSIENT_TRIES => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(300 * u64::from(attempt))).await;
            }
            other => return other,
        }
    }
}
