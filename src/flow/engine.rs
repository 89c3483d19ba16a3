//! The pure step function. Each input is handled in turn; a turn collects notes (things to say),
//! whether the current question should be (re)asked, and effects. At the end of the turn the notes
//! and the question (derived from the final state) become ONE message: that is how a batch of
//! photo verdicts gets one combined reply.
//!
//! The current step is never stored: it is the first step whose condition holds and whose answer
//! or document is missing. Filing re-derives it without counting photos still being checked, so
//! no input order can file a request that lacks a required document.

use crate::domain::dates::{
    age_in_years, format_date_en, format_date_id, parse_date, weekday_en, weekday_id,
};
use crate::domain::document::DocumentKind;
use crate::domain::kk::NomorKk;
use crate::domain::nik::{Nik, NikWarning, Sex};
use crate::domain::phone::normalize_mobile;
use crate::domain::photo::PhotoVerdict;
use crate::domain::request::{RequestNumber, RequestStatus};
use crate::domain::rupiah::Rupiah;
use crate::flow::def::{Colour, Command, FlowSet, Service, Step, StepKind, Validator};
use crate::flow::render::{Opt, Question, render};
use crate::flow::state::{
    Answer, Conversation, DocumentEntry, Draft, Escalation, Overlay, PendingPhoto,
};
use crate::flow::text::{Lang, LocalText, fill};
use crate::flow::{
    Address, ChildData, Context, Delivery, Effect, EscalationReason, FiledDocument, FiledRequest,
    Input, MediaRef,
};
use jiff::civil::{Date, Weekday};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;

const YES: &[&str] = &[
    "ya",
    "iya",
    "y",
    "yes",
    "setuju",
    "ok",
    "oke",
    "okay",
    "boleh",
    "sip",
    "lanjut",
    "agree",
    "iyah",
    "ya setuju",
    "saya setuju",
    "benar",
    "betul",
];
const NO: &[&str] = &[
    "tidak",
    "tdk",
    "gak",
    "ga",
    "nggak",
    "enggak",
    "engga",
    "no",
    "tidak setuju",
    "jangan",
    "gk",
    "disagree",
];
const QUESTION_WORDS: &[&str] = &[
    "apa",
    "apakah",
    "berapa",
    "kapan",
    "kenapa",
    "mengapa",
    "bagaimana",
    "gimana",
    "bisakah",
    "dimana",
    "di mana",
    "knp",
    "how",
    "what",
    "why",
    "when",
    "where",
    "can",
    "is",
    "do",
];

/// One input. See the module docs of `flow` for the protocol.
pub fn step(
    flows: &FlowSet,
    state: Conversation,
    input: Input,
    ctx: &Context,
) -> (Conversation, Vec<Effect>) {
    step_batch(flows, state, vec![input], ctx)
}

/// Several inputs that arrived together, answered with one combined reply.
pub fn step_batch(
    flows: &FlowSet,
    mut state: Conversation,
    inputs: Vec<Input>,
    ctx: &Context,
) -> (Conversation, Vec<Effect>) {
    let e = Engine { flows, ctx };
    let mut turn = Turn::default();
    for input in inputs {
        if input.is_from_citizen() {
            turn.from_citizen = true;
        }
        e.handle(&mut state, input, &mut turn);
    }
    e.finish(state, turn)
}

#[derive(Default)]
struct Turn {
    notes: Vec<String>,
    ask: bool,
    effects: Vec<Effect>,
    wake: Option<Timestamp>,
    from_citizen: bool,
}

struct Engine<'a, 'c> {
    flows: &'a FlowSet,
    ctx: &'a Context<'c>,
}

/// Lower case, single spaces, no surrounding punctuation: how typed answers are compared.
fn norm(text: &str) -> String {
    text.trim()
        .trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Words only (for captions): `Foto_KTP-ayah.jpg` → `foto ktp ayah jpg`.
fn words(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn contains_words(haystack: &str, needle: &str) -> bool {
    !needle.is_empty() && format!(" {haystack} ").contains(&format!(" {needle} "))
}

/// Edit distance with transpositions, for one-typo command words.
fn typo_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        if let Some(first) = row.first_mut() {
            *first = i;
        }
    }
    if let Some(row) = d.first_mut() {
        for (j, cell) in row.iter_mut().enumerate() {
            *cell = j;
        }
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

fn is_question(text: &str) -> bool {
    let n = norm(text);
    text.trim_end().ends_with('?')
        || QUESTION_WORDS
            .iter()
            .any(|w| n == *w || n.starts_with(&format!("{w} ")))
}

impl<'a, 'c> Engine<'a, 'c> {
    fn now(&self) -> Timestamp {
        self.ctx.now
    }

    fn today(&self) -> Date {
        self.flows.local_date(self.ctx.now)
    }

    fn window_open(&self) -> bool {
        self.ctx.window_open_until.is_some_and(|w| w > self.ctx.now)
    }

    fn msg(&self, st: &Conversation, key: &str) -> String {
        self.fill(st, self.flows.message(key).get(st.lang), &[])
    }

    fn msg_with(&self, st: &Conversation, key: &str, extra: &[(&str, String)]) -> String {
        self.fill(st, self.flows.message(key).get(st.lang), extra)
    }

    fn text(&self, st: &Conversation, text: &LocalText, extra: &[(&str, String)]) -> String {
        self.fill(st, text.get(st.lang), extra)
    }

    fn service_of(&self, st: &Conversation) -> Option<&'a Service> {
        st.draft
            .as_ref()
            .and_then(|d| self.flows.service(&d.service))
    }

    // ---------- template variables ----------

    fn fill(&self, st: &Conversation, template: &str, extra: &[(&str, String)]) -> String {
        let lookup = |name: &str| -> Option<String> {
            if let Some((_, v)) = extra.iter().find(|(k, _)| *k == name) {
                return Some(v.clone());
            }
            self.var(st, name)
        };
        fill(template, &lookup)
    }

    fn var(&self, st: &Conversation, name: &str) -> Option<String> {
        let settings = &self.flows.settings;
        let lang = st.lang;
        let draft = st.draft.as_ref();
        let service = self.service_of(st);
        Some(match name {
            "office" => settings.office_name.get(lang).to_string(),
            "tz" => settings.time_zone_label.clone(),
            "cod_fee" => settings.cod_fee.to_string(),
            "sla" => settings.sla_working_days.to_string(),
            "pas_foto_size" => settings.pas_foto_size.clone(),
            "hours" => self.hours_text(lang),
            "days" => (settings.expire_after.as_hours() / 24).to_string(),
            "next_opening" => self.next_opening_text(lang),
            "service" => service
                .map(|s| s.title.get(lang).to_string())
                .unwrap_or_default(),
            "language" => match lang {
                Lang::Id => "Bahasa Indonesia".into(),
                Lang::En => "English".into(),
            },
            "background" => {
                let colour = |c: Colour| match c {
                    Colour::Red => self.flows.message("colour_red").get(lang).to_string(),
                    Colour::Blue => self.flows.message("colour_blue").get(lang).to_string(),
                };
                match draft.and_then(|d| self.birth_date(d)) {
                    Some(birth) => colour(settings.pas_foto_background.colour_for(birth.year())),
                    None => {
                        let odd = colour(settings.pas_foto_background.colour_for(2019));
                        let even = colour(settings.pas_foto_background.colour_for(2020));
                        match lang {
                            Lang::Id => format!(
                                "{odd} untuk tahun lahir ganjil, {even} untuk tahun lahir genap"
                            ),
                            Lang::En => {
                                format!("{odd} for odd birth years, {even} for even birth years")
                            }
                        }
                    }
                }
            }
            "child_age" => draft
                .and_then(|d| self.birth_date(d))
                .map(|b| age_in_years(b, self.today()).to_string())?,
            "due_date" => {
                let due = self
                    .flows
                    .calendar
                    .due_date(self.today(), settings.sla_working_days)
                    .ok()?;
                self.date_text(due, lang)
            }
            "kecamatan_name" => draft
                .and_then(|d| d.answers.get("kecamatan"))
                .and_then(|a| self.kecamatan_name(&a.raw()))?,
            "kelurahan_name" | "postal_code" => {
                let code = draft.and_then(|d| d.answers.get("kelurahan"))?.raw();
                let k = self.flows.kelurahan.iter().find(|k| k.code == code)?;
                if name == "postal_code" {
                    k.postal_code.clone()
                } else {
                    k.name.clone()
                }
            }
            _ => {
                let (draft, service) = (draft?, service?);
                let step = service.step(name)?;
                let answer = draft.answers.get(name)?;
                self.display(step, answer, lang)
            }
        })
    }

    fn date_text(&self, date: Date, lang: Lang) -> String {
        match lang {
            Lang::Id => format!("{}, {}", weekday_id(date.weekday()), format_date_id(date)),
            Lang::En => format!("{}, {}", weekday_en(date.weekday()), format_date_en(date)),
        }
    }

    fn hours_text(&self, lang: Lang) -> String {
        let settings = &self.flows.settings;
        let days = [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
            Weekday::Saturday,
            Weekday::Sunday,
        ];
        let name = |d: Weekday| match lang {
            Lang::Id => weekday_id(d),
            Lang::En => weekday_en(d),
        };
        let mut parts: Vec<String> = Vec::new();
        let mut i = 0;
        while i < days.len() {
            let Some(hours) = settings.hours.hours_on(days[i]) else {
                i += 1;
                continue;
            };
            let mut j = i;
            while j + 1 < days.len() && settings.hours.hours_on(days[j + 1]) == Some(hours) {
                j += 1;
            }
            let range = if i == j {
                name(days[i]).to_string()
            } else {
                format!("{}–{}", name(days[i]), name(days[j]))
            };
            parts.push(format!(
                "{range} {}–{}",
                hours.0.strftime("%H:%M"),
                hours.1.strftime("%H:%M")
            ));
            i = j + 1;
        }
        format!("{} {}", parts.join(", "), settings.time_zone_label)
    }

    fn next_opening_text(&self, lang: Lang) -> String {
        let settings = &self.flows.settings;
        let now = self.ctx.now.to_zoned(settings.time_zone.clone());
        match settings.hours.next_opening(&now, &self.flows.calendar) {
            Some(at) => format!(
                "{} {} {}",
                self.date_text(at.date(), lang),
                at.time().strftime("%H:%M"),
                settings.time_zone_label
            ),
            None => self.hours_text(lang),
        }
    }

    fn kecamatan_name(&self, code: &str) -> Option<String> {
        self.flows
            .kecamatan
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, n)| n.clone())
    }

    fn display(&self, step: &Step, answer: &Answer, lang: Lang) -> String {
        match (&step.kind, answer) {
            (StepKind::Choice(options), Answer::Choice(id)) => options
                .iter()
                .find(|o| &o.id == id)
                .map(|o| o.title.get(lang).to_string())
                .unwrap_or_else(|| id.clone()),
            (StepKind::Kecamatan, Answer::Choice(code)) => {
                self.kecamatan_name(code).unwrap_or_else(|| code.clone())
            }
            (StepKind::Kelurahan, Answer::Choice(code)) => self
                .flows
                .kelurahan
                .iter()
                .find(|k| &k.code == code)
                .map(|k| format!("{} ({})", k.name, k.postal_code))
                .unwrap_or_else(|| code.clone()),
            (_, Answer::Date(d)) => match lang {
                Lang::Id => format_date_id(*d),
                Lang::En => format_date_en(*d),
            },
            (_, other) => other.raw(),
        }
    }

    // ---------- derived facts ----------

    fn birth_date(&self, draft: &Draft) -> Option<Date> {
        match draft.answers.get("child_birth_date") {
            Some(Answer::Date(d)) => Some(*d),
            _ => None,
        }
    }

    fn sex(&self, draft: &Draft) -> Option<Sex> {
        match draft.answers.get("child_sex").map(Answer::raw).as_deref() {
            Some("l") => Some(Sex::Male),
            Some("p") => Some(Sex::Female),
            _ => None,
        }
    }

    fn condition_holds(&self, condition: Option<&crate::flow::Condition>, draft: &Draft) -> bool {
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
                "pickup_at_kecamatan" => Some(Value::Bool(self.flows.settings.pickup_at_kecamatan)),
                field => draft.answers.get(field).map(|a| Value::Text(a.raw())),
            }
        };
        condition.eval(&lookup)
    }

    fn applies(&self, step: &Step, draft: &Draft) -> bool {
        self.condition_holds(step.when.as_ref(), draft)
    }

    /// The first step still to do. `count_pending`: photos being checked count as done (for
    /// asking); filing passes `false`, so only judged photos count.
    fn current_step<'s>(
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
                    draft.document(*document).is_none()
                        && !(count_pending && draft.pending.iter().any(|p| p.document == *document))
                }
                StepKind::Consent => false,
                _ => !draft.answers.contains_key(&step.id),
            }
        })
    }

    fn required_documents(&self, service: &Service, draft: &Draft) -> Vec<DocumentKind> {
        service
            .steps
            .iter()
            .filter(|s| self.applies(s, draft))
            .filter_map(|s| match &s.kind {
                StepKind::Photo { document, .. } => Some(*document),
                _ => None,
            })
            .collect()
    }

    // ---------- the question the conversation waits on ----------

    fn question(&self, st: &Conversation) -> Question {
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
                            StepKind::Photo { document, .. } => draft.document(*document).is_some(),
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

    fn menu_question(&self, st: &Conversation, base: Question) -> Question {
        let lang = st.lang;
        let mut options = Vec::new();
        if st.draft.is_some() {
            options.push(Opt {
                id: "menu.__continue".into(),
                title: self.msg(st, "menu_continue"),
                description: None,
            });
        }
        for service in &self.flows.services {
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

    fn step_question(
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
            StepKind::Kelurahan => {
                let kecamatan = draft
                    .answers
                    .get("kecamatan")
                    .map(Answer::raw)
                    .unwrap_or_default();
                self.flows
                    .kelurahan
                    .iter()
                    .filter(|k| k.kecamatan_code == kecamatan)
                    .map(|k| Opt {
                        id: format!("{id}.{}", k.code),
                        title: k.name.clone(),
                        description: None,
                    })
                    .collect()
            }
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

    fn summary_text(&self, st: &Conversation, service: &Service, draft: &Draft) -> String {
        let lang = st.lang;
        let mut lines = vec![self.msg(st, "summary_header")];
        for step in service.steps.iter().filter(|s| self.applies(s, draft)) {
            if let Some(answer) = draft.answers.get(&step.id) {
                lines.push(format!(
                    "• {}: {}",
                    step.label.get(lang),
                    self.display(step, answer, lang)
                ));
            }
        }
        let docs: Vec<String> = self
            .required_documents(service, draft)
            .into_iter()
            .filter(|k| draft.document(*k).is_some())
            .map(|k| format!("✅ {}", self.doc_label(k, lang)))
            .collect();
        if !docs.is_empty() {
            lines.push(String::new());
            lines.push(self.msg(st, "summary_documents"));
            lines.extend(docs);
        }
        lines.push(String::new());
        match draft.answers.get("delivery").map(Answer::raw).as_deref() {
            Some("pos") => lines.push(self.msg(st, "summary_fee_cod")),
            Some(_) => lines.push(self.msg(st, "summary_fee_pickup")),
            None => {}
        }
        match self
            .flows
            .calendar
            .due_date(self.today(), self.flows.settings.sla_working_days)
        {
            Ok(_) => lines.push(self.msg(st, "summary_due")),
            Err(_) => lines.push(self.msg(st, "summary_due_unknown")),
        }
        lines.join("\n")
    }

    fn doc_label(&self, kind: DocumentKind, lang: Lang) -> &'static str {
        match lang {
            Lang::Id => kind.label_id(),
            Lang::En => kind.label_en(),
        }
    }

    /// Finds the option a typed answer means: its number, title, id or an alias.
    fn match_typed(&self, st: &Conversation, question: &Question, text: &str) -> Option<String> {
        let n = norm(text);
        if n.is_empty() {
            return None;
        }
        let number = n.trim_end_matches('.');
        if let Ok(k) = number.parse::<usize>() {
            return k
                .checked_sub(1)
                .and_then(|i| question.options.get(i))
                .map(|o| o.id.clone());
        }
        let aliases = self.aliases_of_question(st);
        question
            .options
            .iter()
            .find(|o| {
                norm(&o.title) == n
                    || o.id.rsplit('.').next().is_some_and(|suffix| suffix == n)
                    || aliases.get(&o.id).is_some_and(|a| a.contains(&n))
            })
            .map(|o| o.id.clone())
    }

    fn aliases_of_question(&self, st: &Conversation) -> BTreeMap<String, Vec<String>> {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let yes: Vec<String> = YES.iter().map(|s| s.to_string()).collect();
        let no: Vec<String> = NO.iter().map(|s| s.to_string()).collect();
        match st.overlay {
            Overlay::ConfirmCancel => {
                map.insert(
                    "cancel.yes".into(),
                    yes.iter()
                        .cloned()
                        .chain(["batal".to_string(), "batalkan".to_string()])
                        .collect(),
                );
                map.insert(
                    "cancel.no".into(),
                    no.iter()
                        .cloned()
                        .chain(["lanjutkan".to_string()])
                        .collect(),
                );
            }
            Overlay::Menu | Overlay::None => {
                for service in &self.flows.services {
                    map.insert(format!("menu.{}", service.id), service.aliases.clone());
                }
                map.insert(
                    "menu.__continue".into(),
                    vec!["lanjut".into(), "lanjutkan".into(), "continue".into()],
                );
                map.insert(
                    "menu.__faq".into(),
                    vec!["faq".into(), "tanya".into(), "pertanyaan".into()],
                );
                if let (Some(draft), Overlay::None) = (&st.draft, &st.overlay)
                    && let Some(service) = self.flows.service(&draft.service)
                    && let Some(step) = self.current_step(service, draft, true)
                {
                    match &step.kind {
                        StepKind::Consent => {
                            map.insert(format!("{}.yes", step.id), yes);
                            map.insert(format!("{}.no", step.id), no);
                        }
                        StepKind::Choice(options) => {
                            for o in options {
                                map.insert(format!("{}.{}", step.id, o.id), o.aliases.clone());
                            }
                        }
                        StepKind::Summary => {
                            map.insert(
                                "summary.send".into(),
                                ["kirim", "ajukan", "ya", "benar", "sudah benar", "send"]
                                    .iter()
                                    .map(|s| s.to_string())
                                    .collect(),
                            );
                            map.insert(
                                "summary.edit".into(),
                                ["ubah", "ganti", "edit", "perbaiki"]
                                    .iter()
                                    .map(|s| s.to_string())
                                    .collect(),
                            );
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        map
    }

    // ---------- handling inputs ----------

    fn handle(&self, st: &mut Conversation, input: Input, t: &mut Turn) {
        if st.escalation.is_some() {
            match input {
                Input::HandBack => {
                    st.escalation = None;
                    st.unclear = 0;
                    if let Some(d) = st.draft.as_mut() {
                        d.attempts = 0;
                    }
                    t.notes.push(self.msg(st, "handed_back"));
                    t.ask = true;
                }
                // Checks that were running when the officer took over: record, say nothing.
                Input::PhotoChecked {
                    media,
                    document,
                    verdict,
                } => {
                    let mut quiet = Turn::default();
                    self.on_photo_checked(st, media, document, verdict, &mut quiet);
                    t.effects.append(&mut quiet.effects);
                }
                _ => {}
            }
            return;
        }
        if input.is_from_citizen() {
            if !st.greeted {
                st.greeted = true;
                t.notes.push(self.msg(st, "greeting"));
                t.ask = true;
            }
            if st.expired_unseen {
                st.expired_unseen = false;
                t.notes.push(self.msg(st, "expired_earlier"));
            }
        }
        match input {
            Input::Text(text) => self.on_text(st, &text, t),
            Input::Choice { id, title } => self.on_choice(st, &id, &title, t),
            Input::Photo { media, caption } => self.on_photo(st, media, caption, t),
            Input::PhotoChecked {
                media,
                document,
                verdict,
            } => self.on_photo_checked(st, media, document, verdict, t),
            Input::NotAPhoto { .. } => {
                t.notes.push(self.msg(st, "not_a_photo"));
                t.ask = true;
            }
            Input::MediaUnavailable => {
                t.notes.push(self.msg(st, "media_unavailable"));
                t.ask = true;
            }
            Input::Unsupported { .. } => self.unclear(st, "unsupported", t),
            Input::Tick => self.on_tick(st, t),
            Input::HandBack => {}
        }
    }

    fn match_command(&self, text: &str) -> Option<Command> {
        let n = norm(text);
        if n.is_empty() || n.chars().count() > 40 {
            return None;
        }
        for c in &self.flows.commands {
            if c.patterns.iter().any(|re| re.is_match(&n)) {
                return Some(c.command);
            }
        }
        if !n.contains(' ') && n.chars().count() >= 4 {
            for c in &self.flows.commands {
                if c.words
                    .iter()
                    .any(|w| w.chars().count() >= 4 && typo_distance(&n, w) <= 1)
                {
                    return Some(c.command);
                }
            }
        }
        None
    }

    fn match_faq(&self, text: &str) -> Option<&'a crate::flow::def::FaqEntry> {
        let n = norm(text);
        self.flows
            .faq
            .iter()
            .find(|f| f.patterns.iter().any(|re| re.is_match(&n)))
    }

    fn on_text(&self, st: &mut Conversation, text: &str, t: &mut Turn) {
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
        let question = self.question(st);
        if !question.options.is_empty() {
            if let Some(id) = self.match_typed(st, &question, text) {
                self.on_option(st, &id, t);
                return;
            }
            // The parent typed past a menu they opened mid-request: treat it as the step's answer.
            if matches!(st.overlay, Overlay::Menu | Overlay::Faq) && st.draft.is_some() {
                st.overlay = Overlay::None;
                self.on_text(st, text, t);
                return;
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
            )) => self.fail(st, &step.id, "invalid_choice", &[], t),
            _ => self.unclear(st, "not_understood", t),
        }
    }

    fn on_choice(&self, st: &mut Conversation, id: &str, title: &str, t: &mut Turn) {
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

    fn on_option(&self, st: &mut Conversation, id: &str, t: &mut Turn) {
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
                        _ => {
                            draft.answers.remove(step_id);
                        }
                    }
                }
                t.ask = true;
            }
            (step_id, option) => self.answer_option(st, step_id, option, t),
        }
    }

    fn start_service(&self, st: &mut Conversation, service_id: &str, t: &mut Turn) {
        st.overlay = Overlay::None;
        let Some(service) = self.flows.service(service_id) else {
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

    fn answer_option(&self, st: &mut Conversation, step_id: &str, option: &str, t: &mut Turn) {
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
    fn after_answer(&self, st: &mut Conversation, step_id: &str, t: &mut Turn) {
        let today = self.today();
        let birth = st.draft.as_ref().and_then(|d| self.birth_date(d));
        let sex = st.draft.as_ref().and_then(|d| self.sex(d));
        if let Some(draft) = st.draft.as_mut() {
            match step_id {
                "child_birth_date" | "child_sex" => {
                    let stale = matches!(draft.answers.get("child_nik"), Some(Answer::Nik(nik)) if nik.cross_check(birth, sex, today).is_err());
                    if stale {
                        draft.answers.remove("child_nik");
                    }
                }
                "kecamatan" => {
                    let kecamatan = draft
                        .answers
                        .get("kecamatan")
                        .map(Answer::raw)
                        .unwrap_or_default();
                    let stale = draft.answers.get("kelurahan").is_some_and(|k| {
                        !self
                            .flows
                            .kelurahan
                            .iter()
                            .any(|x| x.code == k.raw() && x.kecamatan_code == kecamatan)
                    });
                    if stale {
                        draft.answers.remove("kelurahan");
                    }
                }
                _ => {}
            }
            draft.attempts = 0;
        }
        st.unclear = 0;
        t.ask = true;
    }

    fn on_step_text(
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
            Ok((answer, warnings)) => {
                if let Some(draft) = st.draft.as_mut() {
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

    #[allow(clippy::type_complexity)]
    fn validate(
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
            Validator::NomorKk => NomorKk::parse(&trimmed, today)
                .map(|kk| (Answer::Kk(kk), Vec::new()))
                .map_err(|e| plain(e.code())),
            Validator::Nik => {
                let nik = Nik::parse(&trimmed, today).map_err(|e| plain(e.code()))?;
                nik.cross_check(self.birth_date(draft), self.sex(draft), today)
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
    fn fail(
        &self,
        st: &mut Conversation,
        step_id: &str,
        code: &str,
        extra: &[(&str, String)],
        t: &mut Turn,
    ) {
        t.notes.push(self.msg_with(st, code, extra));
        let max = self.flows.settings.max_attempts;
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

    fn unclear(&self, st: &mut Conversation, key: &str, t: &mut Turn) {
        t.notes.push(self.msg(st, key));
        st.unclear = st.unclear.saturating_add(1);
        if st.unclear >= self.flows.settings.max_unclear {
            self.escalate(st, EscalationReason::NotUnderstood, t);
        } else {
            t.ask = true;
        }
    }

    fn escalate(&self, st: &mut Conversation, reason: EscalationReason, t: &mut Turn) {
        st.escalation = Some(Escalation {
            reason: reason.clone(),
            at: self.now(),
        });
        st.overlay = Overlay::None;
        st.unclear = 0;
        t.effects.push(Effect::Escalate { reason });
        let now = self.ctx.now.to_zoned(self.flows.settings.time_zone.clone());
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

    fn run_command(&self, st: &mut Conversation, command: Command, text: &str, t: &mut Turn) {
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
                    None => self.flows.services.iter().collect(),
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

    fn status_text(&self, st: &Conversation) -> String {
        let lang = st.lang;
        let requests = self.ctx.requests;
        let mut parts = Vec::new();
        if requests.is_empty() && st.draft.is_none() {
            return self.msg(st, "status_none");
        }
        if !requests.is_empty() {
            parts.push(self.msg_with(
                st,
                "status_header",
                &[("count", requests.len().to_string())],
            ));
            for r in requests.iter().take(20) {
                let service = self
                    .flows
                    .service(&r.service)
                    .map(|s| s.title.get(lang).to_string())
                    .unwrap_or_else(|| r.service.clone());
                let status = match lang {
                    Lang::Id => r.status.label_id(),
                    Lang::En => r.status.label_en(),
                };
                let due = r
                    .due_date
                    .map(|d| self.date_text(d, lang))
                    .unwrap_or_else(|| "-".into());
                let mut line = self.msg_with(
                    st,
                    "status_line",
                    &[
                        ("number", r.number.to_string()),
                        ("service", service),
                        ("child", r.child_name.clone()),
                        ("status", status.to_string()),
                        ("due_date", due),
                    ],
                );
                line.push('\n');
                line.push_str(&self.msg(st, &format!("status_next_{}", r.status.id())));
                if r.status == RequestStatus::Dikembalikan
                    && let Some(note) = &r.note
                {
                    line.push('\n');
                    line.push_str(&self.msg_with(
                        st,
                        "status_sent_back",
                        &[("reason", note.clone())],
                    ));
                }
                parts.push(line);
            }
        }
        if let (Some(draft), Some(service)) = (&st.draft, self.service_of(st)) {
            let required = self.required_documents(service, draft);
            let have = required
                .iter()
                .filter(|k| draft.document(**k).is_some())
                .count();
            let step = self
                .current_step(service, draft, true)
                .map(|s| s.label.get(lang).to_string())
                .unwrap_or_default();
            parts.push(self.msg_with(
                st,
                "status_draft",
                &[
                    ("step", step),
                    ("count", format!("{have}/{}", required.len())),
                ],
            ));
        }
        parts.join("\n\n")
    }

    fn cancel(&self, st: &mut Conversation, t: &mut Turn) {
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

    // ---------- photos ----------

    fn on_photo(
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

    fn on_photo_checked(
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
        let message = |f: &crate::domain::photo::Finding| match lang {
            Lang::Id => f.message_id.clone(),
            Lang::En => f.message_en.clone(),
        };
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

    // ---------- filing ----------

    fn file(&self, st: &mut Conversation, t: &mut Turn) {
        st.overlay = Overlay::None;
        t.ask = true;
        let (Some(draft), Some(service)) = (st.draft.as_ref(), self.service_of(st)) else {
            return;
        };
        // Only judged photos count: nothing is filed while a check is outstanding or missing.
        if !draft.pending.is_empty()
            || !matches!(
                self.current_step(service, draft, false).map(|s| &s.kind),
                Some(StepKind::Summary)
            )
        {
            return;
        }
        let Some(consent_at) = draft.consent_at else {
            return;
        };
        let nik = match draft.answers.get("child_nik") {
            Some(Answer::Nik(nik)) => Some(nik.clone()),
            _ => None,
        };
        if service.unique_open_nik
            && let Some(nik) = &nik
            && let Some(number) = self.ctx.open_requests.open_request(&service.id, nik)
        {
            let note = self.msg_with(st, "nik_open_request", &[("number", number.to_string())]);
            if let Some(d) = st.draft.as_mut() {
                d.answers.remove("child_nik");
            }
            t.notes.push(note);
            return;
        }
        let (Some(name), Some(birth_date), Some(sex)) = (
            draft.answers.get("child_name").map(Answer::raw),
            self.birth_date(draft),
            self.sex(draft),
        ) else {
            return;
        };
        let settings = &self.flows.settings;
        let today = self.today();
        let due_date = self
            .flows
            .calendar
            .due_date(today, settings.sla_working_days)
            .ok();
        let number = RequestNumber::new(
            &service.prefix,
            &settings.number_region,
            today,
            self.ctx.next_sequence,
        );
        let answer = |k: &str| draft.answers.get(k).map(Answer::raw);
        let kecamatan_code = answer("kecamatan");
        let kecamatan = kecamatan_code
            .as_deref()
            .and_then(|c| self.kecamatan_name(c))
            .unwrap_or_default();
        let delivery = match answer("delivery").as_deref() {
            Some("pos") => Some(Delivery::Courier {
                cod_fee: settings.cod_fee,
            }),
            Some("ambil_kecamatan") => Some(Delivery::PickupAtKecamatan {
                kecamatan_code: kecamatan_code.clone().unwrap_or_default(),
                kecamatan: kecamatan.clone(),
            }),
            _ => None,
        };
        let fee = match delivery {
            Some(Delivery::Courier { cod_fee }) => cod_fee,
            _ => Rupiah::ZERO,
        };
        let address = match (
            answer("street"),
            answer("rt_rw"),
            answer("kelurahan"),
            &kecamatan_code,
        ) {
            (Some(street), Some(rt_rw), Some(kelurahan_code), Some(kecamatan_code)) => {
                let k = self
                    .flows
                    .kelurahan
                    .iter()
                    .find(|k| k.code == kelurahan_code);
                Some(Address {
                    street,
                    rt_rw,
                    kelurahan: k.map(|k| k.name.clone()).unwrap_or_default(),
                    postal_code: k.map(|k| k.postal_code.clone()).unwrap_or_default(),
                    kelurahan_code,
                    kecamatan_code: kecamatan_code.clone(),
                    kecamatan: kecamatan.clone(),
                })
            }
            _ => None,
        };
        let required = self.required_documents(service, draft);
        let documents: Vec<FiledDocument> = required
            .iter()
            .filter_map(|kind| draft.document(*kind))
            .map(|d| FiledDocument {
                kind: d.kind,
                media: d.media.clone(),
                warnings: d.warnings.clone(),
            })
            .collect();
        let extra: Vec<MediaRef> = draft
            .documents
            .iter()
            .filter(|d| !required.contains(&d.kind))
            .map(|d| d.media.clone())
            .collect();
        let filed = FiledRequest {
            number: number.clone(),
            service: service.id.clone(),
            kind: answer("request_kind"),
            child: ChildData {
                name,
                birth_date,
                sex,
                nik,
            },
            delivery,
            address,
            fee,
            documents,
            nomor_kk: match draft.answers.get("nomor_kk") {
                Some(Answer::Kk(kk)) => Some(kk.clone()),
                _ => None,
            },
            answers: draft
                .answers
                .iter()
                .map(|(k, v)| {
                    let text = match v {
                        Answer::Nik(nik) => nik.masked(),
                        Answer::Kk(kk) => kk.masked(),
                        other => other.raw(),
                    };
                    (k.clone(), text)
                })
                .collect(),
            data_warnings: draft.data_warnings.clone(),
            consent_at,
            language: st.lang,
            submitted_at: self.now(),
            due_date,
            status: RequestStatus::Diajukan,
        };
        let due_text = due_date
            .map(|d| self.date_text(d, st.lang))
            .unwrap_or_default();
        let mut done = self.text(
            st,
            &service.done,
            &[("number", number.to_string()), ("due_date", due_text)],
        );
        if due_date.is_none() {
            done.push_str("\n\n");
            done.push_str(&self.msg(st, "filed_due_unknown"));
        }
        t.effects.push(Effect::FileRequest(Box::new(filed)));
        if !extra.is_empty() {
            t.effects.push(Effect::ForgetMedia(extra));
        }
        st.draft = None;
        st.wake_at = None;
        st.reminded = false;
        t.notes.push(done);
        t.ask = false;
    }

    // ---------- reminders and expiry ----------

    fn on_tick(&self, st: &mut Conversation, t: &mut Turn) {
        let Some(wake) = st.wake_at else {
            return;
        };
        if self.now() < wake {
            return;
        }
        let Some(draft) = st.draft.as_ref() else {
            st.wake_at = None;
            return;
        };
        let last = st.last_inbound.unwrap_or(draft.started_at);
        let expires = last
            .checked_add(self.flows.settings.expire_after)
            .unwrap_or(last);
        if self.now() >= expires {
            let media = draft.all_media();
            st.draft = None;
            st.overlay = Overlay::None;
            st.wake_at = None;
            if !media.is_empty() {
                t.effects.push(Effect::ForgetMedia(media));
            }
            if self.window_open() {
                t.notes.push(self.msg(st, "expired"));
            } else {
                st.expired_unseen = true;
            }
            return;
        }
        if !st.reminded {
            st.reminded = true;
            if self.window_open() {
                t.notes.push(self.msg(st, "reminder"));
                t.ask = true;
            }
        }
        st.wake_at = Some(expires);
        t.wake = Some(expires);
    }

    fn schedule_reminder(&self, st: &mut Conversation, t: &mut Turn) {
        let now = self.now();
        let settings = &self.flows.settings;
        let window_end = self.ctx.window_open_until.unwrap_or_else(|| {
            now.checked_add(SignedDuration::from_hours(24))
                .unwrap_or(now)
        });
        // Remind while a free-form message is still allowed: half an hour before the window shuts.
        let latest = window_end
            .checked_sub(SignedDuration::from_mins(30))
            .unwrap_or(window_end);
        let mut at = now
            .checked_add(settings.reminder_after)
            .unwrap_or(now)
            .min(latest);
        if at <= now {
            st.reminded = true;
            at = now.checked_add(settings.expire_after).unwrap_or(now);
        }
        st.wake_at = Some(at);
        t.wake = Some(at);
    }

    fn finish(&self, mut st: Conversation, mut t: Turn) -> (Conversation, Vec<Effect>) {
        if t.from_citizen && st.escalation.is_none() {
            st.last_inbound = Some(self.now());
            st.reminded = false;
            if st.draft.is_some() {
                self.schedule_reminder(&mut st, &mut t);
            } else {
                st.wake_at = None;
            }
        }
        // While photos are being checked the question waits for their verdicts.
        let waiting = st.draft.as_ref().is_some_and(|d| !d.pending.is_empty());
        let question = (t.ask && st.escalation.is_none() && !waiting).then(|| self.question(&st));
        let mut effects = t.effects;
        if let Some(message) = render(&t.notes, question.as_ref()) {
            effects.push(Effect::Send(message));
        }
        if let Some(at) = t.wake {
            effects.push(Effect::WakeAt(at));
        }
        (st, effects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_answers_are_compared_without_case_or_punctuation() {
        assert_eq!(norm("  Ya, Setuju!! "), "ya, setuju");
        assert_eq!(words("Foto_KTP-ayah.jpg"), "foto ktp ayah jpg");
        assert!(contains_words("foto ktp ayah", "ktp ayah"));
        assert!(!contains_words("foto ktpayah", "ktp ayah"));
    }

    #[test]
    fn one_typo_is_one_edit_or_one_swap() {
        assert_eq!(typo_distance("statsu", "status"), 1);
        assert_eq!(typo_distance("syarta", "syarat"), 1);
        assert_eq!(typo_distance("ptugas", "petugas"), 1);
        assert_eq!(typo_distance("batal", "batal"), 0);
        assert_eq!(typo_distance("budi", "batal"), 4);
    }

    #[test]
    fn questions_are_recognised_by_mark_or_opening_word() {
        assert!(is_question("berapa biayanya"));
        assert!(is_question("Kartunya buat apa?"));
        assert!(!is_question("Budi Santoso"));
    }
}
