//! One service file (`kia.toml`, `akta_kelahiran.toml`): its steps, options, validators,
//! conditions and texts, and the well-known steps filing relies on.

use super::*;

pub(super) fn load_service(
    path: &Path,
    text: &str,
    declared: Option<&BTreeMap<DocumentKind, Document>>,
    problems: &mut Problems,
) -> Option<Service> {
    let raw: RawService = parse(path, text, problems)?;
    let before = problems.list.len();
    let file = ServiceFile {
        path,
        text,
        declared,
        subject_sex: raw
            .subject
            .get_ref()
            .sex
            .as_ref()
            .map(|s| s.get_ref().clone()),
    };
    file.check_heading(&raw, problems);
    // Step ids first: conditions, placeholders and `clears` may name any of them.
    let step_ids = file.step_ids(&raw, problems);
    let mut fields = step_ids.clone();
    fields.extend(CONDITION_VARS.iter().map(|v| v.to_string()));
    let names = Names {
        step_ids: &step_ids,
        fields: &fields,
    };

    let mut steps = Vec::new();
    let mut documents = BTreeSet::new();
    let count = raw.steps.len();
    for (index, spanned) in raw.steps.iter().enumerate() {
        let step = spanned.get_ref();
        check_placeholders(path, text, &step.prompt, &step_ids, problems);
        let when = file.condition(&names, &step.when, problems);
        let position = (index, count);
        if let Some(kind) = file.step_kind(step, position, &names, &mut documents, problems) {
            let id = step.id.get_ref().clone();
            steps.push(Step {
                label: match &step.label {
                    Some(label) => label.get_ref().clone(),
                    None => LocalText::new(&id),
                },
                id,
                kind,
                prompt: step.prompt.get_ref().clone(),
                when,
                fills: step
                    .fills
                    .as_ref()
                    .map(|f| f.get_ref().clone())
                    .unwrap_or_default(),
            });
        }
    }
    file.check_fills(&raw, &steps, problems);
    file.check_well_known(&steps, problems);
    let subject = file.subject(&raw, &steps, problems);
    for t in [&raw.requirements, &raw.done] {
        check_placeholders(path, text, t, &step_ids, problems);
    }
    if problems.list.len() > before {
        return None;
    }
    Some(Service {
        id: raw.id.into_inner(),
        prefix: raw.prefix.into_inner(),
        order: raw.order,
        title: raw.title.into_inner(),
        description: raw.description.map(Spanned::into_inner),
        aliases: raw.aliases.iter().map(|a| a.to_lowercase()).collect(),
        requirements: raw.requirements.into_inner(),
        done: raw.done.into_inner(),
        subject: subject?,
        unique_open_nik: raw.unique_open_nik.is_some_and(|u| *u.get_ref()),
        steps,
        file: path.to_path_buf(),
    })
}

/// The names a service file may refer to: its step ids, and those plus the condition variables.
struct Names<'n> {
    step_ids: &'n BTreeSet<String>,
    fields: &'n BTreeSet<String>,
}

/// One service file being read: where problems are reported, and the documents it may ask
/// for (`None` when `documents.toml` itself was refused: photo steps are then not checked).
struct ServiceFile<'f> {
    path: &'f Path,
    text: &'f str,
    declared: Option<&'f BTreeMap<DocumentKind, Document>>,
    /// The step id `[subject]` names as the sex: its options must be `l` and `p`.
    subject_sex: Option<String>,
}

impl ServiceFile<'_> {
    /// The `[subject]` table: each step it names exists and collects what it stands for (a
    /// name, a birth date, the sex as `l`/`p`, a NIK); `unique_open_nik` needs the NIK.
    fn subject(
        &self,
        raw: &RawService,
        steps: &[Step],
        problems: &mut Problems,
    ) -> Option<SubjectSteps> {
        let before = problems.list.len();
        let subject = raw.subject.get_ref();
        let kind_of = |id: &Spanned<String>| {
            steps
                .iter()
                .find(|s| s.id == *id.get_ref())
                .map(|s| &s.kind)
        };
        let mut check =
            |id: &Spanned<String>, fits: fn(&StepKind) -> bool, what: &str| match kind_of(id) {
                Some(kind) if fits(kind) => {}
                Some(_) => self.at(
                    problems,
                    id.span(),
                    format!("subject step `{}` must be {what}", id.get_ref()),
                ),
                None => self.at(
                    problems,
                    id.span(),
                    format!(
                        "subject step `{}` is not a step of this service",
                        id.get_ref()
                    ),
                ),
            };
        check(
            &subject.name,
            |k| {
                matches!(
                    k,
                    StepKind::Text(Validator::PersonName | Validator::FreeText)
                )
            },
            "a text step with validator person_name",
        );
        if let Some(id) = &subject.birth_date {
            check(
                id,
                |k| matches!(k, StepKind::Text(Validator::BirthDate { .. })),
                "a text step with validator birth_date",
            );
        }
        if let Some(id) = &subject.sex {
            check(
                id,
                |k| {
                    matches!(k, StepKind::Choice(options) if {
                        let mut ids: Vec<&str> = options.iter().filter(|o| o.clears.is_empty()).map(|o| o.id.as_str()).collect();
                        ids.sort_unstable();
                        ids == well_known::SEX_CHOICES
                    })
                },
                "a choice with options `l` and `p`",
            );
        }
        if let Some(id) = &subject.nik {
            check(
                id,
                |k| matches!(k, StepKind::Text(Validator::Nik { .. })),
                "a text step with validator nik",
            );
        }
        if let Some(unique) = &raw.unique_open_nik
            && *unique.get_ref()
            && subject.nik.is_none()
        {
            self.at(
                problems,
                unique.span(),
                "unique_open_nik needs the subject's nik (`nik = ...` in [subject])".into(),
            );
        }
        (problems.list.len() == before).then(|| SubjectSteps {
            label: subject.label.clone(),
            name: subject.name.get_ref().clone(),
            birth_date: subject.birth_date.as_ref().map(|s| s.get_ref().clone()),
            sex: subject.sex.as_ref().map(|s| s.get_ref().clone()),
            nik: subject.nik.as_ref().map(|s| s.get_ref().clone()),
        })
    }

    /// `fills` belongs to a NIK step and names a birth-date step or a sex choice (`l`, `p`).
    fn check_fills(&self, raw: &RawService, steps: &[Step], problems: &mut Problems) {
        for spanned in &raw.steps {
            let step = spanned.get_ref();
            let Some(fills) = &step.fills else {
                continue;
            };
            let own = steps.iter().find(|s| s.id == *step.id.get_ref());
            if !matches!(
                own.map(|s| &s.kind),
                Some(StepKind::Text(Validator::Nik { .. }))
            ) {
                self.at(
                    problems,
                    fills.span(),
                    "only a step with validator nik can fill other steps".into(),
                );
                continue;
            }
            for target in fills.get_ref() {
                let fits = match steps.iter().find(|s| s.id == *target).map(|s| &s.kind) {
                    Some(StepKind::Text(Validator::BirthDate { .. })) => true,
                    Some(StepKind::Choice(options)) => {
                        let mut ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
                        ids.sort_unstable();
                        ids == ["l", "p"]
                    }
                    _ => false,
                };
                if !fits {
                    self.at(
                        problems,
                        fills.span(),
                        format!(
                            "`{target}` cannot be filled from a NIK: name a step with validator \
                             birth_date or a choice with options `l` and `p`"
                        ),
                    );
                }
            }
        }
    }

    fn at(&self, problems: &mut Problems, span: std::ops::Range<usize>, reason: String) {
        problems.at(self.path, self.text, span, reason)
    }

    /// The number prefix, title and description.
    fn check_heading(&self, raw: &RawService, problems: &mut Problems) {
        let (path, text) = (self.path, self.text);
        let prefix = raw.prefix.get_ref();
        if !(2..=5).contains(&prefix.len()) || !prefix.chars().all(|c| c.is_ascii_uppercase()) {
            self.at(
                problems,
                raw.prefix.span(),
                format!("prefix `{prefix}` must be 2 to 5 capital letters"),
            );
        }
        check_length(
            path,
            text,
            &raw.title,
            ROW_TITLE_MAX,
            "service title",
            problems,
        );
        if let Some(d) = &raw.description {
            check_length(
                path,
                text,
                d,
                ROW_DESCRIPTION_MAX,
                "service description",
                problems,
            );
        }
    }

    /// Every step id, each well formed and used once.
    fn step_ids(&self, raw: &RawService, problems: &mut Problems) -> BTreeSet<String> {
        let mut step_ids = BTreeSet::new();
        for step in &raw.steps {
            let id = step.get_ref().id.get_ref();
            let valid = id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                self.at(
                    problems,
                    step.get_ref().id.span(),
                    format!("step id `{id}` must be lower case letters, digits and _"),
                );
            }
            if !step_ids.insert(id.clone()) {
                self.at(
                    problems,
                    step.get_ref().id.span(),
                    format!("step id `{id}` is used twice"),
                );
            }
        }
        step_ids
    }

    /// A `when` condition, reading only known names.
    fn condition(
        &self,
        names: &Names<'_>,
        when: &Option<Spanned<String>>,
        problems: &mut Problems,
    ) -> Option<Condition> {
        let when = when.as_ref()?;
        match Condition::parse(when.get_ref()) {
            Ok(condition) => {
                for name in condition.names() {
                    if !names.fields.contains(name) {
                        self.at(
                            problems,
                            when.span(),
                            format!("condition `{}` reads unknown name `{name}`", when.get_ref()),
                        );
                    }
                }
                Some(condition)
            }
            Err(e) => {
                self.at(problems, when.span(), e.to_string());
                None
            }
        }
    }

    /// What kind of step it is, with its validator, options or document. `position` is
    /// (index, number of steps): consent comes first, the summary last.
    fn step_kind(
        &self,
        step: &RawStep,
        (index, count): (usize, usize),
        names: &Names<'_>,
        documents: &mut BTreeSet<DocumentKind>,
        problems: &mut Problems,
    ) -> Option<StepKind> {
        let id = step.id.get_ref();
        match step.kind.get_ref().as_str() {
            "consent" => {
                if index != 0 {
                    self.at(
                        problems,
                        step.kind.span(),
                        "the consent step must come first: no data before agreement".into(),
                    );
                }
                Some(StepKind::Consent)
            }
            "summary" => {
                if index + 1 != count {
                    self.at(
                        problems,
                        step.kind.span(),
                        "the summary step must be the last step".into(),
                    );
                }
                Some(StepKind::Summary)
            }
            "text" => match &step.validator {
                None => {
                    self.at(
                        problems,
                        step.kind.span(),
                        format!("step `{id}` of kind text needs a validator"),
                    );
                    None
                }
                Some(v) => self.validator(step, v, problems).map(StepKind::Text),
            },
            "choice" => Some(StepKind::Choice(self.options(step, names, problems))),
            "kecamatan" => Some(StepKind::Kecamatan),
            "kelurahan" => Some(StepKind::Kelurahan),
            "photo" => self.photo(step, documents, problems),
            other => {
                self.at(
                    problems,
                    step.kind.span(),
                    format!(
                        "unknown step kind `{other}` (consent, text, choice, kecamatan, kelurahan, photo, summary)"
                    ),
                );
                None
            }
        }
    }

    fn validator(
        &self,
        step: &RawStep,
        v: &Spanned<String>,
        problems: &mut Problems,
    ) -> Option<Validator> {
        Some(match v.get_ref().as_str() {
            "person_name" => Validator::PersonName,
            "birth_date" => Validator::BirthDate {
                max_age_years: step.max_age_years,
            },
            "past_date" => Validator::PastDate,
            "nik" => Validator::Nik {
                max_age_years: step.max_age_years,
            },
            "nomor_kk" => Validator::NomorKk,
            "street" => Validator::Street,
            "rt_rw" => Validator::RtRw,
            "place" => Validator::Place,
            "free_text" => Validator::FreeText,
            "phone" => Validator::Phone,
            other => {
                self.at(
                    problems,
                    v.span(),
                    format!(
                        "unknown validator `{other}` (known: {})",
                        Validator::NAMES.join(", ")
                    ),
                );
                return None;
            }
        })
    }

    /// A choice step's options; a well-known step (`child_sex`, `delivery`) offers only the
    /// choices filing understands.
    fn options(
        &self,
        step: &RawStep,
        names: &Names<'_>,
        problems: &mut Problems,
    ) -> Vec<ChoiceOption> {
        let (path, text) = (self.path, self.text);
        let id = step.id.get_ref();
        if step.options.is_empty() {
            self.at(
                problems,
                step.kind.span(),
                format!("choice step `{id}` has no options"),
            );
        }
        let mut option_ids = BTreeSet::new();
        let mut options = Vec::new();
        for option in &step.options {
            let o = option.get_ref();
            if !option_ids.insert(o.id.get_ref().clone()) {
                self.at(
                    problems,
                    o.id.span(),
                    format!("option id `{}` is used twice", o.id.get_ref()),
                );
            }
            check_length(
                path,
                text,
                &o.title,
                BUTTON_TITLE_MAX,
                "option title",
                problems,
            );
            if let Some(d) = &o.description {
                check_length(
                    path,
                    text,
                    d,
                    ROW_DESCRIPTION_MAX,
                    "option description",
                    problems,
                );
            }
            for cleared in &o.clears {
                if !names.step_ids.contains(cleared.get_ref()) {
                    self.at(
                        problems,
                        cleared.span(),
                        format!("`clears` names unknown step `{}`", cleared.get_ref()),
                    );
                }
            }
            if let Some(note) = &o.note {
                check_placeholders(path, text, note, names.step_ids, problems);
            }
            options.push(ChoiceOption {
                id: o.id.get_ref().clone(),
                title: o.title.get_ref().clone(),
                description: o.description.as_ref().map(|d| d.get_ref().clone()),
                aliases: o.aliases.iter().map(|a| a.to_lowercase()).collect(),
                when: self.condition(names, &o.when, problems),
                clears: o.clears.iter().map(|c| c.get_ref().clone()).collect(),
                note: o.note.as_ref().map(|n| n.get_ref().clone()),
            });
        }
        let is_sex = self.subject_sex.as_deref() == Some(id.as_str());
        let allowed: Option<&[&str]> = match id.as_str() {
            _ if is_sex => Some(well_known::SEX_CHOICES),
            well_known::DELIVERY => Some(well_known::DELIVERY_CHOICES),
            _ => None,
        };
        if let Some(allowed) = allowed {
            for option in &step.options {
                let oid = option.get_ref().id.get_ref();
                if !allowed.contains(&oid.as_str()) && option.get_ref().clears.is_empty() {
                    self.at(
                        problems,
                        option.get_ref().id.span(),
                        format!("option `{oid}` of `{id}` must be one of {allowed:?}"),
                    );
                }
            }
        }
        options
    }

    /// A photo step's document, asked once per service.
    fn photo(
        &self,
        step: &RawStep,
        documents: &mut BTreeSet<DocumentKind>,
        problems: &mut Problems,
    ) -> Option<StepKind> {
        let Some(d) = &step.document else {
            self.at(
                problems,
                step.kind.span(),
                format!("photo step `{}` needs a document", step.id.get_ref()),
            );
            return None;
        };
        let document = DocumentKind::new(d.get_ref().as_str());
        if let Some(declared) = self.declared
            && !declared.contains_key(&document)
        {
            let known: Vec<&str> = declared.keys().map(|k| k.id()).collect();
            self.at(
                problems,
                d.span(),
                format!(
                    "unknown document `{}`: declare it in documents.toml (declared: {})",
                    d.get_ref(),
                    known.join(", ")
                ),
            );
            return None;
        }
        if !documents.insert(document.clone()) {
            self.at(
                problems,
                d.span(),
                format!("document `{}` is asked twice", d.get_ref()),
            );
        }
        Some(StepKind::Photo {
            document,
            captions: step.captions.iter().map(|c| c.to_lowercase()).collect(),
        })
    }

    /// The service as a whole: consent first, summary last, and the well-known steps the
    /// engine relies on.
    fn check_well_known(&self, steps: &[Step], problems: &mut Problems) {
        let path = self.path;
        if !matches!(steps.first().map(|s| &s.kind), Some(StepKind::Consent)) {
            problems.whole(path, "the first step must be of kind consent".into());
        }
        if !matches!(steps.last().map(|s| &s.kind), Some(StepKind::Summary)) {
            problems.whole(path, "the last step must be of kind summary".into());
        }
        let has_kelurahan = steps.iter().any(|s| matches!(s.kind, StepKind::Kelurahan));
        let has_kecamatan = steps
            .iter()
            .any(|s| matches!(s.kind, StepKind::Kecamatan) && s.id == well_known::KECAMATAN);
        if has_kelurahan && !has_kecamatan {
            problems.whole(
                path,
                "a kelurahan step needs a step `kecamatan` of kind kecamatan (before it, or \
                 after it to be filled from the kelurahan)"
                    .into(),
            );
        }
    }
}
