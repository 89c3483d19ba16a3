//! Photos as they arrive and as their checks come back: which document each one is, one combined
//! reply for several, duplicates and refusals.

use super::*;
use crate::domain::document::DocumentShape;
use crate::flow::state::PhotoDoubt;
use crate::validate::codes::{DUPLICATE_PHOTO, OTHER_DOCUMENT};
use crate::validate::looks_like_of;

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
            .map(|d| (&d.kind, &d.media))
            .chain(draft.pending.iter().map(|p| (&p.document, &p.media)))
            .find(|(_, m)| m.sha256 == media.sha256)
            .map(|(kind, _)| kind);
        let photo_steps: Vec<(&Step, &DocumentKind, &Vec<String>)> = service
            .steps
            .iter()
            .filter(|s| self.applies(s, draft))
            .filter_map(|s| match &s.kind {
                StepKind::Photo { document, captions } => Some((s, document, captions)),
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
                draft.document(kind).is_none()
                    && !draft.pending.iter().any(|p| p.document == **kind)
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
        if let Some(kind) = known {
            // The same file again: the one already taken is what counts. Sent for another
            // document, perhaps it was that document all along: ask, never refuse in circles.
            t.effects.push(Effect::DiscardUpload(media));
            let taken = draft.document(kind).is_some();
            match document {
                Some(intended) if intended != kind && taken => {
                    self.ask_about_same_picture(st, intended.clone(), kind.clone(), t);
                }
                _ => {
                    let note = self.msg_with(
                        st,
                        "photo_duplicate",
                        &[("document", self.doc_label(kind, lang).to_string())],
                    );
                    t.notes.push(note);
                }
            }
            t.ask = true;
            return;
        }
        let Some(document) = document.cloned() else {
            t.effects.push(Effect::DiscardUpload(media));
            t.notes.push(self.msg(st, "photo_not_needed"));
            t.ask = true;
            return;
        };
        let birth_year = self.birth_date(draft).map(|d| i32::from(d.year()));
        if let Some(draft) = st.draft.as_mut() {
            draft.pending.push(PendingPhoto {
                media: media.clone(),
                document: document.clone(),
                second_check: false,
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
        let step_id = self.photo_step_id(st, &document);
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
        let second_check = draft.pending.remove(index).second_check;
        let label = self.doc_label(&document, lang).to_string();
        let message = |f: &crate::domain::photo::Finding| self.flows.finding_text(f, lang);
        if verdict.accepted() {
            // Taken at the end of the turn, with the other photos of the batch: see
            // `settle_photos`.
            t.arrivals.push(DocumentEntry {
                kind: document,
                media,
                warnings: verdict.warnings().cloned().collect(),
                looks_like: looks_like_of(&verdict).map(str::to_string),
            });
            return;
        }
        // The picture already taken for another document: perhaps that one was this document.
        if verdict.refusals().all(|f| f.code == DUPLICATE_PHOTO)
            && let Some(earlier) = verdict
                .refusals()
                .find_map(|f| f.params.get("earlier"))
                .map(|id| DocumentKind::new(id.as_str()))
            && draft.document(&earlier).is_some()
        {
            t.effects.push(Effect::ForgetMedia(vec![media]));
            self.ask_about_same_picture(st, document, earlier, t);
            t.ask = true;
            return;
        }
        let reason = verdict
            .refusals()
            .map(message)
            .collect::<Vec<_>>()
            .join(" ");
        // Refused for the document it was put in, but it shows another: photos sent together
        // are put in arrival order, and a pas foto judged as a KK is "too small". Decided at the
        // end of the turn, when the batch's other photos have found their places.
        if !second_check
            && let Some(looks) = looks_like_of(&verdict)
            && !self.shape_fits(looks, &document)
        {
            t.rejects.push(Reject {
                media,
                document,
                looks: looks.to_string(),
                step_id,
                label,
                reason,
            });
            return;
        }
        t.effects.push(Effect::ForgetMedia(vec![media]));
        self.fail(
            st,
            &step_id,
            "photo_refused",
            &[("document", label), ("reason", reason)],
            t,
        );
    }

    /// Photos refused for the document they were put in but showing another one the request
    /// still needs: checked again for that one. The others are refused as they were.
    fn recheck_rejects(&self, st: &mut Conversation, t: &mut Turn) {
        for reject in std::mem::take(&mut t.rejects) {
            let target = self.missing_document_of_shape(st, &reject.looks, &reject.document);
            let birth_year = st
                .draft
                .as_ref()
                .and_then(|d| self.birth_date(d))
                .map(|d| i32::from(d.year()));
            let with_officer = st.escalation.is_some();
            match (target, st.draft.as_mut()) {
                (Some(document), Some(draft)) => {
                    draft.pending.push(PendingPhoto {
                        media: reject.media.clone(),
                        document: document.clone(),
                        second_check: true,
                    });
                    t.effects.push(Effect::CheckPhoto {
                        media: reject.media,
                        document,
                        child_birth_year: birth_year,
                    });
                }
                // With an officer the bot says nothing and counts nothing.
                _ if with_officer => {
                    t.effects.push(Effect::ForgetMedia(vec![reject.media]));
                }
                _ => {
                    t.effects.push(Effect::ForgetMedia(vec![reject.media]));
                    self.fail(
                        st,
                        &reject.step_id,
                        "photo_refused",
                        &[("document", reject.label), ("reason", reject.reason)],
                        t,
                    );
                }
            }
        }
    }

    fn photo_step_id(&self, st: &Conversation, document: &DocumentKind) -> String {
        self.service_of(st)
            .and_then(|s| {
                s.steps.iter().find(
                    |step| matches!(&step.kind, StepKind::Photo { document: d, .. } if d == document),
                )
            })
            .map(|s| s.id.clone())
            .unwrap_or_default()
    }

    /// Takes the photos accepted in this turn. Photos sent together are given documents in the
    /// order they arrive, which is not always the order they were sent; the checks say what each
    /// shows (`looks_like`). Photos that do not fit where they were put are first matched to the
    /// documents the others of the batch were put in, then swapped with a photo taken earlier
    /// that shows their document; one that still does not fit is asked about ("Which document is
    /// that photo?"), never taken silently for the wrong document.
    pub(super) fn settle_photos(&self, st: &mut Conversation, t: &mut Turn) {
        self.take_arrivals(st, t);
        self.recheck_rejects(st, t);
    }

    fn take_arrivals(&self, st: &mut Conversation, t: &mut Turn) {
        if t.arrivals.is_empty() {
            return;
        }
        let lang = st.lang;
        let mut arrivals = std::mem::take(&mut t.arrivals);
        // Where a photo goes, by what it shows. A sheet that is clearly a KK (landscape) may be
        // any letter too, but while the KK is still needed it is not taken as the letter
        // silently: a parent who sends the KK first is asked.
        let batch: Vec<DocumentKind> = arrivals.iter().map(|a| a.kind.clone()).collect();
        let still_needed = self.still_needed(st, &batch);
        let fits = |e: &DocumentEntry, kind: &DocumentKind| {
            e.looks_like.as_deref().is_none_or(|l| {
                self.shape_fits(l, kind) && !self.rather_another(l, kind, &still_needed)
            })
        };
        // 1. Within the batch: a matching of its photos to the documents they were put in, each
        //    photo where what it shows fits. Photos that fit their own document go first and
        //    try it first, so a matching changes as little as it can.
        let slots: Vec<DocumentKind> = arrivals.iter().map(|a| a.kind.clone()).collect();
        let shapes: Vec<DocumentShape> =
            slots.iter().map(|k| self.flows.document_shape(k)).collect();
        let mut order: Vec<usize> = (0..arrivals.len()).collect();
        order.sort_by_key(
            |&i| match (&arrivals[i].looks_like, fits(&arrivals[i], &slots[i])) {
                (Some(_), true) => 0,
                (None, _) => 1,
                (Some(_), false) => 2,
            },
        );
        let mut slot_of: Vec<Option<usize>> = vec![None; arrivals.len()];
        let mut taken_by: Vec<Option<usize>> = vec![None; slots.len()];
        for &i in &order {
            let mut seen = vec![false; slots.len()];
            augment(
                i,
                &shapes,
                &arrivals,
                &mut slot_of,
                &mut taken_by,
                &mut seen,
            );
        }
        let misfits: Vec<usize> = (0..arrivals.len())
            .filter(|&i| !fits(&arrivals[i], &arrivals[i].kind))
            .collect();
        let mut swapped = false;
        if slot_of.iter().all(Option::is_some) {
            for (i, slot) in slot_of.iter().enumerate() {
                if let Some(slot) = slot
                    && slots[*slot] != arrivals[i].kind
                {
                    arrivals[i].kind = slots[*slot].clone();
                    swapped = true;
                }
            }
        }
        let misfits: Vec<usize> = misfits
            .into_iter()
            .filter(|&i| !fits(&arrivals[i], &arrivals[i].kind))
            .collect();
        // 2. With a photo taken (or held) earlier.
        let Some(draft) = st.draft.as_mut() else {
            t.effects.push(Effect::ForgetMedia(
                arrivals.into_iter().map(|a| a.media).collect(),
            ));
            return;
        };
        let mut unsettled = Vec::new();
        for &i in &misfits {
            let entry = &arrivals[i];
            let Some(looks) = entry.looks_like.clone() else {
                continue;
            };
            match self.swap_partner(draft, &entry.kind, &looks) {
                Some(Partner::Taken(j)) => {
                    let other = draft.documents[j].kind.clone();
                    draft.documents[j].kind = entry.kind.clone();
                    draft.documents[j]
                        .warnings
                        .retain(|f| f.code != OTHER_DOCUMENT);
                    arrivals[i].kind = other;
                    swapped = true;
                }
                Some(Partner::Held) => {
                    if let Some(doubt) = draft.doubt.take()
                        && let Some(mut held) = doubt.held
                    {
                        held.kind = entry.kind.clone();
                        held.warnings.retain(|f| f.code != OTHER_DOCUMENT);
                        arrivals.push(held);
                        arrivals[i].kind = doubt.sent_for;
                        swapped = true;
                    }
                }
                None => unsettled.push(i),
            }
        }
        if swapped {
            t.notes.push(self.msg(st, "photos_swapped"));
        }
        // 3. Take what fits; ask about the first photo that still does not.
        let mut doubt_asked = false;
        for (i, mut entry) in arrivals.into_iter().enumerate() {
            let document = entry.kind.clone();
            let label = self.doc_label(&document, lang).to_string();
            if unsettled.contains(&i) {
                let shape = entry.looks_like.clone().unwrap_or_default();
                let candidate = self.missing_document_of_shape(st, &shape, &document);
                let found = match &candidate {
                    Some(kind) => self.doc_label(kind, lang).to_string(),
                    None => self
                        .flows
                        .message(&format!("shape_{shape}"))
                        .get(lang)
                        .to_string(),
                };
                t.notes.push(self.msg_with(
                    st,
                    "doubt_looks_like",
                    &[("document", label), ("found", found)],
                ));
                if doubt_asked {
                    // One question at a time: this photo is not kept, the step asks again.
                    t.effects.push(Effect::ForgetMedia(vec![entry.media]));
                } else {
                    doubt_asked = true;
                    let doubt = PhotoDoubt {
                        sent_for: document.clone(),
                        candidates: std::iter::once(document).chain(candidate).collect(),
                        held: Some(entry),
                        same_as: None,
                    };
                    self.hold_doubt(st, doubt, t);
                }
                continue;
            }
            if fits(&entry, &document) {
                entry.warnings.retain(|f| f.code != OTHER_DOCUMENT);
            }
            let step_id = self.photo_step_id(st, &document);
            let Some(draft) = st.draft.as_mut() else {
                return;
            };
            let mut replaced: Vec<MediaRef> = draft
                .documents
                .iter()
                .filter(|d| d.kind == document)
                .map(|d| d.media.clone())
                .collect();
            draft.documents.retain(|d| d.kind != document);
            // A question about an earlier photo for this document is answered by this one.
            if draft.doubt.as_ref().is_some_and(|d| d.sent_for == document)
                && let Some(doubt) = draft.doubt.take()
            {
                replaced.extend(doubt.held.map(|h| h.media));
            }
            let warning_text = entry
                .warnings
                .iter()
                .map(|f| self.flows.finding_text(f, lang))
                .collect::<Vec<_>>()
                .join(" ");
            draft.documents.push(entry);
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
        }
        t.ask = true;
    }

    /// The picture taken for `earlier` sent again (the same file, or nearly the same picture)
    /// for `sent_for`: "is it the one or the other?", never a refusal in circles.
    fn ask_about_same_picture(
        &self,
        st: &mut Conversation,
        sent_for: DocumentKind,
        earlier: DocumentKind,
        t: &mut Turn,
    ) {
        let label = self.doc_label(&earlier, st.lang).to_string();
        let doubt = PhotoDoubt {
            candidates: vec![sent_for.clone(), earlier.clone()],
            sent_for,
            held: None,
            same_as: Some(earlier),
        };
        self.hold_doubt(st, doubt, t);
        let earlier = label;
        t.notes
            .push(self.msg_with(st, "doubt_same_as", &[("earlier", earlier)]));
    }

    /// Asks about `doubt`, letting go of the photo an earlier question held.
    fn hold_doubt(&self, st: &mut Conversation, doubt: PhotoDoubt, t: &mut Turn) {
        let Some(draft) = st.draft.as_mut() else {
            return;
        };
        if let Some(previous) = draft.doubt.replace(doubt)
            && let Some(held) = previous.held
        {
            t.effects.push(Effect::ForgetMedia(vec![held.media]));
        }
    }

    /// A document of that shape (`id_card`, `a4_landscape`, `a4_portrait`, `paper`, `pas_foto`)
    /// the request still needs, other than `besides`.
    fn missing_document_of_shape(
        &self,
        st: &Conversation,
        shape: &str,
        besides: &DocumentKind,
    ) -> Option<DocumentKind> {
        let missing: Vec<(DocumentKind, DocumentShape)> = self
            .still_needed(st, &[])
            .into_iter()
            .filter(|(kind, _)| kind != besides && self.shape_fits(shape, kind))
            .collect();
        // A document of exactly that shape before one any sheet will do for.
        let exact = missing
            .iter()
            .position(|(_, own)| Some(*own) == DocumentShape::from_id(shape));
        let first = exact.unwrap_or(0);
        missing.into_iter().nth(first).map(|(kind, _)| kind)
    }

    /// The documents the request still needs besides those of this batch, with their shapes.
    fn still_needed(
        &self,
        st: &Conversation,
        batch: &[DocumentKind],
    ) -> Vec<(DocumentKind, DocumentShape)> {
        let (Some(draft), Some(service)) = (st.draft.as_ref(), self.service_of(st)) else {
            return Vec::new();
        };
        self.required_documents(service, draft)
            .into_iter()
            .filter(|kind| {
                draft.document(kind).is_none()
                    && !draft.pending.iter().any(|p| p.document == *kind)
                    && !batch.contains(kind)
            })
            .map(|kind| {
                let shape = self.flows.document_shape(&kind);
                (kind, shape)
            })
            .collect()
    }

    /// Whether a photo showing `looks`, put in a document any sheet will do for (a letter), is
    /// rather another document still needed, of exactly that shape (the KK).
    fn rather_another(
        &self,
        looks: &str,
        kind: &DocumentKind,
        still_needed: &[(DocumentKind, DocumentShape)],
    ) -> bool {
        let Some(found) = DocumentShape::from_id(looks) else {
            return false;
        };
        self.flows.document_shape(kind) == DocumentShape::Paper
            && found != DocumentShape::Paper
            && still_needed
                .iter()
                .any(|(other, shape)| other != kind && *shape == found)
    }

    /// The parent said which document the photo in question is.
    pub(super) fn resolve_doubt(&self, st: &mut Conversation, chosen: &str, t: &mut Turn) {
        let lang = st.lang;
        t.ask = true;
        let Some(draft) = st.draft.as_mut() else {
            return;
        };
        let Some(doubt) = draft.doubt.take() else {
            return;
        };
        let chosen = DocumentKind::new(chosen);
        if !doubt.candidates.contains(&chosen) {
            draft.doubt = Some(doubt);
            return;
        }
        match (doubt.held, doubt.same_as) {
            (Some(mut held), _) => {
                let replaced: Vec<MediaRef> = draft
                    .documents
                    .iter()
                    .filter(|d| d.kind == chosen)
                    .map(|d| d.media.clone())
                    .collect();
                draft.documents.retain(|d| d.kind != chosen);
                // Filed as what it shows, the hint is settled; kept where the parent insists,
                // so the officer sees that the checks thought otherwise.
                if chosen != doubt.sent_for {
                    held.warnings.retain(|f| f.code != OTHER_DOCUMENT);
                }
                held.kind = chosen.clone();
                draft.documents.push(held);
                if !replaced.is_empty() {
                    t.effects.push(Effect::ForgetMedia(replaced));
                }
                let label = self.doc_label(&chosen, lang).to_string();
                t.notes
                    .push(self.msg_with(st, "photo_received", &[("document", label)]));
            }
            (None, Some(earlier)) if chosen == doubt.sent_for => {
                // The earlier picture was this document all along: move it, ask for the other.
                if let Some(entry) = draft.documents.iter_mut().find(|d| d.kind == earlier) {
                    entry.kind = chosen.clone();
                }
                let label = self.doc_label(&chosen, lang).to_string();
                t.notes
                    .push(self.msg_with(st, "doubt_moved", &[("document", label)]));
            }
            _ => {}
        }
        st.unclear = 0;
    }
}

/// Whether a photo that looks like `looks` (a shape id) may be a document of `shape`.
fn shape_id_fits(looks: &str, shape: DocumentShape) -> bool {
    DocumentShape::from_id(looks).is_some_and(|found| shape.admits(found))
}

/// The photo a new one (for `document`, looking like `looks`) was swapped with.
enum Partner {
    /// `draft.documents[i]`.
    Taken(usize),
    /// The photo held by the open question.
    Held,
}

impl Engine<'_, '_> {
    /// Whether a photo that looks like `looks` (a shape id) may be a `kind`.
    fn shape_fits(&self, looks: &str, kind: &DocumentKind) -> bool {
        shape_id_fits(looks, self.flows.document_shape(kind))
    }

    /// A photo taken (or held) for another document that shows `document`, where the new photo
    /// shows that one's document, and one of the two does not fit where it was put.
    fn swap_partner(&self, draft: &Draft, document: &DocumentKind, looks: &str) -> Option<Partner> {
        let fits_here = self.shape_fits(looks, document);
        if let Some(doubt) = &draft.doubt
            && let Some(held) = &doubt.held
            && doubt.sent_for != *document
            && self.shape_fits(looks, &doubt.sent_for)
            && held
                .looks_like
                .as_deref()
                .is_some_and(|l| self.shape_fits(l, document))
        {
            return Some(Partner::Held);
        }
        if fits_here {
            return None;
        }
        draft
            .documents
            .iter()
            .position(|d| {
                d.kind != *document
                    && self.shape_fits(looks, &d.kind)
                    && d.looks_like
                        .as_deref()
                        .is_some_and(|l| self.shape_fits(l, document))
            })
            .map(Partner::Taken)
    }
}

/// Kuhn's augmenting path: gives photo `i` a slot whose document it may show (its own first),
/// moving earlier assignments along when that frees one.
fn augment(
    i: usize,
    slots: &[DocumentShape],
    arrivals: &[DocumentEntry],
    slot_of: &mut [Option<usize>],
    taken_by: &mut [Option<usize>],
    seen: &mut [bool],
) -> bool {
    let entry = &arrivals[i];
    // A photo whose content is unclear stays where it was put: moving it would be a guess.
    let elsewhere = entry.looks_like.is_some();
    let own = std::iter::once(i).chain((0..slots.len()).filter(move |&s| s != i && elsewhere));
    for s in own {
        let shows = entry
            .looks_like
            .as_deref()
            .is_none_or(|l| shape_id_fits(l, slots[s]));
        if !shows || seen[s] {
            continue;
        }
        seen[s] = true;
        let free = match taken_by[s] {
            None => true,
            Some(other) => augment(other, slots, arrivals, slot_of, taken_by, seen),
        };
        if free {
            slot_of[i] = Some(s);
            taken_by[s] = Some(i);
            return true;
        }
    }
    false
}

/// A photo refused for the document it was put in, which shows another document.
pub(super) struct Reject {
    media: MediaRef,
    document: DocumentKind,
    looks: String,
    step_id: String,
    label: String,
    reason: String,
}
