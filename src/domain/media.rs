//! Photos and files parents send, as loket keeps them: named by the SHA-256 of their bytes.

use serde::{Deserialize, Serialize};

/// A stored photo, named by the hash of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MediaRef {
    pub sha256: String,
    pub mime: String,
}

/// What became of one media download; kept in the store by media id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum MediaRecord {
    Stored {
        sha256: String,
        mime_type: Option<String>,
        size: u64,
        /// The bytes are a JPEG, PNG or WebP picture, whatever the declared type.
        #[serde(default)]
        image: bool,
    },
    /// Could not be fetched; the conversation asks the parent to send it again.
    Unavailable { reason: String },
}
