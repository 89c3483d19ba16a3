//! Photo verdicts for the engine: checked now against the stored file, or read back from the
//! lane log when replaying.

use crate::{
    domain::{
        document::{DocumentKind, DocumentShape},
        photo::{Finding, PhotoRecord, PhotoVerdict, Severity},
    },
    flow::{Conversation, MediaRef},
    store::Store,
    validate::{self, EarlierPhoto, PhotoPolicy, PhotoToCheck},
};

/// Where photo verdicts come from.
pub trait Verdicts {
    fn verdict(
        &mut self,
        media: &MediaRef,
        document: &DocumentKind,
        shape: DocumentShape,
        birth_year: Option<i32>,
        conversation: &Conversation,
    ) -> (PhotoVerdict, Option<PhotoRecord>);
}

/// Checks photos now, against the store's files.
pub(super) struct LiveVerdicts<'a> {
    pub(super) store: &'a Store,
    pub(super) policy: &'a PhotoPolicy,
}

impl Verdicts for LiveVerdicts<'_> {
    fn verdict(
        &mut self,
        media: &MediaRef,
        document: &DocumentKind,
        shape: DocumentShape,
        birth_year: Option<i32>,
        conversation: &Conversation,
    ) -> (PhotoVerdict, Option<PhotoRecord>) {
        let bytes = match self.store.blobs().get(&media.sha256) {
            Ok(Some(bytes)) => bytes,
            _ => return (unreadable(), None),
        };
        let earlier: Vec<EarlierPhoto> = conversation
            .draft
            .iter()
            .flat_map(|d| d.documents.iter())
            .filter(|d| d.media.sha256 != media.sha256)
            .filter_map(|d| {
                let record = self.store.photo_record(&d.media.sha256).ok()??;
                Some(EarlierPhoto {
                    kind: d.kind.clone(),
                    perceptual_hash: record.perceptual_hash?,
                })
            })
            .collect();
        let checked = validate::check_photo(
            &PhotoToCheck {
                bytes: &bytes,
                kind: document,
                shape,
                child_birth_year: birth_year,
                earlier: &earlier,
            },
            self.policy,
        );
        let mut record = PhotoRecord {
            original_sha256: media.sha256.clone(),
            document: document.clone(),
            verdict: checked.verdict.clone(),
            stored_sha256: None,
            perceptual_hash: None,
            width: None,
            height: None,
        };
        if let Some(accepted) = checked.accepted {
            match self.store.blobs().put(&accepted.jpeg) {
                Ok(sha) => record.stored_sha256 = Some(sha),
                Err(e) => {
                    tracing::error!(error = %e, "cannot store an accepted photo");
                    return (unreadable(), None);
                }
            }
            record.perceptual_hash = Some(accepted.perceptual_hash);
            record.width = Some(accepted.width);
            record.height = Some(accepted.height);
        }
        let outcome = if checked.verdict.accepted() {
            "accepted"
        } else {
            "refused"
        };
        if checked.verdict.findings.is_empty() {
            metrics::counter!("loket_photo_verdicts_total", "outcome" => outcome, "code" => "none")
                .increment(1);
        }
        for finding in &checked.verdict.findings {
            metrics::counter!(
                "loket_photo_verdicts_total",
                "outcome" => outcome,
                "code" => finding.code.clone()
            )
            .increment(1);
        }
        (checked.verdict, Some(record))
    }
}

/// Verdicts read back from the lane log, in order (replay).
pub struct RecordedVerdicts(pub std::vec::IntoIter<PhotoVerdict>);

impl Verdicts for RecordedVerdicts {
    fn verdict(
        &mut self,
        _: &MediaRef,
        _: &DocumentKind,
        _: DocumentShape,
        _: Option<i32>,
        _: &Conversation,
    ) -> (PhotoVerdict, Option<PhotoRecord>) {
        let verdict = self.0.next().unwrap_or_else(unreadable);
        (verdict, None)
    }
}

fn unreadable() -> PhotoVerdict {
    PhotoVerdict {
        findings: vec![Finding {
            code: "unreadable".into(),
            severity: Severity::Refusal,
            params: Default::default(),
            figures: Vec::new(),
        }],
        figures: Vec::new(),
    }
}
