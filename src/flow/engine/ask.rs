//! Which question comes next: the current step (never stored, always derived), conditions,
//! the documents a request needs, and the question as it is put.

use super::*;

impl<'a, 'c> Engine<'a, 'c> {
    /// The answer to one of the subject's steps (`[subject]` of the draft's service).
    pub(super) fn subject_answer<'d>(
        &self,
        draft: &'d Draft,
        step: impl Fn(&'a SubjectSteps) -> Option<&'a String>,
    ) -> Option<&'d Answer> {
        let service = self.flows.service(&draft.service)?;
        draft.answers.get(step(&service.subject)?)
    }

    pub(super) fn birth_date(&self, draft: &Draft) -> Option<Date> {
        match self.subject_answer(draft, |s| s.birth_date.as_ref()) {
            Some(Answer::Date(d)) => Some(*d),
            _ => None,
        }
    }

    pub(super) fn sex(&self, draft: &Draft) -> Option<Sex> {
        match self
            .subject_answer(draft, |s| s.sex.as_ref())
            .map(Answer::raw)
            .as_deref()
        {
            Some("l") => Some(Sex::Male),
            Some("p") => Some(Sex::Female),
            _ => None,
        }
    }

    pub(super) fn condition_holds(
        &self,
        condition: Option<&crate::flow::Condition>,
        draft: &Draft,
    ) -> bool {
        let Some(condition) = condition else {
            return true;
        };
        let birth = self.birth_date(draft);
        let today = self.today();
        let lookup = |name: &str| -> Option<crate::flow::Value> {
            use crate::flow::Value;
            match name {
                "child_age" => birth.map(|b| Value::Number(i64::from(age_in_years(b, today)))),
                "birth_year" => birth.map(|b| Value::Number(i64::from(b.year()))),
                "pickup_at_kecamatan" => Some(Value::Bool(self.settings().pickup_at_kecamatan)),
                field => draft.answers.get(field).map(|a| Value::Text(a.raw())),
            }
        };
        condition.eval(&lookup)
    }

    pub(super) fn applies(&self, step: &Step, draft: &Draft) -> bool {
        match &draft.resend {
            // Photos sent back: only theirs are asked (whatever the conditions said at filing).
            Some(resend) => match &step.kind {
                StepKind::Photo { document, .. } => {
                    resend.documents.iter().any(|r| r.kind == *document)
                }
                StepKind::Summary => true,
                _ => false,
            },
            None => self.condition_holds(step.when.as_ref(), draft),
        }
    }

    /// The first step still to do. `count_pending`: photos being checked count as done (for
    /// asking); filing passes `false`, so only judged photos count.
    pub(super) fn current_step<'s>(
        &self,
        service: &'s Service,
        draft: &Draft,
        count_pending: bool,
    ) -> Option<&'s Step> {
        if draft.consent_at.is_none() {
            return service.steps.first();
        }
        service.steps.iter().skip(1).find(|step| {
            if !self.applies(step, draft) {
                return false;
            }
            match &step.kind {
                StepKind::Summary => true,
                StepKind::Photo { document, .. } => {
                    draft.document(document).is_none()
                        && !(count_pending && draft.pending.iter().any(|p| p.document == *document))
                }
                StepKind::Consent => false,
                _ => !draft.answers.contains_key(&step.id),
            }
        })
    }

    /// The service asks the kelurahan before the kecamatan (which is then filled from it).
    pub(super) fn kelurahan_first(&self, service: &Service) -> bool {
        let position =
            |kind: fn(&StepKind) -> bool| service.steps.iter().position(|s| kind(&s.kind));
        match (
            position(|k| matches!(k, StepKind::Kelurahan)),
            position(|k| matches!(k, StepKind::Kecamatan)),
        ) {
            (Some(kelurahan), Some(kecamatan)) => kelurahan < kecamatan,
            _ => false,
        }
    }

    /// A question with one option is not a question: say what the office offers and go on
    /// ("Pengiriman: *Antar ke rumah (Pos)*, satu-satunya pilihan di kantor ini").
    pub(super) fn settle_single_options(&self, st: &mut Conversation, t: &mut Turn) {
        let lang = st.lang;
        loop {
            let Some(draft) = st.draft.as_ref() else {
                return;
            };
            let Some(service) = self.flows.service(&draft.service) else {
                return;
            };
            let Some(step) = self.current_step(service, draft, true) else {
                return;
            };
            let StepKind::Choice(options) = &step.kind else {
                return;
            };
            let shown: Vec<&crate::flow::def::ChoiceOption> = options
                .iter()
                .filter(|o| self.condition_holds(o.when.as_ref(), draft))
                .collect();
            let [only] = shown.as_slice() else {
                return;
            };
            if !only.clears.is_empty() {
                return;
            }
            let note = self.msg_with(
                st,
                "only_option",
                &[
                    ("label", step.label.get(lang).to_string()),
                    ("option", only.title.get(lang).to_string()),
                ],
            );
            if let Some(draft) = st.draft.as_mut() {
                draft
                    .answers
                    .insert(step.id.clone(), Answer::Choice(only.id.clone()));
            }
            t.notes.push(note);
        }
    }

    pub(super) fn required_documents(&self, service: &Service, draft: &Draft) -> Vec<DocumentKind> {
        service
            .steps
            .iter()
            .filter(|s| self.applies(s, draft))
            .filter_map(|s| match &s.kind {
                StepKind::Photo { document, .. } => Some(document.clone()),
                _ => None,
            })
            .collect()
    }

    // ---------- the question the conversation waits on ----------

    pub(super) fn question(&self, st: &Conversation) -> Question {
        let lang = st.lang;
        let base = Question {
            list_button: self.msg(st, "list_button"),
            options_hint: self.msg(st, "options_hint"),
            page: usize::from(st.list_page),
            ..Question::default()
        };
        let opt = |id: String, title: &str, description: Option<String>| Opt {
            id,
            title: title.to_string(),
            description,
        };
        match (&st.overlay, &st.draft) {
            (Overlay::ConfirmCancel, Some(_)) => Question {
                body: self.msg(st, "cancel_confirm"),
                options: vec![
                    opt("cancel.yes".into(), &self.msg(st, "cancel_yes"), None),
                    opt("cancel.no".into(), &self.msg(st, "cancel_no"), None),
                ],
                ..base
            },
            (Overlay::Faq, _) => Question {
                body: self.msg(st, "faq_header"),
                options: self
                    .flows
                    .faq
                    .iter()
                    .map(|f| opt(format!("faq.{}", f.id), f.title.get(lang), None))
                    .collect(),
                ..base
            },
            (Overlay::EditList, Some(draft)) => {
                let mut options = Vec::new();
                if let Some(service) = self.flows.service(&draft.service) {
                    for step in service.steps.iter().filter(|s| self.applies(s, draft)) {
                        let done = match &step.kind {
                            StepKind::Photo { document, .. } => draft.document(document).is_some(),
                            StepKind::Consent | StepKind::Summary => false,
                            _ => draft.answers.contains_key(&step.id),
                        };
                        if done {
                            options.push(opt(
                                format!("edit.{}", step.id),
                                step.label.get(lang),
                                None,
                            ));
                        }
                    }
                }
                Question {
                    body: self.msg(st, "edit_which"),
                    options,
                    more: Some(("edit.__more".into(), self.msg(st, "list_more"))),
                    ..base
                }
            }
            (Overlay::Menu, _) => self.menu_question(st, base),
            (Overlay::None, Some(draft)) if draft.doubt.is_some() => {
                self.doubt_question(st, draft, base)
            }
            (_, Some(draft)) => match self.flows.service(&draft.service) {
                Some(service) => match self.current_step(service, draft, true) {
                    Some(step) => self.step_question(st, service, draft, step, base),
                    None => self.menu_question(st, base),
                },
                None => self.menu_question(st, base),
            },
            _ => self.menu_question(st, base),
        }
    }

    /// "Which document is that photo?" with a button per candidate: "Itu akta", "Itu KK".
    pub(super) fn doubt_question(
        &self,
        st: &Conversation,
        draft: &Draft,
        base: Question,
    ) -> Question {
        let lang = st.lang;
        let Some(doubt) = draft.doubt.as_ref() else {
            return base;
        };
        let options = doubt
            .candidates
            .iter()
            .map(|kind| Opt {
                id: format!("doubt.{}", kind.id()),
                title: self.msg_with(
                    st,
                    "doubt_option",
                    &[(
                        "document",
                        self.flows.document_short(kind, lang).to_string(),
                    )],
                ),
                description: None,
            })
            .collect();
        Question {
            body: self.msg_with(
                st,
                "doubt_question",
                &[(
                    "document",
                    self.doc_label(&doubt.sent_for, lang).to_string(),
                )],
            ),
            options,
            ..base
        }
    }

    pub(super) fn menu_question(&self, st: &Conversation, base: Question) -> Question {
        let lang = st.lang;
        let mut options = Vec::new();
        if st.draft.is_some() {
            options.push(Opt {
                id: "menu.__continue".into(),
                title: self.msg(st, "menu_continue"),
                description: None,
            });
        }
        for service in self.services() {
            options.push(Opt {
                id: format!("menu.{}", service.id),
                title: service.title.get(lang).to_string(),
                description: service
                    .description
                    .as_ref()
                    .map(|d| d.get(lang).to_string()),
            });
        }
        for (id, key) in [
            ("__status", "menu_status"),
            ("__syarat", "menu_syarat"),
            ("__faq", "menu_faq"),
            ("__petugas", "menu_petugas"),
        ] {
            options.push(Opt {
                id: format!("menu.{id}"),
                title: self.msg(st, key),
                description: None,
            });
        }
        Question {
            body: self.msg(st, "menu_body"),
            list_button: self.msg(st, "menu_button"),
            options,
            ..base
        }
    }

    pub(super) fn step_question(
        &self,
        st: &Conversation,
        service: &Service,
        draft: &Draft,
        step: &Step,
        base: Question,
    ) -> Question {
        let lang = st.lang;
        let prompt = self.text(st, &step.prompt, &[]);
        let id = &step.id;
        let more = Some((format!("{id}.__more"), self.msg(st, "list_more")));
        let options: Vec<Opt> = match &step.kind {
            StepKind::Consent => vec![
                Opt {
                    id: format!("{id}.yes"),
                    title: self.msg(st, "consent_yes"),
                    description: None,
                },
                Opt {
                    id: format!("{id}.no"),
                    title: self.msg(st, "consent_no"),
                    description: None,
                },
            ],
            StepKind::Choice(options) => options
                .iter()
                .filter(|o| self.condition_holds(o.when.as_ref(), draft))
                .map(|o| Opt {
                    id: format!("{id}.{}", o.id),
                    title: o.title.get(lang).to_string(),
                    description: o.description.as_ref().map(|d| d.get(lang).to_string()),
                })
                .collect(),
            StepKind::Kecamatan => self
                .flows
                .kecamatan
                .iter()
                .map(|(code, name)| Opt {
                    id: format!("{id}.{code}"),
                    title: name.clone(),
                    description: None,
                })
                .collect(),
            StepKind::Kelurahan => match draft.answers.get(well_known::KECAMATAN) {
                Some(kecamatan) => {
                    let kecamatan = kecamatan.raw();
                    let options = self
                        .flows
                        .kelurahan
                        .iter()
                        .filter(|k| k.kecamatan_code == kecamatan)
                        .map(|k| Opt {
                            id: format!("{id}.{}", k.code),
                            title: k.name.clone(),
                            description: None,
                        })
                        .collect();
                    // Asked kelurahan first, the parent chose the kecamatan to see a shorter list.
                    if self.kelurahan_first(service) {
                        return Question {
                            body: self.msg(st, "kelurahan_in_kecamatan"),
                            options,
                            more,
                            ..base
                        };
                    }
                    options
                }
                // Kelurahan first: typed by name, or narrowed down by tapping its kecamatan.
                None => self
                    .flows
                    .kecamatan
                    .iter()
                    .map(|(code, name)| Opt {
                        id: format!("{}.{code}", well_known::KECAMATAN),
                        title: name.clone(),
                        description: None,
                    })
                    .collect(),
            },
            StepKind::Summary => {
                return Question {
                    body: format!("{}\n\n{prompt}", self.summary_text(st, service, draft)),
                    options: vec![
                        Opt {
                            id: "summary.send".into(),
                            title: self.msg(st, "summary_send"),
                            description: None,
                        },
                        Opt {
                            id: "summary.edit".into(),
                            title: self.msg(st, "summary_edit"),
                            description: None,
                        },
                        Opt {
                            id: "summary.cancel".into(),
                            title: self.msg(st, "summary_cancel"),
                            description: None,
                        },
                    ],
                    ..base
                };
            }
            StepKind::Text(_) | StepKind::Photo { .. } => Vec::new(),
        };
        Question {
            body: prompt,
            options,
            more,
            ..base
        }
    }
}
