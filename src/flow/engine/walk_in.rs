//! Filing at the counter: the paper form's answers go through the very steps, validators and
//! photo verdicts the chat uses, in the flow's order, and the request is filed by the same
//! code. Nothing here is a second set of rules.

use super::*;
use crate::domain::walk_in::{FormProblem, WalkInForm};

impl<'a, 'c> Engine<'a, 'c> {
    /// An officer's form in the contact's lane: filed, and the parent told when they have
    /// WhatsApp. The contact's own chat (a draft in hand, an officer owning it) is untouched.
    pub(super) fn on_walk_in(&self, form: WalkInForm, t: &mut Turn) {
        match self.walk_in_request(&form) {
            Ok(filed) => {
                let told = Conversation {
                    lang: form.language,
                    ..Conversation::default()
                };
                let service = self
                    .flows
                    .service(&filed.service)
                    .map(|s| s.title.get(form.language).to_string())
                    .unwrap_or_default();
                let label = match form.language {
                    Lang::Id => filed.status.label_id(),
                    Lang::En => filed.status.label_en(),
                };
                let mut next = self.msg(&told, "status_next_diajukan");
                if let Some(due) = filed.due_date {
                    next.push(' ');
                    next.push_str(&self.msg_with(
                        &told,
                        "walk_in_due",
                        &[("due_date", self.date_text(due, form.language))],
                    ));
                }
                let mut notice = Turn::default();
                self.send_status(
                    &told,
                    &filed.number.to_string(),
                    service,
                    filed.subject.name.clone(),
                    label,
                    None,
                    next,
                    &mut notice,
                );
                t.effects.push(Effect::FileRequest(Box::new(filed)));
                t.effects.append(&mut notice.effects);
                if let Some(text) = render(&notice.notes, None) {
                    t.effects.push(Effect::Send(text));
                }
            }
            Err(problems) => {
                // The desk checked the same form a moment ago: only a race (another request
                // for the same NIK filed in between) lands here.
                let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
                tracing::warn!(form = %form.id, ?fields, "a walk-in form could not be filed");
            }
        }
    }

    /// The request the form files, or what stops it, field by field.
    pub(super) fn walk_in_request(
        &self,
        form: &WalkInForm,
    ) -> Result<FiledRequest, Vec<FormProblem>> {
        let scratch = Conversation {
            lang: form.language,
            ..Conversation::default()
        };
        let problem = |field: &str, message: String| FormProblem {
            field: field.to_string(),
            message,
        };
        let Some(service) = self
            .flows
            .service(&form.service)
            .filter(|s| self.offers(&s.id))
        else {
            return Err(vec![problem(
                "service",
                self.msg(&scratch, "walk_in_service_unknown"),
            )]);
        };
        let mut problems = Vec::new();
        if !form.consent {
            problems.push(problem("consent", self.msg(&scratch, "walk_in_consent")));
        }
        let mut st = scratch;
        let mut draft = Draft::new(&service.id, self.now());
        // Signed on paper at the counter; the form says so.
        draft.consent_at = Some(self.now());
        st.draft = Some(draft);
        // Steps whose answer is wrong or missing: passed over, so the steps after them are
        // checked too and the officer sees every problem at once.
        let mut passed_over: Vec<&str> = Vec::new();
        for _ in 0..service.steps.len() * 2 + 2 {
            let Some(draft) = st.draft.as_ref() else {
                break;
            };
            let Some(step) = service.steps.iter().skip(1).find(|step| {
                !passed_over.contains(&step.id.as_str())
                    && self.applies(step, draft)
                    && match &step.kind {
                        StepKind::Summary => true,
                        StepKind::Consent => false,
                        StepKind::Photo { document, .. } => draft.document(document).is_none(),
                        _ => !draft.answers.contains_key(&step.id),
                    }
            }) else {
                break;
            };
            let value = form
                .answers
                .get(&step.id)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty());
            let mut t = Turn::default();
            let failed = match (&step.kind, value) {
                (StepKind::Summary, _) => break,
                (StepKind::Consent, _) => None,
                (StepKind::Photo { document, .. }, _) => {
                    self.walk_in_photo(&mut st, form, document)
                }
                (_, None) => Some(self.msg(&st, "walk_in_required")),
                (StepKind::Text(validator), Some(text)) => {
                    self.on_step_text(&mut st, step, *validator, text, &mut t);
                    let answered = st
                        .draft
                        .as_ref()
                        .is_some_and(|d| d.answers.contains_key(&step.id));
                    (!answered).then(|| t.notes.last().cloned().unwrap_or_default())
                }
                (StepKind::Choice(options), Some(id)) => {
                    let offered = options.iter().any(|o| {
                        o.id == id
                            && o.clears.is_empty()
                            && self.condition_holds(o.when.as_ref(), draft)
                    });
                    if offered {
                        self.answer_option(&mut st, &step.id, id, &mut t);
                        None
                    } else {
                        Some(self.msg(&st, "walk_in_option_unknown"))
                    }
                }
                (StepKind::Kecamatan, Some(code)) => {
                    if self.kecamatan_name(code).is_some() {
                        self.answer_option(&mut st, &step.id, code, &mut t);
                        None
                    } else {
                        Some(self.msg(&st, "walk_in_option_unknown"))
                    }
                }
                (StepKind::Kelurahan, Some(code)) => {
                    let kecamatan = draft.answers.get(well_known::KECAMATAN).map(Answer::raw);
                    let known = self.flows.kelurahan.iter().any(|k| {
                        k.code == code && kecamatan.as_ref().is_none_or(|c| *c == k.kecamatan_code)
                    });
                    if known {
                        self.answer_option(&mut st, &step.id, code, &mut t);
                        None
                    } else {
                        Some(self.msg(&st, "walk_in_option_unknown"))
                    }
                }
            };
            if let Some(message) = failed {
                let field = match &step.kind {
                    StepKind::Photo { document, .. } => document.id().to_string(),
                    _ => step.id.clone(),
                };
                problems.push(problem(&field, message));
                passed_over.push(&step.id);
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut t = Turn::default();
        self.file(&mut st, &mut t);
        t.effects
            .into_iter()
            .find_map(|e| match e {
                Effect::FileRequest(mut filed) => {
                    filed.walk_in = Some(crate::domain::walk_in::WalkInMark {
                        form: form.id.clone(),
                        by: form.by.clone(),
                    });
                    Some(*filed)
                }
                _ => None,
            })
            .ok_or_else(|| vec![problem("form", t.notes.join(" "))])
    }

    /// The uploaded photo of `document`, if its checks accepted it; else why not.
    fn walk_in_photo(
        &self,
        st: &mut Conversation,
        form: &WalkInForm,
        document: &DocumentKind,
    ) -> Option<String> {
        let label = self.doc_label(document, st.lang).to_string();
        let Some(photo) = form.photos.iter().find(|p| p.kind == *document) else {
            return Some(self.msg_with(st, "walk_in_photo_missing", &[("document", label)]));
        };
        if !photo.record.verdict.accepted() {
            let reason = photo
                .record
                .verdict
                .refusals()
                .map(|f| self.flows.finding_text(f, st.lang))
                .collect::<Vec<_>>()
                .join(" ");
            return Some(self.msg_with(
                st,
                "photo_refused",
                &[("document", label), ("reason", reason)],
            ));
        }
        if let Some(draft) = st.draft.as_mut() {
            draft.documents.push(DocumentEntry {
                kind: document.clone(),
                media: photo.media.clone(),
                warnings: photo.record.verdict.warnings().cloned().collect(),
                looks_like: None,
            });
        }
        None
    }
}
