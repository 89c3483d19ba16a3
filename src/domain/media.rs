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
    /// Could not be fetched; the conversation tells the parent why and asks again.
    Unavailable {
        reason: String,
        /// What the parent is told; records older than this field were network problems.
        #[serde(default)]
        problem: MediaProblem,
    },
}

/// Why a photo could not be taken, as far as the parent can act on it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaProblem {
    /// The network or WhatsApp's servers failed: sending again usually works.
    #[default]
    Network,
    /// The file is larger than loket takes (`limit` bytes).
    TooLarge { size: u64, limit: u64 },
    /// WhatsApp's servers did not hand the file over (refused, a redirect loop, an answer
    /// that is not a file): sending again, as a new photo, is the way.
    Refused,
    /// Our side could not keep it (disk); the office is told through the log.
    Storage,
}
