//! Answers to the current question and the global commands: typed text, taps, validation,
//! failed attempts and escalation, cancelling.

use super::choose::{Choice, Typed, match_choice};
use super::*;

impl<'a, 'c> Engine<'a, 'c> {
    pub(super) fn on_text(&self, st: &mut Conversation, text: &str, t: &mut Turn) {
        if let Some(command) = self.match_command(text) {
            self.run_command(st, command, text, t);
            return;
        }
        if is_question(text)
            && let Some(faq) = self.match_faq(text)
        {
            t.notes.push(self.text(st, &faq.answer, &[]));
            t.ask = true;
            return;
        }
        if self.on_kelurahan_text(st, text, t) {
            return;
        }
        let question = self.question(st);
        if !question.options.is_empty() {
            let typed = self.match_typed(st, &question, text);
            // The parent typed past a menu they opened mid-request: treat it as the step's answer.
            if !matches!(typed, Typed::One(_))
                && matches!(st.overlay, Overlay::Menu | Overlay::Faq)
                && st.draft.is_some()
            {
                st.overlay = Overlay::None;
                self.on_text(st, text, t);
                return;
            }
            match typed {
                Typed::One(i) => {
                    if let Some(option) = question.options.get(i) {
                        let id = option.id.clone();
                        self.on_option(st, &id, t);
                        return;
                    }
                    let elsewhere = self.elsewhere();
                    if let Some((service, number)) = i
                        .checked_sub(question.options.len())
                        .and_then(|j| elsewhere.get(j))
                    {
                        self.point_elsewhere(st, service, number, t);
                        return;
                    }
                }
                Typed::Ambiguous(hits) => {
                    let choices = hits
                        .iter()
                        .filter_map(|i| question.options.get(*i).map(|o| (i + 1, &o.title)))
                        .map(|(n, title)| format!("{n}. {title}"))
                        .collect::<Vec<_>>()
                        .join("\n");
                    t.notes
                        .push(self.msg_with(st, "choice_ambiguous", &[("choices", choices)]));
                    t.ask = true;
                    return;
                }
                Typed::Nothing => {}
            }
        }
        if let Some(faq) = self.match_faq(text) {
            t.notes.push(self.text(st, &faq.answer, &[]));
            t.ask = true;
            return;
        }
        let step = st
            .draft
            .as_ref()
            .filter(|_| st.overlay.is_none())
            .and_then(|d| {
                self.flows
                    .service(&d.service)
                    .and_then(|s| self.current_step(s, d, true))
            });
        match step.map(|s| (s, &s.kind)) {
            Some((step, StepKind::Text(validator))) => {
                self.on_step_text(st, step, *validator, text, t)
            }
            Some((
                step,
                StepKind::Choice(_)
                | StepKind::Kecamatan
                | StepKind::Kelurahan
                | StepKind::Consent
                | StepKind::Summary,
            )) => {
                // An option this office does not offer: say so, and ask again without counting it.
                if let Some(option) = self.unavailable_option(st, text) {
                    t.notes
                        .push(self.msg_with(st, "option_unavailable", &[("option", option)]));
                    t.ask = true;
                } else if matches!(step.kind, StepKind::Kelurahan) {
                    self.fail(st, &step.id, "kelurahan_unknown", &[], t)
                } else {
                    self.fail(st, &step.id, "invalid_choice", &[], t)
                }
            }
            // A service another of the office's numbers answers: say which number to write to.
            None if self.service_elsewhere(text).is_some() => {
                if let Some((service, number)) = self.service_elsewhere(text) {
                    self.point_elsewhere(st, service, number, t);
                }
            }
            // A greeting that says nothing more opens the menu; it is never "not understood".
            None if self.opener_command(text).is_some() => {
                if let Some(command) = self.opener_command(text) {
                    self.run_command(st, command, text, t);
                }
            }
            _ => self.unclear(st, "not_understood", t),
        }
    }

    /// "This service is on our other number": which one, and the menu of this one.
    fn point_elsewhere(
        &self,
        st: &mut Conversation,
        service: &Service,
        number: &NumberProfile,
        t: &mut Turn,
    ) {
        let note = self.msg_with(
            st,
            "service_elsewhere",
            &[
                ("service", service.title.get(st.lang).to_string()),
                ("number", number.display.clone()),
                ("label", number.label.get(st.lang).to_string()),
            ],
        );
        t.notes.push(note);
        t.ask = true;
    }

    /// At a kelurahan step a typed name is looked up among all kelurahan of the kecamatan, or
    /// of the whole region when the kelurahan is asked first. True when the text was used.
    fn on_kelurahan_text(&self, st: &mut Conversation, text: &str, t: &mut Turn) -> bool {
        if !st.overlay.is_none() {
            return false;
        }
        let Some(draft) = st.draft.as_ref() else {
            return false;
        };
        let Some(step) = self
            .flows
            .service(&draft.service)
            .and_then(|s| self.current_step(s, draft, true))
            .filter(|s| matches!(s.kind, StepKind::Kelurahan))
        else {
            return false;
        };
        // A number means a row of the list shown, never a kelurahan elsewhere in the region.
        if words(text)
            .split(' ')
            .next()
            .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()))
        {
            return false;
        }
        let kecamatan = draft.answers.get(well_known::KECAMATAN).map(Answer::raw);
        let candidates: Vec<&crate::domain::region::Kelurahan> = self
            .flows
            .kelurahan
            .iter()
            .filter(|k| kecamatan.as_ref().is_none_or(|c| k.kecamatan_code == *c))
            .collect();
        let choices: Vec<Choice> = candidates
            .iter()
            .map(|k| Choice {
                names: vec![k.name.as_str()],
                weak: false,
            })
            .collect();
        match match_choice(text, &choices) {
            Typed::One(i) => {
                let Some(code) = candidates.get(i).map(|k| k.code.clone()) else {
                    return false;
                };
                let step_id = step.id.clone();
                self.answer_option(st, &step_id, &code, t);
                true
            }
            Typed::Ambiguous(hits) => {
                let choices = hits
                    .iter()
                    .filter_map(|i| candidates.get(*i))
                    .map(|k| {
                        let kecamatan = self
                            .kecamatan_name(&k.kecamatan_code)
                            .unwrap_or_else(|| k.kecamatan_code.clone());
                        format!("• {} ({kecamatan})", k.name)
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                t.notes
                    .push(self.msg_with(st, "kelurahan_ambiguous", &[("choices", choices)]));
                t.ask = true;
                true
            }
            Typed::Nothing => false,
        }
    }

    pub(super) fn on_choice(&self, st: &mut Conversation, id: &str, title: &str, t: &mut Turn) {
        let question = self.question(st);
        if question.options.iter().any(|o| o.id == id)
            || question.more.as_ref().is_some_and(|(more, _)| more == id)
        {
            self.on_option(st, id, t);
        } else if id.starts_with("menu.") {
            // The menu is valid from any message, even an older one.
            self.on_option(st, id, t);
        } else if id.contains('.') {
            // A button of an earlier question (a double tap, or scrolling back): never an answer
            // to this one, or "Setuju" tapped twice would become the child's name.
            t.notes.push(self.msg(st, "stale_button"));
            t.ask = true;
        } else {
            // Not one of ours (e.g. a template button): read its title as if typed.
            self.on_text(st, title, t);
        }
    }

    pub(super) fn on_option(&self, st: &mut Conversation, id: &str, t: &mut Turn) {
        let (head, tail) = id.split_once('.').unwrap_or((id, ""));
        if tail == "__more" {
            st.list_page = st.list_page.wrapping_add(1);
            t.ask = true;
            return;
        }
        st.list_page = 0;
        match (head, tail) {
            ("menu", "__continue") => {
                st.overlay = Overlay::None;
                t.ask = true;
            }
            ("menu", "__status") => self.run_command(st, Command::Status, "", t),
            ("menu", "__syarat") => self.run_command(st, Command::Syarat, "", t),
            ("menu", "__petugas") => self.run_command(st, Command::Petugas, "", t),
            ("menu", "__faq") => {
                st.overlay = Overlay::Faq;
                t.ask = true;
            }
            ("menu", service) => self.start_service(st, service, t),
            ("faq", faq) => {
                if let Some(entry) = self.flows.faq.iter().find(|f| f.id == faq) {
                    t.notes.push(self.text(st, &entry.answer, &[]));
                }
                st.overlay = Overlay::None;
                t.ask = true;
            }
            ("cancel", "yes") => self.cancel(st, t),
            ("cancel", _) => {
                st.overlay = Overlay::None;
                t.notes.push(self.msg(st, "cancel_kept"));
                t.ask = true;
            }
            ("doubt", document) => self.resolve_doubt(st, document, t),
            ("summary", "send") => self.file(st, t),
            ("summary", "edit") => {
                st.overlay = Overlay::EditList;
                t.ask = true;
            }
            ("summary", _) => {
                st.overlay = Overlay::ConfirmCancel;
                t.ask = true;
            }
            ("edit", step_id) => {
                st.overlay = Overlay::None;
                let service = self.service_of(st);
                if let (Some(draft), Some(service)) = (st.draft.as_mut(), service) {
                    match service.step(step_id).map(|s| &s.kind) {
                        Some(StepKind::Photo { document, .. }) => {
                            let removed: Vec<MediaRef> = draft
                                .documents
                                .iter()
                                .filter(|d| d.kind == *document)
                                .map(|d| d.media.clone())
                                .collect();
                            draft.documents.retain(|d| d.kind != *document);
                            if !removed.is_empty() {
                                t.effects.push(Effect::ForgetMedia(removed));
                            }
                        }
                        Some(_) => {
                            draft.answers.remove(step_id);
                            if let Some(step) = service.step(step_id) {
                                for filled in &step.fills {
                                    if draft.derived.contains(filled) {
                                        draft.answers.remove(filled);
                                    }
                                }
                                draft.derived.retain(|d| !step.fills.contains(d));
                            }
                        }
                        None => {}
                    }
                }
                t.ask = true;
            }
            (step_id, option) => self.answer_option(st, step_id, option, t),
        }
    }

    /// The title of an option of this service that its condition hides (the office does not
    /// offer it), when that is what the parent typed.
    pub(super) fn unavailable_option(&self, st: &Conversation, text: &str) -> Option<String> {
        let draft = st.draft.as_ref()?;
        let service = self.flows.service(&draft.service)?;
        let lang = st.lang;
        service.steps.iter().find_map(|step| {
            let StepKind::Choice(options) = &step.kind else {
                return None;
            };
            let hidden: Vec<&crate::flow::def::ChoiceOption> = options
                .iter()
                .filter(|o| !self.condition_holds(o.when.as_ref(), draft))
                .collect();
            let choices: Vec<Choice> = hidden
                .iter()
                .map(|o| Choice {
                    names: std::iter::once(o.title.get(lang))
                        .chain(o.aliases.iter().map(String::as_str))
                        .collect(),
                    weak: false,
                })
                .collect();
            match match_choice(text, &choices) {
                Typed::One(i) => hidden.get(i).map(|o| o.title.get(lang).to_string()),
                _ => None,
            }
        })
    }

    pub(super) fn start_service(&self, st: &mut Conversation, service_id: &str, t: &mut Turn) {
        st.overlay = Overlay::None;
        // A stale button of a service this number does not offer (or no longer exists).
        let Some(service) = self
            .flows
            .service(service_id)
            .filter(|s| self.offers(&s.id))
        else {
            t.ask = true;
            return;
        };
        if st.draft.is_some() {
            t.notes.push(self.msg(st, "draft_exists"));
        } else {
            st.draft = Some(Draft::new(&service.id, self.now()));
        }
        t.ask = true;
    }

    pub(super) fn answer_option(
        &self,
        st: &mut Conversation,
        step_id: &str,
        option: &str,
        t: &mut Turn,
    ) {
        st.overlay = Overlay::None;
        let Some(service) = self.service_of(st) else {
            t.ask = true;
            return;
        };
        let Some(step) = service.step(step_id) else {
            t.ask = true;
            return;
        };
        let now = self.now();
        let Some(draft) = st.draft.as_mut() else {
            return;
        };
        match &step.kind {
            StepKind::Consent if option == "yes" => {
                draft.consent_at = Some(now);
            }
            StepKind::Consent => {
                // No agreement, no data: drop the draft (it holds nothing but the service yet).
                let media = draft.all_media();
                st.draft = None;
                if !media.is_empty() {
                    t.effects.push(Effect::ForgetMedia(media));
                }
                t.notes.push(self.msg(st, "consent_declined"));
                return;
            }
            StepKind::Choice(options) => {
                let Some(chosen) = options.iter().find(|o| o.id == option) else {
                    t.ask = true;
                    return;
                };
                if !chosen.clears.is_empty() {
                    for field in &chosen.clears {
                        draft.answers.remove(field);
                    }
                    if let Some(note) = &chosen.note {
                        let note = self.text(st, note, &[]);
                        t.notes.push(note);
                    }
                    t.ask = true;
                    return;
                }
                draft
                    .answers
                    .insert(step.id.clone(), Answer::Choice(chosen.id.clone()));
                draft.derived.retain(|d| *d != step.id);
            }
            StepKind::Kecamatan | StepKind::Kelurahan => {
                draft
                    .answers
                    .insert(step.id.clone(), Answer::Choice(option.to_string()));
            }
            _ => {}
        }
        self.after_answer(st, &step.id, t);
    }

    /// Keeps answers consistent after one changed, and moves on.
    pub(super) fn after_answer(&self, st: &mut Conversation, step_id: &str, t: &mut Turn) {
        let today = self.today();
        let birth = st.draft.as_ref().and_then(|d| self.birth_date(d));
        let sex = st.draft.as_ref().and_then(|d| self.sex(d));
        if let Some(draft) = st.draft.as_mut() {
            let subject = self.flows.service(&draft.service).map(|s| &s.subject);
            let names_subject = |field: Option<&String>| field.is_some_and(|f| f == step_id);
            match step_id {
                // A changed birth date or sex may no longer agree with the NIK: ask it again.
                _ if subject.is_some_and(|s| {
                    names_subject(s.birth_date.as_ref()) || names_subject(s.sex.as_ref())
                }) =>
                {
                    if let Some(nik_step) = subject.and_then(|s| s.nik.as_ref()) {
                        let stale = matches!(draft.answers.get(nik_step), Some(Answer::Nik(nik)) if nik.cross_check(birth, sex, None, today).is_err());
                        if stale {
                            draft.answers.remove(nik_step);
                        }
                    }
                }
                // The kelurahan determines its kecamatan (and postal code).
                well_known::KELURAHAN => {
                    let code = draft
                        .answers
                        .get(well_known::KELURAHAN)
                        .map(Answer::raw)
                        .unwrap_or_default();
                    if let Some(k) = self.flows.kelurahan.iter().find(|k| k.code == code) {
                        draft.answers.insert(
                            well_known::KECAMATAN.to_string(),
                            Answer::Choice(k.kecamatan_code.clone()),
                        );
                    }
                }
                well_known::KECAMATAN => {
                    let kecamatan = draft
                        .answers
                        .get(well_known::KECAMATAN)
                        .map(Answer::raw)
                        .unwrap_or_default();
                    let stale = draft.answers.get(well_known::KELURAHAN).is_some_and(|k| {
                        !self
                            .flows
                            .kelurahan
                            .iter()
                            .any(|x| x.code == k.raw() && x.kecamatan_code == kecamatan)
                    });
                    if stale {
                        draft.answers.remove(well_known::KELURAHAN);
                    }
                }
                _ => {}
            }
            draft.attempts = 0;
        }
        st.unclear = 0;
        t.ask = true;
    }

    pub(super) fn on_step_text(
        &self,
        st: &mut Conversation,
        step: &Step,
        validator: Validator,
        text: &str,
        t: &mut Turn,
    ) {
        let Some(draft) = st.draft.as_ref() else {
            return;
        };
        let service_id = draft.service.clone();
        match self.validate(draft, &service_id, validator, text) {
            Ok((mut answer, warnings)) => {
                let filled = match self.filled_from(st, step, &answer) {
                    Ok(filled) => filled,
                    Err((code, extra)) => return self.fail(st, &step.id, code, &extra, t),
                };
                let rt_rw = match (&validator, &answer) {
                    (Validator::Street, Answer::Text(street)) => self.rt_rw_in_street(st, street),
                    _ => None,
                };
                if let Some((street, _, _)) = &rt_rw {
                    answer = Answer::Text(street.clone());
                }
                if let Some(note) = self.filled_note(st, step, &answer) {
                    t.notes.push(note);
                }
                if let Some(draft) = st.draft.as_mut() {
                    draft.derived.retain(|d| *d != step.id);
                    for (id, value) in filled {
                        draft.answers.insert(id.clone(), value);
                        if !draft.derived.contains(&id) {
                            draft.derived.push(id);
                        }
                    }
                    if let Some((_, rt_rw_step, value)) = rt_rw {
                        draft.answers.insert(rt_rw_step, value);
                    }
                    draft.answers.insert(step.id.clone(), answer);
                    for w in &warnings {
                        if !draft.data_warnings.iter().any(|x| x == w.code()) {
                            draft.data_warnings.push(w.code().to_string());
                        }
                    }
                }
                if warnings
                    .iter()
                    .any(|w| matches!(w, NikWarning::UnknownRegion { .. }))
                {
                    t.notes.push(self.msg(st, "nik_warning"));
                }
                self.after_answer(st, &step.id, t);
            }
            Err((code, extra)) => self.fail(st, &step.id, code, &extra, t),
        }
    }

    /// The answers a NIK step fills (`fills`): the birth date and sex the number encodes, for
    /// steps not yet answered. A derived birth date must pass its own step's checks.
    #[allow(clippy::type_complexity)]
    fn filled_from(
        &self,
        st: &Conversation,
        step: &Step,
        answer: &Answer,
    ) -> Result<Vec<(String, Answer)>, (&'static str, Vec<(&'static str, String)>)> {
        let (Some(draft), Some(service), Answer::Nik(nik)) =
            (st.draft.as_ref(), self.service_of(st), answer)
        else {
            return Ok(Vec::new());
        };
        let today = self.today();
        let Ok((birth, sex)) = nik.decode(today) else {
            return Ok(Vec::new());
        };
        let mut filled = Vec::new();
        for target in &step.fills {
            if draft.answers.contains_key(target) && !draft.derived.contains(target) {
                continue;
            }
            match service.step(target).map(|s| &s.kind) {
                Some(StepKind::Text(Validator::BirthDate { max_age_years })) => {
                    let age = age_in_years(birth, today);
                    if birth > today {
                        return Err(("date_future", Vec::new()));
                    }
                    if max_age_years.is_some_and(|max| age >= max) {
                        return Err(("age_too_old", vec![("child_age", age.to_string())]));
                    }
                    filled.push((target.clone(), Answer::Date(birth)));
                }
                Some(StepKind::Choice(_)) => {
                    let id = match sex {
                        Sex::Male => "l",
                        Sex::Female => "p",
                    };
                    filled.push((target.clone(), Answer::Choice(id.into())));
                }
                _ => {}
            }
        }
        Ok(filled)
    }

    /// "Menurut NIK: lahir Selasa, 12 Maret 2019, laki-laki": what the number says, to be
    /// checked now and again in the summary. Only for a NIK step that fills other steps.
    fn filled_note(&self, st: &Conversation, step: &Step, answer: &Answer) -> Option<String> {
        let (Answer::Nik(nik), Some(service)) = (answer, self.service_of(st)) else {
            return None;
        };
        if step.fills.is_empty() {
            return None;
        }
        let (birth, sex) = nik.decode(self.today()).ok()?;
        let lang = st.lang;
        let sex_id = match sex {
            Sex::Male => "l",
            Sex::Female => "p",
        };
        let sex_title = step
            .fills
            .iter()
            .filter_map(|id| match service.step(id).map(|s| &s.kind) {
                Some(StepKind::Choice(options)) => options.iter().find(|o| o.id == sex_id),
                _ => None,
            })
            .map(|o| o.title.get(lang).to_lowercase())
            .next()
            .unwrap_or_else(|| match lang {
                Lang::Id => sex.label_id().to_lowercase(),
                Lang::En => sex.label_en().to_lowercase(),
            });
        Some(self.msg_with(
            st,
            "nik_filled",
            &[
                ("birth_date", self.date_text(birth, lang)),
                ("sex", sex_title),
            ],
        ))
    }

    /// A street line that carries its RT/RW ("Jl. Pramuka No. 12 RT 5 RW 2") also answers the
    /// service's RT/RW step when it is still open: (the street without it, that step, RT/RW).
    fn rt_rw_in_street(&self, st: &Conversation, street: &str) -> Option<(String, String, Answer)> {
        let draft = st.draft.as_ref()?;
        let service = self.service_of(st)?;
        let step = service.steps.iter().find(|s| {
            matches!(s.kind, StepKind::Text(Validator::RtRw)) && !draft.answers.contains_key(&s.id)
        })?;
        let (rest, rt, rw) = crate::domain::address::split_rt_rw(street)?;
        Some((
            rest,
            step.id.clone(),
            Answer::Text(format!("{rt:03}/{rw:03}")),
        ))
    }

    #[allow(clippy::type_complexity)]
    pub(super) fn validate(
        &self,
        draft: &Draft,
        service_id: &str,
        validator: Validator,
        text: &str,
    ) -> Result<(Answer, Vec<NikWarning>), (&'static str, Vec<(&'static str, String)>)> {
        let today = self.today();
        let trimmed = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let length = trimmed.chars().count();
        let plain = |code: &'static str| (code, Vec::new());
        match validator {
            Validator::PersonName => {
                let letters = trimmed.chars().filter(|c| c.is_alphabetic()).count();
                let allowed = trimmed
                    .chars()
                    .all(|c| c.is_alphabetic() || matches!(c, ' ' | '.' | '\'' | '-' | ','));
                if (2..=80).contains(&length) && letters >= 2 && allowed {
                    Ok((Answer::Text(trimmed), Vec::new()))
                } else {
                    Err(plain("name_invalid"))
                }
            }
            Validator::Place => {
                let allowed = trimmed.chars().all(|c| {
                    c.is_alphanumeric() || matches!(c, ' ' | '.' | '\'' | '-' | ',' | '/')
                });
                if (2..=80).contains(&length) && allowed && trimmed.chars().any(char::is_alphabetic)
                {
                    Ok((Answer::Text(trimmed), Vec::new()))
                } else {
                    Err(plain("place_invalid"))
                }
            }
            Validator::Street => {
                if (3..=120).contains(&length) && trimmed.chars().any(char::is_alphabetic) {
                    Ok((Answer::Text(trimmed), Vec::new()))
                } else {
                    Err(plain("street_invalid"))
                }
            }
            Validator::FreeText => {
                if (1..=300).contains(&length) {
                    Ok((Answer::Text(trimmed), Vec::new()))
                } else {
                    Err(plain("text_invalid"))
                }
            }
            Validator::RtRw => {
                let numbers: Vec<u32> = trimmed
                    .split(|c: char| !c.is_ascii_digit())
                    .filter(|s| !s.is_empty())
                    .filter_map(|s| s.parse().ok())
                    .collect();
                match numbers.as_slice() {
                    [rt, rw] if (1..=999).contains(rt) && (1..=999).contains(rw) => {
                        Ok((Answer::Text(format!("{rt:03}/{rw:03}")), Vec::new()))
                    }
                    _ => Err(plain("rt_rw_invalid")),
                }
            }
            Validator::Phone => normalize_mobile(&trimmed)
                .map(|p| (Answer::Text(p), Vec::new()))
                .map_err(|e| plain(e.code())),
            Validator::BirthDate { max_age_years } => {
                let date = parse_date(&trimmed).map_err(|e| plain(e.code()))?;
                if date > today {
                    return Err(plain("date_future"));
                }
                if let Some(max) = max_age_years
                    && age_in_years(date, today) >= max
                {
                    return Err((
                        "age_too_old",
                        vec![("child_age", age_in_years(date, today).to_string())],
                    ));
                }
                Ok((Answer::Date(date), Vec::new()))
            }
            Validator::PastDate => {
                let date = match parse_recent_day(&trimmed, today) {
                    Some(date) => date,
                    None => parse_date(&trimmed).map_err(|e| plain(e.code()))?,
                };
                if date > today {
                    return Err(plain("date_not_yet"));
                }
                Ok((Answer::Date(date), Vec::new()))
            }
            Validator::NomorKk => NomorKk::parse(&trimmed, today)
                .map(|kk| (Answer::Kk(kk), Vec::new()))
                .map_err(|e| plain(e.code())),
            Validator::Nik { max_age_years } => {
                let nik = Nik::parse(&trimmed, today).map_err(|e| plain(e.code()))?;
                nik.cross_check(
                    self.birth_date(draft),
                    self.sex(draft),
                    max_age_years,
                    today,
                )
                .map_err(|e| plain(e.code()))?;
                let unique = self
                    .flows
                    .service(service_id)
                    .is_some_and(|s| s.unique_open_nik);
                if unique
                    && let Some(number) = self.ctx.open_requests.open_request(service_id, &nik)
                {
                    return Err(("nik_open_request", vec![("number", number.to_string())]));
                }
                let warnings = nik.warnings(&self.flows.regions);
                Ok((Answer::Nik(nik), warnings))
            }
        }
    }

    /// A failed attempt at a step: explain, count, and hand over after too many.
    pub(super) fn fail(
        &self,
        st: &mut Conversation,
        step_id: &str,
        code: &str,
        extra: &[(&str, String)],
        t: &mut Turn,
    ) {
        t.notes.push(self.msg_with(st, code, extra));
        let max = self.settings().max_attempts;
        let attempts = match st.draft.as_mut() {
            Some(draft) => {
                if draft.attempts_step != step_id {
                    draft.attempts_step = step_id.to_string();
                    draft.attempts = 0;
                }
                draft.attempts = draft.attempts.saturating_add(1);
                draft.attempts
            }
            None => 0,
        };
        if attempts >= max {
            self.escalate(
                st,
                EscalationReason::RepeatedFailure {
                    step: step_id.to_string(),
                },
                t,
            );
        } else {
            t.ask = true;
        }
    }

    pub(super) fn unclear(&self, st: &mut Conversation, key: &str, t: &mut Turn) {
        t.notes.push(self.msg(st, key));
        st.unclear = st.unclear.saturating_add(1);
        if st.unclear >= self.settings().max_unclear {
            self.escalate(st, EscalationReason::NotUnderstood, t);
        } else {
            t.ask = true;
        }
    }

    pub(super) fn escalate(&self, st: &mut Conversation, reason: EscalationReason, t: &mut Turn) {
        st.escalation = Some(Escalation {
            reason: reason.clone(),
            at: self.now(),
        });
        st.overlay = Overlay::None;
        st.unclear = 0;
        t.effects.push(Effect::Escalate { reason });
        let now = self.ctx.now.to_zoned(self.settings().time_zone.clone());
        let key = if self
            .flows
            .settings
            .hours
            .is_open(&now, &self.flows.calendar)
        {
            "escalated_open"
        } else {
            "escalated_closed"
        };
        t.notes.push(self.msg(st, key));
        t.ask = false;
    }

    pub(super) fn run_command(
        &self,
        st: &mut Conversation,
        command: Command,
        text: &str,
        t: &mut Turn,
    ) {
        st.list_page = 0;
        match command {
            Command::Menu => {
                st.overlay = Overlay::Menu;
                t.ask = true;
            }
            Command::Syarat => {
                st.overlay = Overlay::None;
                let lang = st.lang;
                let services: Vec<&Service> = match self.service_of(st) {
                    Some(s) => vec![s],
                    None => self.services().collect(),
                };
                let mut parts = vec![self.msg(st, "syarat_header")];
                for s in services {
                    parts.push(format!(
                        "*{}*\n{}",
                        s.title.get(lang),
                        self.text(st, &s.requirements, &[])
                    ));
                }
                t.notes.push(parts.join("\n\n"));
                t.ask = true;
            }
            Command::Status => {
                st.overlay = Overlay::None;
                t.notes.push(self.status_text(st));
                t.ask = true;
            }
            Command::Batal => {
                if st.draft.is_some() {
                    st.overlay = Overlay::ConfirmCancel;
                } else {
                    st.overlay = Overlay::None;
                    t.notes.push(self.msg(st, "nothing_to_cancel"));
                }
                t.ask = true;
            }
            Command::Petugas => self.escalate(st, EscalationReason::Requested, t),
            Command::Ulang => {
                st.overlay = Overlay::None;
                if let Some(d) = st.draft.as_mut() {
                    d.attempts = 0;
                }
                t.notes.push(self.msg(st, "redo"));
                t.ask = true;
            }
            Command::Bahasa => {
                let n = norm(text);
                st.lang = if n.contains("english") || n.contains("inggris") {
                    Lang::En
                } else if n.contains("indonesia") {
                    Lang::Id
                } else {
                    match st.lang {
                        Lang::Id => Lang::En,
                        Lang::En => Lang::Id,
                    }
                };
                t.notes.push(self.msg(st, "lang_switched"));
                t.ask = true;
            }
        }
    }

    pub(super) fn cancel(&self, st: &mut Conversation, t: &mut Turn) {
        st.overlay = Overlay::None;
        if let Some(draft) = st.draft.take() {
            let media = draft.all_media();
            if !media.is_empty() {
                t.effects.push(Effect::ForgetMedia(media));
            }
        }
        st.wake_at = None;
        t.notes.push(self.msg(st, "cancel_done"));
        t.ask = true;
    }
}
