//! The per-contact conversation state, serialised by the store. Like teloxide's dialogue enum, the
//! phase carries the data gathered so far; nothing is kept before consent, nothing after filing,
//! cancelling or expiry.

use crate::domain::document::DocumentKind;
use crate::domain::kk::NomorKk;
use crate::domain::nik::Nik;
use crate::domain::photo::Finding;
use crate::flow::text::Lang;
use crate::flow::{EscalationReason, MediaRef};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Conversation {
    #[serde(default)]
    pub lang: Lang,
    /// `None`: no request being filled in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<Draft>,
    /// A question laid over the current step (menu, cancel confirmation, ...).
    #[serde(default, skip_serializing_if = "Overlay::is_none")]
    pub overlay: Overlay,
    /// With an officer: the engine is silent until `Input::HandBack`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<Escalation>,
    #[serde(default)]
    pub greeted: bool,
    /// Consecutive inputs the engine could not understand.
    #[serde(default)]
    pub unclear: u8,
    /// Page of a long list being shown (0-based).
    #[serde(default)]
    pub list_page: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_inbound: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wake_at: Option<Timestamp>,
    #[serde(default)]
    pub reminded: bool,
    /// A draft expired while the window was closed: say so at the next message.
    #[serde(default)]
    pub expired_unseen: bool,
    /// Requests an officer sent documents back for, waiting for the parent to finish the
    /// request in hand; each becomes a draft of its own (`Draft::resend`) in turn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub returned: Vec<Resend>,
    /// The satisfaction survey after a hand-over, while it waits for an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey: Option<Survey>,
}

/// The IKM survey about one request: first the score (1 to 4), then an optional comment.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Survey {
    pub number: String,
    pub asked_at: Timestamp,
    /// The score given, while the comment is awaited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
}

/// Photos an officer asked to be sent again for a filed request.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Resend {
    pub number: String,
    pub service: String,
    pub documents: Vec<crate::domain::request::ReturnedDocument>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Overlay {
    #[default]
    None,
    Menu,
    Faq,
    ConfirmCancel,
    /// "Which answer do you want to change?" from the summary.
    EditList,
}

impl Overlay {
    pub fn is_none(&self) -> bool {
        matches!(self, Overlay::None)
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Escalation {
    pub reason: EscalationReason,
    pub at: Timestamp,
}

/// A request being filled in.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Draft {
    /// Flow id of the service.
    pub service: String,
    pub started_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_at: Option<Timestamp>,
    /// Answers by step id.
    #[serde(default)]
    pub answers: BTreeMap<String, Answer>,
    #[serde(default)]
    pub documents: Vec<DocumentEntry>,
    /// Photos sent for checking, not yet judged.
    #[serde(default)]
    pub pending: Vec<PendingPhoto>,
    /// Warning codes about the data (NIK serial 0000, unknown region), for the officer.
    #[serde(default)]
    pub data_warnings: Vec<String>,
    /// Failed attempts at `attempts_step`.
    #[serde(default)]
    pub attempts: u8,
    #[serde(default)]
    pub attempts_step: String,
    /// Steps answered from another answer (the birth date and sex a NIK encodes): changing that
    /// answer clears them, so a corrected NIK is read afresh instead of refused as a mismatch.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub derived: Vec<String>,
    /// A photo the parent is asked about: it looks like another document, or it is the picture
    /// already taken for another one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doubt: Option<PhotoDoubt>,
    /// Not a new request: the photos sent back for a filed one. Only their steps are asked,
    /// and when they are all in, they go to the request instead of filing a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resend: Option<Resend>,
}

/// "Which document is this photo?", asked instead of accepting a photo silently for the wrong
/// document or refusing the same picture again and again.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PhotoDoubt {
    /// The document it was sent for.
    pub sent_for: DocumentKind,
    /// What it may be instead, in the order offered: `sent_for` first.
    pub candidates: Vec<DocumentKind>,
    /// A photo that passed its checks but looks like another document, held until the parent
    /// says which it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<DocumentEntry>,
    /// The document whose accepted picture this one repeats (then nothing is held: choosing
    /// `sent_for` moves that picture over).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_as: Option<DocumentKind>,
}

impl Draft {
    pub fn new(service: &str, now: Timestamp) -> Draft {
        Draft {
            service: service.to_string(),
            started_at: now,
            consent_at: None,
            answers: BTreeMap::new(),
            documents: Vec::new(),
            pending: Vec::new(),
            data_warnings: Vec::new(),
            attempts: 0,
            attempts_step: String::new(),
            derived: Vec::new(),
            doubt: None,
            resend: None,
        }
    }

    pub fn document(&self, kind: &DocumentKind) -> Option<&DocumentEntry> {
        self.documents.iter().find(|d| d.kind == *kind)
    }

    /// Every photo the draft holds or waits for, for `ForgetMedia`.
    pub fn all_media(&self) -> Vec<MediaRef> {
        self.documents
            .iter()
            .map(|d| d.media.clone())
            .chain(self.pending.iter().map(|p| p.media.clone()))
            .chain(
                self.doubt
                    .iter()
                    .filter_map(|d| d.held.as_ref().map(|h| h.media.clone())),
            )
            .collect()
    }
}

/// One answer, typed so that identity numbers stay masked in `Debug`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Text(String),
    Date(Date),
    Nik(Nik),
    Kk(NomorKk),
    /// An option id, or a region code for kecamatan/kelurahan steps.
    Choice(String),
}

impl Answer {
    /// The raw value, as conditions compare it and the officer reads it (NIK/KK whole).
    pub fn raw(&self) -> String {
        match self {
            Answer::Text(t) | Answer::Choice(t) => t.clone(),
            Answer::Date(d) => d.to_string(),
            Answer::Nik(n) => n.as_str().to_string(),
            Answer::Kk(k) => k.as_str().to_string(),
        }
    }

    /// As lists and logs may show it: NIK and KK numbers masked, the rest raw.
    pub fn masked(&self) -> String {
        match self {
            Answer::Nik(nik) => nik.masked(),
            Answer::Kk(kk) => kk.masked(),
            other => other.raw(),
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct DocumentEntry {
    pub kind: DocumentKind,
    pub media: MediaRef,
    #[serde(default)]
    pub warnings: Vec<Finding>,
    /// What the checks saw in the picture (`id_card`, `a4_landscape`, `a4_portrait`, `paper`,
    /// `pas_foto`), when clear: photos sent together and taken in the wrong order are swapped
    /// back by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub looks_like: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PendingPhoto {
    pub media: MediaRef,
    pub document: DocumentKind,
    /// Checked a second time, for the document it shows after it was refused for the one it
    /// was sent for: not moved again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub second_check: bool,
}
