//! The verdict on one photo: what the photo checks found, in a form the conversation and officers read.

use serde::{Deserialize, Serialize};

use super::document::DocumentKind;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Recorded for the officer; the photo is accepted.
    Warning,
    /// The photo is refused; the parent is asked to send another.
    Refusal,
}

/// One thing a check found, with the figures behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable reason code, e.g. `not_a_photo`, `blurry`, `too_dark`, `glare`, `wrong_background`.
    pub code: String,
    pub severity: Severity,
    /// What the parent should do, in Bahasa Indonesia.
    pub message_id: String,
    /// The same in English.
    pub message_en: String,
    /// The measured figures (name, value) that led to the finding, for officers.
    #[serde(default)]
    pub figures: Vec<(String, f64)>,
}

/// The outcome of checking one photo against the document it is meant to be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PhotoVerdict {
    pub findings: Vec<Finding>,
    /// Measured figures even when nothing was found (sharpness, brightness, ratio, ...).
    #[serde(default)]
    pub figures: Vec<(String, f64)>,
}

impl PhotoVerdict {
    pub fn accepted(&self) -> bool {
        !self
            .findings
            .iter()
            .any(|f| f.severity == Severity::Refusal)
    }

    pub fn refusals(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Refusal)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }
}

/// What is kept about a checked photo, by the hash of the photo as received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoRecord {
    pub original_sha256: String,
    pub document: DocumentKind,
    pub verdict: PhotoVerdict,
    /// The re-encoded copy without EXIF (only for accepted photos).
    pub stored_sha256: Option<String>,
    pub perceptual_hash: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}
