//! A request an officer files at the counter for a citizen without a smartphone: the answers
//! of the paper form, the photos taken with the office's camera or scanner (already checked),
//! and the citizen's phone number when they have one for WhatsApp notifications.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::document::DocumentKind;
use super::lang::Lang;
use super::media::MediaRef;
use super::photo::PhotoRecord;

/// The form as the lane files it. Everything the engine needs is here (verdicts included), so
/// replaying the lane log files the same request again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalkInForm {
    /// Chosen by the desk, so the lane can tell the officer's page which request it became.
    pub id: String,
    /// Flow id (`kia`).
    pub service: String,
    /// By step id: the text typed, the option id of a choice, the code of a kecamatan or
    /// kelurahan.
    pub answers: BTreeMap<String, String>,
    pub photos: Vec<WalkInPhoto>,
    /// The citizen signed the personal-data statement on paper (UU 27/2022).
    pub consent: bool,
    /// Notifications go in this language.
    #[serde(default)]
    pub language: Lang,
    /// The officer who filed it.
    pub by: String,
}

/// One uploaded photo and what the checks found: the record the lane files with the request
/// (the upload itself is never kept, only the checked copy without metadata).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalkInPhoto {
    pub kind: DocumentKind,
    /// The file as uploaded (its hash keys the photo record).
    pub media: MediaRef,
    pub record: PhotoRecord,
}

/// Why a form cannot be filed, field by field, in the words the chat would use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FormProblem {
    /// A step id, a document kind, `consent`, `service` or `phone`.
    pub field: String,
    pub message: String,
}

/// On a filed request: it was filed at the counter, from this form, by this officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WalkInMark {
    pub form: String,
    pub by: String,
}
