//! Photos as they arrive and as their checks come back: which document each one is, one combined
//! reply for several, duplicates and refusals.

use super::*;

impl<'a, 'c> Engine<'a, 'c> {
    pub(super) fn on_photo(
        &self,
        st: &mut Conversation,
        media: MediaRef,
        caption: Option<String>,
        t: &mut Turn,
    ) {
        if matches!(st.overlay, Overlay::Menu | Overlay::Faq) {
            st.overlay = Overlay::None;
        }
        // A photo that is not taken is not kept: its file (with its EXIF) is dropped.
        let Some(service) = self.service_of(st) else {
            t.effects.push(Effect::DiscardUpload(media));
            t.notes.push(self.msg(st, "photo_not_now"));
            t.ask = true;
            return;
        };
        let Some(draft) = st.draft.as_ref() else {
            t.effects.push(Effect::DiscardUpload(media));
            return;
        };
        if draft.consent_at.is_none() {
            t.effects.push(Effect::DiscardUpload(media));
            t.notes.push(self.msg(st, "photo_not_now"));
            t.ask = true;
            return;
        }
        let lang = st.lang;
        let known = draft
            .documents
            .iter()
            .map(|d| (d.kind, &d.media))
            .chain(draft.pending.iter().map(|p| (p.document, &p.media)))
            .find(|(_, m)| m.sha256 == media.sha256);
        if let Some((kind, _)) = known {
            // The same file again: the one already taken is what counts.
            t.effects.push(Effect::DiscardUpload(media));
            let note = self.msg_with(
                st,
                "photo_duplicate",
                &[("document", self.doc_label(kind, lang).to_string())],
            );
            t.notes.push(note);
            t.ask = true;
            return;
        }
        let photo_steps: Vec<(&Step, DocumentKind, &Vec<String>)> = service
            .steps
            .iter()
            .filter(|s| self.applies(s, draft))
            .filter_map(|s| match &s.kind {
                StepKind::Photo { document, captions } => Some((s, *document, captions)),
                _ => None,
            })
            .collect();
        let by_caption = caption.as_deref().map(words).and_then(|c| {
            photo_steps
                .iter()
                .flat_map(|(_, kind, captions)| captions.iter().map(move |cap| (*kind, cap)))
                .filter(|(_, cap)| contains_words(&c, cap))
                .max_by_key(|(_, cap)| cap.chars().count())
                .map(|(kind, _)| kind)
        });
        let current = self.current_step(service, draft, true);
        let at_photos = matches!(
            current.map(|s| &s.kind),
            Some(StepKind::Photo { .. } | StepKind::Summary)
        );
        let next_expected = || {
            photo_steps.iter().map(|(_, kind, _)| *kind).find(|kind| {
                draft.document(*kind).is_none()
                    && !draft.pending.iter().any(|p| p.document == *kind)
            })
        };
        let document = match by_caption {
            Some(kind) => Some(kind),
            None if at_photos => next_expected(),
            None => {
                t.effects.push(Effect::DiscardUpload(media));
                t.notes.push(self.msg(st, "photo_not_now"));
                t.ask = true;
                return;
            }
        };
        let Some(document) = document else {
            t.effects.push(Effect::DiscardUpload(media));
            t.notes.push(self.msg(st, "photo_not_needed"));
            t.ask = true;
            return;
        };
        let birth_year = self.birth_date(draft).map(|d| i32::from(d.year()));
        if let Some(draft) = st.draft.as_mut() {
            draft.pending.push(PendingPhoto {
                media: media.clone(),
                document,
            });
        }
        t.effects.push(Effect::CheckPhoto {
            media,
            document,
            child_birth_year: birth_year,
        });
    }

    pub(super) fn on_photo_checked(
        &self,
        st: &mut Conversation,
        media: MediaRef,
        document: DocumentKind,
        verdict: PhotoVerdict,
        t: &mut Turn,
    ) {
        let lang = st.lang;
        let step_id = self
            .service_of(st)
            .and_then(|s| s.steps.iter().find(|step| matches!(&step.kind, StepKind::Photo { document: d, .. } if *d == document)))
            .map(|s| s.id.clone())
            .unwrap_or_default();
        let Some(draft) = st.draft.as_mut() else {
            t.effects.push(Effect::ForgetMedia(vec![media]));
            return;
        };
        let Some(index) = draft
            .pending
            .iter()
            .position(|p| p.media.sha256 == media.sha256 && p.document == document)
        else {
            // A verdict for a photo this draft no longer waits for (cancelled, replaced).
            t.effects.push(Effect::ForgetMedia(vec![media]));
            return;
        };
        draft.pending.remove(index);
        let label = self.doc_label(document, lang).to_string();
        let message = |f: &crate::domain::photo::Finding| self.flows.finding_text(f, lang);
        if verdict.accepted() {
            let replaced: Vec<MediaRef> = draft
                .documents
                .iter()
                .filter(|d| d.kind == document)
                .map(|d| d.media.clone())
                .collect();
            draft.documents.retain(|d| d.kind != document);
            let warnings: Vec<_> = verdict.warnings().cloned().collect();
            let warning_text = warnings.iter().map(message).collect::<Vec<_>>().join(" ");
            draft.documents.push(DocumentEntry {
                kind: document,
                media,
                warnings,
            });
            if draft.attempts_step == step_id {
                draft.attempts = 0;
            }
            if !replaced.is_empty() {
                t.effects.push(Effect::ForgetMedia(replaced));
            }
            st.unclear = 0;
            t.notes
                .push(self.msg_with(st, "photo_received", &[("document", label.clone())]));
            if !warning_text.is_empty() {
                t.notes.push(self.msg_with(
                    st,
                    "photo_warning",
                    &[("document", label), ("reason", warning_text)],
                ));
            }
            t.ask = true;
        } else {
            let reason = verdict
                .refusals()
                .map(message)
                .collect::<Vec<_>>()
                .join(" ");
            t.effects.push(Effect::ForgetMedia(vec![media]));
            self.fail(
                st,
                &step_id,
                "photo_refused",
                &[("document", label), ("reason", reason)],
                t,
            );
        }
    }
}
