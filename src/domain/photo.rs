//! The verdict on one photo: what the photo checks found, in a form the conversation and officers read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::document::DocumentKind;

/// How much a finding matters.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Recorded for the officer; the photo is accepted.
    Warning,
    /// The photo is refused; the parent is asked to send another.
    Refusal,
}

/// One thing a check found, with the figures behind it. Its text is not here: the flows'
/// message catalog has one per code (`photo_<code>`), filled from `params` when it is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Finding {
    /// Stable reason code, e.g. `not_a_photo`, `blurry`, `too_dark`, `glare`, `wrong_background`.
    pub code: String,
    pub severity: Severity,
    /// What the text needs: `document`, `earlier` (document ids), `expected`, `found` (colours),
    /// sizes; `variant` picks `photo_<code>_<variant>` where a code has several texts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    /// The measured figures (name, value) that led to the finding, for officers.
    #[serde(default)]
    pub figures: Vec<(String, f64)>,
}

/// The outcome of checking one photo against the document it is meant to be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, utoipa::ToSchema)]
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

/// Backdrop colours an office asks for on a pas foto.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    Red,
    Blue,
}

/// Which backdrop a pas foto needs, by the parity of the child's birth year. Offices differ
/// (red for odd years is common in South Kalimantan, one office states the opposite).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackgroundRule {
    pub odd: Colour,
    pub even: Colour,
}

impl Default for BackgroundRule {
    fn default() -> BackgroundRule {
        BackgroundRule::RED_ODD_BLUE_EVEN
    }
}

impl BackgroundRule {
    /// Red for odd birth years, blue for even (the default).
    pub const RED_ODD_BLUE_EVEN: BackgroundRule = BackgroundRule {
        odd: Colour::Red,
        even: Colour::Blue,
    };
    pub const BLUE_ODD_RED_EVEN: BackgroundRule = BackgroundRule {
        odd: Colour::Blue,
        even: Colour::Red,
    };

    /// The backdrop a child born in `birth_year` needs.
    pub fn expected_for(&self, birth_year: i32) -> Colour {
        if birth_year.rem_euclid(2) == 1 {
            self.odd
        } else {
            self.even
        }
    }
}
