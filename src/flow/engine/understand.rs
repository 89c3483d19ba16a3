//! Understanding what a parent typed: normalised words, one-typo matches, yes and no, questions,
//! typed answers against the choices shown, global commands and FAQ.

use super::choose::{Choice, Typed, match_choice};
use super::*;

pub(super) const YES: &[&str] = &[
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
pub(super) const NO: &[&str] = &[
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
pub(super) const QUESTION_WORDS: &[&str] = &[
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

/// Lower case, single spaces, no surrounding punctuation: how typed answers are compared.
pub(super) fn norm(text: &str) -> String {
    text.trim()
        .trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Words only (for captions): `Foto_KTP-ayah.jpg` → `foto ktp ayah jpg`.
pub(super) fn words(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn contains_words(haystack: &str, needle: &str) -> bool {
    !needle.is_empty() && format!(" {haystack} ").contains(&format!(" {needle} "))
}

/// Edit distance with transpositions, for one-typo command words.
pub(super) fn typo_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rolling rows (the one before last, for a swap of two letters).
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut last: Vec<usize> = (0..=b.len()).collect();
    let mut row: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        row[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (last[j] + 1).min(row[j - 1] + 1).min(last[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            row[j] = best;
        }
        std::mem::swap(&mut before, &mut last);
        std::mem::swap(&mut last, &mut row);
    }
    last[b.len()]
}

/// The typo distance when it is at most `max`: cheap for the many names too long or too short
/// to be within reach (the difference in length is at least the distance).
pub(super) fn typo_within(a: &str, b: &str, max: usize) -> Option<usize> {
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la.abs_diff(lb) > max {
        return None;
    }
    let d = typo_distance(a, b);
    (d <= max).then_some(d)
}

/// A service as the matcher sees it: its titles, id and aliases.
fn service_choice(service: &Service) -> Choice<'_> {
    Choice {
        names: [service.title.id.as_str(), service.id.as_str()]
            .into_iter()
            .chain(service.title.en.as_deref())
            .chain(service.aliases.iter().map(String::as_str))
            .collect(),
        weak: false,
    }
}

pub(super) fn is_question(text: &str) -> bool {
    let n = norm(text);
    text.trim_end().ends_with('?')
        || QUESTION_WORDS
            .iter()
            .any(|w| n == *w || n.starts_with(&format!("{w} ")))
}

impl<'a, 'c> Engine<'a, 'c> {
    /// Finds the option a typed answer means among those shown: see [`super::choose`]. Where the
    /// menu offers services, the services of the office's other numbers follow the options
    /// shown (indexes from `question.options.len()`, in [`Self::elsewhere`] order): "akta
    /// kematian" typed at the KIA number means the death certificate, not the akta kelahiran.
    pub(super) fn match_typed(&self, st: &Conversation, question: &Question, text: &str) -> Typed {
        let aliases = self.aliases_of_question(st);
        let choices: Vec<Choice> = question
            .options
            .iter()
            .map(|o| {
                let mut names = vec![o.title.as_str()];
                if let Some(suffix) = o.id.rsplit('.').next() {
                    names.push(suffix);
                }
                if let Some(a) = aliases.get(&o.id) {
                    names.extend(a.iter().map(String::as_str));
                }
                // The menu's own entries (status, syarat, FAQ, officer) yield to a named service.
                Choice {
                    names,
                    weak: o.id.starts_with("menu.__"),
                }
            })
            .collect();
        let mut choices = choices;
        let offers_services = question
            .options
            .iter()
            .any(|o| o.id.starts_with("menu.") && !o.id.starts_with("menu.__"));
        let elsewhere = self.elsewhere();
        if offers_services && text.chars().any(char::is_alphabetic) {
            choices.extend(elsewhere.iter().map(|(s, _)| service_choice(s)));
        }
        match_choice(text, &choices)
    }

    pub(super) fn aliases_of_question(&self, st: &Conversation) -> BTreeMap<String, Vec<String>> {
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
                for service in self.services() {
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
                    && let Some(doubt) = &draft.doubt
                {
                    // "ini akta", "itu KK", "akta", or a caption word of that document's step.
                    let service = self.flows.service(&draft.service);
                    for kind in &doubt.candidates {
                        let short = self.flows.document_short(kind, st.lang).to_lowercase();
                        let label = self.flows.document_label(kind, st.lang).to_lowercase();
                        let mut names = vec![
                            format!("ini {short}"),
                            format!("itu {short}"),
                            format!("foto {short}"),
                            short,
                            label,
                        ];
                        if let Some(service) = service {
                            for step in &service.steps {
                                if let StepKind::Photo { document, captions } = &step.kind
                                    && document == kind
                                {
                                    for caption in captions {
                                        names.push(format!("ini {caption}"));
                                        names.push(caption.clone());
                                    }
                                }
                            }
                        }
                        map.insert(format!("doubt.{}", kind.id()), names);
                    }
                } else if let (Some(draft), Overlay::None) = (&st.draft, &st.overlay)
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

    /// The services this business number does not offer but another of the office's numbers
    /// does, each with that number.
    pub(super) fn elsewhere(&self) -> Vec<(&'a Service, &'a NumberProfile)> {
        if self.number.is_none() {
            return Vec::new();
        }
        self.flows
            .services
            .iter()
            .filter(|s| !self.offers(&s.id))
            .filter_map(|s| {
                let number = self
                    .flows
                    .numbers
                    .iter()
                    .find(|n| n.services.contains(&s.id))?;
                Some((s, number))
            })
            .collect()
    }

    /// A service the parent named ("mau buat KIA") that another number offers, with that number.
    pub(super) fn service_elsewhere(&self, text: &str) -> Option<(&'a Service, &'a NumberProfile)> {
        // Only named services: "1" is this number's menu, never another's.
        if !text.chars().any(char::is_alphabetic) {
            return None;
        }
        let elsewhere = self.elsewhere();
        let choices: Vec<Choice> = elsewhere.iter().map(|(s, _)| service_choice(s)).collect();
        match match_choice(text, &choices) {
            Typed::One(i) => elsewhere.get(i).copied(),
            _ => None,
        }
    }

    pub(super) fn match_command(&self, text: &str) -> Option<Command> {
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

    /// A command whose opener word starts the message ("Halo kak, selamat pagi" opens the menu),
    /// for a message nothing else understood.
    pub(super) fn opener_command(&self, text: &str) -> Option<Command> {
        let w = words(text);
        self.flows
            .commands
            .iter()
            .find(|c| {
                c.openers
                    .iter()
                    .any(|o| w == *o || w.starts_with(&format!("{o} ")))
            })
            .map(|c| c.command)
    }

    pub(super) fn match_faq(&self, text: &str) -> Option<&'a crate::flow::def::FaqEntry> {
        let n = norm(text);
        self.flows
            .faq
            .iter()
            .find(|f| f.patterns.iter().any(|re| re.is_match(&n)))
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
