//! What the bot says: messages from the catalog with their placeholders filled, dates, hours,
//! the summary and the status of a parent's requests.

use super::*;

impl<'a, 'c> Engine<'a, 'c> {
    pub(super) fn now(&self) -> Timestamp {
        self.ctx.now
    }

    pub(super) fn today(&self) -> Date {
        self.flows.local_date(self.ctx.now)
    }

    pub(super) fn window_open(&self) -> bool {
        self.ctx.window_open_until.is_some_and(|w| w > self.ctx.now)
    }

    pub(super) fn msg(&self, st: &Conversation, key: &str) -> String {
        self.fill(st, self.flows.message(key).get(st.lang), &[])
    }

    pub(super) fn msg_with(
        &self,
        st: &Conversation,
        key: &str,
        extra: &[(&str, String)],
    ) -> String {
        self.fill(st, self.flows.message(key).get(st.lang), extra)
    }

    pub(super) fn text(
        &self,
        st: &Conversation,
        text: &LocalText,
        extra: &[(&str, String)],
    ) -> String {
        self.fill(st, text.get(st.lang), extra)
    }

    /// The office's settings as the parent's business number sees them.
    pub(super) fn settings(&self) -> &'a OfficeSettings {
        self.number.map_or(&self.flows.settings, |n| &n.settings)
    }

    /// The services the parent's business number offers, in menu order.
    pub(super) fn services(&self) -> impl Iterator<Item = &'a Service> + '_ {
        self.flows.services.iter().filter(|s| self.offers(&s.id))
    }

    pub(super) fn offers(&self, service_id: &str) -> bool {
        self.number
            .is_none_or(|n| n.services.iter().any(|s| s == service_id))
    }

    /// The first words to a parent: the business number's own greeting, else the catalog's.
    pub(super) fn greeting(&self, st: &Conversation) -> String {
        match self.number.and_then(|n| n.greeting.as_ref()) {
            Some(greeting) => self.text(st, greeting, &[]),
            None => self.msg(st, "greeting"),
        }
    }

    pub(super) fn service_of(&self, st: &Conversation) -> Option<&'a Service> {
        st.draft
            .as_ref()
            .and_then(|d| self.flows.service(&d.service))
    }

    // ---------- template variables ----------

    pub(super) fn fill(
        &self,
        st: &Conversation,
        template: &str,
        extra: &[(&str, String)],
    ) -> String {
        let lookup = |name: &str| -> Option<String> {
            if let Some((_, v)) = extra.iter().find(|(k, _)| *k == name) {
                return Some(v.clone());
            }
            self.var(st, name)
        };
        fill(template, &lookup)
    }

    pub(super) fn var(&self, st: &Conversation, name: &str) -> Option<String> {
        let settings = &self.settings();
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
                    Some(birth) => colour(
                        settings
                            .pas_foto_background
                            .expected_for(i32::from(birth.year())),
                    ),
                    None => {
                        let odd = colour(settings.pas_foto_background.expected_for(2019));
                        let even = colour(settings.pas_foto_background.expected_for(2020));
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
                .and_then(|d| d.answers.get(well_known::KECAMATAN))
                .and_then(|a| self.kecamatan_name(&a.raw()))?,
            "kelurahan_name" | "postal_code" => {
                let code = draft
                    .and_then(|d| d.answers.get(well_known::KELURAHAN))?
                    .raw();
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

    pub(super) fn date_text(&self, date: Date, lang: Lang) -> String {
        match lang {
            Lang::Id => format!("{}, {}", weekday_id(date.weekday()), format_date_id(date)),
            Lang::En => format!("{}, {}", weekday_en(date.weekday()), format_date_en(date)),
        }
    }

    pub(super) fn hours_text(&self, lang: Lang) -> String {
        let settings = &self.settings();
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

    pub(super) fn next_opening_text(&self, lang: Lang) -> String {
        let settings = &self.settings();
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

    pub(super) fn kecamatan_name(&self, code: &str) -> Option<String> {
        self.flows
            .kecamatan
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, n)| n.clone())
    }

    pub(super) fn display(&self, step: &Step, answer: &Answer, lang: Lang) -> String {
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

    pub(super) fn summary_text(
        &self,
        st: &Conversation,
        service: &Service,
        draft: &Draft,
    ) -> String {
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
            .filter(|k| draft.document(k).is_some())
            .map(|k| format!("✅ {}", self.doc_label(&k, lang)))
            .collect();
        if !docs.is_empty() {
            lines.push(String::new());
            lines.push(self.msg(st, "summary_documents"));
            lines.extend(docs);
        }
        lines.push(String::new());
        match draft
            .answers
            .get(well_known::DELIVERY)
            .map(Answer::raw)
            .as_deref()
        {
            Some(well_known::BY_COURIER) => lines.push(self.msg(st, "summary_fee_cod")),
            Some(_) => lines.push(self.msg(st, "summary_fee_pickup")),
            None => {}
        }
        match self
            .flows
            .calendar
            .due_date(self.today(), self.settings().sla_working_days)
        {
            Ok(_) => lines.push(self.msg(st, "summary_due")),
            Err(_) => lines.push(self.msg(st, "summary_due_unknown")),
        }
        lines.join("\n")
    }

    pub(super) fn doc_label(&self, kind: &DocumentKind, lang: Lang) -> &'a str {
        self.flows.document_label(kind, lang)
    }

    /// An officer's decision, told to the parent: a text in the window, else the approved
    /// status template.
    pub(super) fn on_decided(
        &self,
        st: &mut Conversation,
        number: &str,
        status: RequestStatus,
        reason: Option<&str>,
        returned: Vec<crate::domain::request::ReturnedDocument>,
        t: &mut Turn,
    ) {
        let lang = st.lang;
        let (summary, service, name) = self.request_words(number, lang);
        let label = match lang {
            Lang::Id => status.label_id(),
            Lang::En => status.label_en(),
        };
        let mut next = self.msg(st, &format!("status_next_{}", status.id()));
        let mut reason_text =
            reason.map(|r| self.msg_with(st, "status_reason", &[("reason", r.to_string())]));
        // Documents sent back: which, why, and that the chat asks for them.
        if !returned.is_empty() {
            let mut lines = vec![self.msg(st, "returned_intro")];
            for r in &returned {
                lines.push(self.msg_with(
                    st,
                    "returned_line",
                    &[
                        ("document", self.doc_label(&r.kind, lang).to_string()),
                        ("reason", r.reason.clone()),
                    ],
                ));
            }
            reason_text = Some(lines.join("\n"));
            next = self.msg(st, "returned_next");
            match summary {
                Some(r) => st.returned.push(crate::flow::Resend {
                    number: number.to_string(),
                    service: r.service.clone(),
                    documents: returned,
                }),
                None => tracing::warn!(
                    %number,
                    "documents sent back for a request this chat does not know"
                ),
            }
        }
        self.send_status(st, number, service, name, label, reason_text, next, t);
    }

    /// One of the parent's requests as a message names it: its summary, the service's title
    /// and whom it is for (empty when this chat does not know the request).
    fn request_words(
        &self,
        number: &str,
        lang: Lang,
    ) -> (
        Option<&crate::domain::request::RequestSummary>,
        String,
        String,
    ) {
        let summary = self
            .ctx
            .requests
            .iter()
            .find(|r| r.number.to_string() == number);
        let service = summary
            .and_then(|r| self.flows.service(&r.service))
            .map(|s| s.title.get(lang).to_string())
            .unwrap_or_default();
        let name = summary.map(|r| r.name.clone()).unwrap_or_default();
        (summary, service, name)
    }

    /// A step of a card's delivery, told like a change of status: the code (live only), the
    /// fee to prepare, where to collect it, why an attempt failed.
    pub(super) fn on_delivery(
        &self,
        st: &Conversation,
        number: &str,
        notice: &crate::domain::delivery::DeliveryNotice,
        code: Option<&str>,
        t: &mut Turn,
    ) {
        use crate::domain::delivery::{DeliveryKind, DeliveryNotice as N};
        let lang = st.lang;
        let (summary, service, name) = self.request_words(number, lang);
        let Some(status) = notice.status().or(summary.map(|r| r.status)) else {
            tracing::warn!(%number, "a delivery notice for a request this chat does not know");
            return;
        };
        let label = match lang {
            Lang::Id => status.label_id(),
            Lang::En => status.label_en(),
        };
        // Replay has no code to show; the parent got the real one.
        let code_line = || {
            self.msg_with(
                st,
                "delivery_code",
                &[("code", code.unwrap_or("------").to_string())],
            )
        };
        let lines = match notice {
            N::OnItsWay {
                kind: DeliveryKind::Courier,
                cod,
                ..
            } => vec![
                self.msg_with(st, "delivery_on_its_way", &[("fee", cod.to_string())]),
                code_line(),
            ],
            N::OnItsWay { place, .. } => vec![
                self.msg_with(
                    st,
                    "delivery_collect_at",
                    &[("place", place.clone().unwrap_or_default())],
                ),
                code_line(),
            ],
            N::NewCode => vec![code_line(), self.msg(st, "delivery_new_code")],
            N::AttemptFailed {
                reason,
                attempt,
                before_hold,
            } => vec![
                self.msg_with(
                    st,
                    "delivery_attempt_failed",
                    &[
                        ("attempt", attempt.to_string()),
                        ("before_hold", before_hold.to_string()),
                        (
                            "reason",
                            match lang {
                                Lang::Id => reason.label_id(),
                                Lang::En => reason.label_en(),
                            }
                            .to_string(),
                        ),
                    ],
                ),
            ],
            N::Held { place, until, cod } => vec![self.msg_with(
                st,
                "delivery_held",
                &[
                    ("place", place.clone()),
                    ("until", self.date_text(*until, lang)),
                    ("fee", cod.to_string()),
                ],
            )],
            N::Delivered => vec![self.msg(st, "delivery_delivered")],
            N::Returned => vec![self.msg(st, "delivery_returned")],
        };
        // The notice's own lines say what comes next, except after a return or a new code.
        let next = match notice {
            N::Returned | N::NewCode => self.msg(st, &format!("status_next_{}", status.id())),
            _ => String::new(),
        };
        self.send_status(
            st,
            number,
            service,
            name,
            label,
            Some(lines.join("\n")),
            next,
            t,
        );
    }

    /// A supervisor's notice: a message of its own inside the 24-hour window, else the
    /// approved notice template. The question in hand is not repeated.
    pub(super) fn on_notice(&self, text: &str, t: &mut Turn) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let message = if self.window_open() {
            crate::flow::Outgoing::Text {
                body: format!("📢 {text}"),
            }
        } else {
            self.notice_template(text)
        };
        t.effects.push(Effect::Send(message));
    }

    /// The approved notice template carrying `text`, for a parent whose window has closed.
    pub(super) fn notice_template(&self, text: &str) -> crate::flow::Outgoing {
        let template = &self.settings().notice_template;
        crate::flow::Outgoing::Template {
            name: template.name.clone(),
            language: template.language.clone(),
            // Template parameters may not hold line breaks.
            params: vec![text.split_whitespace().collect::<Vec<_>>().join(" ")],
        }
    }

    /// A change of status told to the parent: a text inside the 24-hour window, else the
    /// approved status template.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn send_status(
        &self,
        st: &Conversation,
        number: &str,
        service: String,
        name: String,
        label: &str,
        reason_text: Option<String>,
        next: String,
        t: &mut Turn,
    ) {
        if self.window_open() {
            let mut text = self.msg_with(
                st,
                "status_changed",
                &[
                    ("number", number.to_string()),
                    ("service", service),
                    ("name", name),
                    ("status", label.to_string()),
                ],
            );
            for line in reason_text.iter().chain(std::iter::once(&next)) {
                if !line.is_empty() {
                    text.push('\n');
                    text.push_str(line);
                }
            }
            t.notes.push(text);
        } else {
            let reason_text = reason_text.map(|r| r.replace('\n', " "));
            let template = &self.settings().status_template;
            t.effects
                .push(Effect::Send(crate::flow::Outgoing::Template {
                    name: template.name.clone(),
                    language: template.language.clone(),
                    params: vec![
                        number.to_string(),
                        label.to_string(),
                        reason_text.unwrap_or(next),
                    ],
                }));
        }
    }

    /// Starts asking for the photos an officer sent back, once no other request is in hand.
    pub(super) fn start_resend(&self, st: &mut Conversation, t: &mut Turn) {
        if st.draft.is_some() || st.returned.is_empty() {
            return;
        }
        let resend = st.returned.remove(0);
        let mut draft = Draft::new(&resend.service, self.now());
        // Agreed to when the request was filed; this is the same request.
        draft.consent_at = Some(self.now());
        draft.resend = Some(resend);
        st.draft = Some(draft);
        st.overlay = Overlay::None;
        t.ask = true;
    }

    /// All photos sent back are in (and judged): they go to the request, which returns to the
    /// officers with a new due date.
    pub(super) fn resubmit_if_complete(&self, st: &mut Conversation, t: &mut Turn) {
        let Some(draft) = st.draft.as_ref() else {
            return;
        };
        let Some(resend) = draft.resend.as_ref() else {
            return;
        };
        if !draft.pending.is_empty() || draft.doubt.is_some() {
            return;
        }
        let documents: Vec<FiledDocument> = resend
            .documents
            .iter()
            .filter_map(|r| draft.document(&r.kind))
            .map(|d| FiledDocument {
                kind: d.kind.clone(),
                media: d.media.clone(),
                warnings: d.warnings.clone(),
            })
            .collect();
        if documents.len() < resend.documents.len() {
            return;
        }
        let number = resend.number.clone();
        let due_date = self
            .flows
            .calendar
            .due_date(self.today(), self.settings().sla_working_days)
            .ok();
        let due_text = due_date
            .map(|d| self.date_text(d, st.lang))
            .unwrap_or_else(|| "-".into());
        t.effects.push(Effect::Resubmit {
            number: number.clone(),
            documents,
            due_date,
        });
        st.draft = None;
        st.wake_at = None;
        st.reminded = false;
        t.notes.push(self.msg_with(
            st,
            "resend_done",
            &[("number", number), ("due_date", due_text)],
        ));
        t.ask = false;
    }

    pub(super) fn status_text(&self, st: &Conversation) -> String {
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
                        ("name", r.name.clone()),
                        ("status", status.to_string()),
                        ("due_date", due),
                    ],
                );
                line.push('\n');
                line.push_str(&self.msg(st, &format!("status_next_{}", r.status.id())));
                let note_text = match r.status {
                    RequestStatus::Dikembalikan | RequestStatus::Ditolak => {
                        Some("status_sent_back")
                    }
                    RequestStatus::SiapDiambil => Some("status_collect_at"),
                    _ => None,
                };
                if let (Some(key), Some(note)) = (note_text, &r.note) {
                    line.push('\n');
                    line.push_str(&self.msg_with(st, key, &[("reason", note.clone())]));
                }
                parts.push(line);
            }
        }
        if let (Some(draft), Some(service)) = (&st.draft, self.service_of(st)) {
            let required = self.required_documents(service, draft);
            let have = required
                .iter()
                .filter(|k| draft.document(k).is_some())
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
}
