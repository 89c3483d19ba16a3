//! Filing: the request built from the draft, with its number and due date, once every required
//! document is accepted.

use super::*;

impl<'a, 'c> Engine<'a, 'c> {
    pub(super) fn file(&self, st: &mut Conversation, t: &mut Turn) {
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
        let subject_steps = &service.subject;
        let nik = match self.subject_answer(draft, |s| s.nik.as_ref()) {
            Some(Answer::Nik(nik)) => Some(nik.clone()),
            _ => None,
        };
        if service.unique_open_nik
            && let Some(nik) = &nik
            && let Some(number) = self.ctx.open_requests.open_request(&service.id, nik)
        {
            let note = self.msg_with(st, "nik_open_request", &[("number", number.to_string())]);
            if let (Some(d), Some(step)) = (st.draft.as_mut(), subject_steps.nik.as_ref()) {
                d.answers.remove(step);
            }
            t.notes.push(note);
            return;
        }
        let Some(name) = draft.answers.get(&subject_steps.name).map(Answer::raw) else {
            return;
        };
        let subject = crate::flow::Subject {
            name,
            birth_date: self.birth_date(draft),
            sex: self.sex(draft),
            nik,
        };
        let settings = &self.settings();
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
        let (delivery, address, fee) = self.delivery_and_address(draft);
        let (documents, extra) = self.filed_documents(service, draft);
        let filed = FiledRequest {
            number: number.clone(),
            service: service.id.clone(),
            kind: draft.answers.get(well_known::REQUEST_KIND).map(Answer::raw),
            subject,
            delivery,
            address,
            fee,
            documents,
            nomor_kk: match draft.answers.get(well_known::NOMOR_KK) {
                Some(Answer::Kk(kk)) => Some(kk.clone()),
                _ => None,
            },
            answers: officer_view(draft),
            data_warnings: draft.data_warnings.clone(),
            consent_at,
            language: st.lang,
            submitted_at: self.now(),
            due_date,
            status: RequestStatus::Diajukan,
            walk_in: None,
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

    /// How the card reaches the family, the KK address, and what the parent pays.
    fn delivery_and_address(&self, draft: &Draft) -> (Option<Delivery>, Option<Address>, Rupiah) {
        let answer = |k: &str| draft.answers.get(k).map(Answer::raw);
        let kecamatan_code = answer(well_known::KECAMATAN);
        let kecamatan = kecamatan_code
            .as_deref()
            .and_then(|c| self.kecamatan_name(c))
            .unwrap_or_default();
        let delivery = match answer(well_known::DELIVERY).as_deref() {
            Some(well_known::BY_COURIER) => Some(Delivery::Courier {
                cod_fee: self.settings().cod_fee,
            }),
            Some(well_known::PICKUP_AT_KECAMATAN) => Some(Delivery::PickupAtKecamatan {
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
            answer(well_known::STREET),
            answer(well_known::RT_RW),
            answer(well_known::KELURAHAN),
            kecamatan_code,
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
                    kecamatan_code,
                    kecamatan,
                })
            }
            _ => None,
        };
        (delivery, address, fee)
    }

    /// The documents the request needs, in order, and the photos the draft holds beyond them
    /// (to be forgotten).
    fn filed_documents(
        &self,
        service: &Service,
        draft: &Draft,
    ) -> (Vec<FiledDocument>, Vec<MediaRef>) {
        let required = self.required_documents(service, draft);
        let documents = required
            .iter()
            .filter_map(|kind| draft.document(kind))
            .map(|d| FiledDocument {
                kind: d.kind.clone(),
                media: d.media.clone(),
                warnings: d.warnings.clone(),
            })
            .collect();
        let extra = draft
            .documents
            .iter()
            .filter(|d| !required.contains(&d.kind))
            .map(|d| d.media.clone())
            .collect();
        (documents, extra)
    }
}

/// Every answer by step id as text, for the officer's view; NIK and KK numbers masked (their
/// whole values are filed in their own fields).
fn officer_view(draft: &Draft) -> BTreeMap<String, String> {
    draft
        .answers
        .iter()
        .map(|(k, v)| (k.clone(), v.masked()))
        .collect()
}
