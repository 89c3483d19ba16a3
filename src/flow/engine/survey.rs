//! The satisfaction survey (IKM, a 1–4 scale) after a card is handed over: asked once, with a
//! list of the four scores inside the 24-hour window or the survey template after it; then an
//! optional comment. A low score hands the conversation to the officers for a call-back. An
//! answer that is not a score leaves the survey and is handled as usual.

use super::{Engine, Turn};
use crate::flow::{Conversation, Effect, EscalationReason, Input, Lang, Survey};

/// Scores at or below this open an escalation.
const LOW_SCORE: u8 = 2;

const LABELS: [(&str, &str); 4] = [
    ("Tidak puas", "Not satisfied"),
    ("Kurang puas", "Somewhat unsatisfied"),
    ("Puas", "Satisfied"),
    ("Sangat puas", "Very satisfied"),
];

impl Engine<'_, '_> {
    pub(super) fn ask_survey(&self, st: &mut Conversation, number: &str, t: &mut Turn) {
        // What was said before (the card handed over) comes first.
        let said = std::mem::take(&mut t.notes);
        if let Some(message) = crate::flow::render::render(&said, None) {
            t.effects.push(Effect::Send(message));
        }
        st.survey = Some(Survey {
            number: number.to_string(),
            asked_at: self.now(),
            score: None,
        });
        let message = if self.window_open() {
            crate::flow::Outgoing::List {
                body: self.msg_with(st, "survey_question", &[("number", number.to_string())]),
                button: self.msg(st, "survey_button"),
                rows: LABELS
                    .iter()
                    .enumerate()
                    .map(
                        |(i, (id_label, en_label))| crate::domain::message::ListRow {
                            id: format!("ikm.{}", i + 1),
                            title: format!(
                                "{} · {}",
                                i + 1,
                                match st.lang {
                                    Lang::Id => id_label,
                                    Lang::En => en_label,
                                }
                            ),
                            description: None,
                        },
                    )
                    .collect(),
            }
        } else {
            let template = &self.settings().survey_template;
            crate::flow::Outgoing::Template {
                name: template.name.clone(),
                language: template.language.clone(),
                params: vec![number.to_string()],
            }
        };
        t.effects.push(Effect::Send(message));
    }

    /// Takes the input if it answers the open survey; otherwise the survey is left and the
    /// input is handled as usual.
    pub(super) fn on_survey(&self, st: &mut Conversation, input: &Input, t: &mut Turn) -> bool {
        let Some(survey) = st.survey.clone() else {
            return false;
        };
        match survey.score {
            None => {
                let Some(score) = score_of(input) else {
                    st.survey = None;
                    return false;
                };
                t.effects.push(Effect::SurveyAnswered {
                    number: survey.number.clone(),
                    score,
                    comment: None,
                });
                if score <= LOW_SCORE {
                    st.survey = None;
                    self.escalate(
                        st,
                        EscalationReason::LowSatisfaction {
                            number: survey.number,
                            score,
                        },
                        t,
                    );
                    // The officers' hand-over words, after the apology.
                    let handed = t.notes.pop();
                    t.notes.push(self.msg(st, "survey_low"));
                    t.notes.extend(handed);
                } else {
                    st.survey = Some(Survey {
                        score: Some(score),
                        ..survey
                    });
                    t.notes.push(self.msg(st, "survey_comment"));
                }
                true
            }
            Some(score) => {
                let Input::Text(text) = input else {
                    st.survey = None;
                    return false;
                };
                if self.match_command(text).is_some() {
                    st.survey = None;
                    return false;
                }
                st.survey = None;
                let skip = self.msg(st, "survey_skip_words");
                let said = text.trim().to_lowercase();
                let skipped = skip
                    .split(',')
                    .map(|w| w.trim().to_lowercase())
                    .any(|w| !w.is_empty() && w == said);
                if !skipped {
                    t.effects.push(Effect::SurveyAnswered {
                        number: survey.number,
                        score,
                        comment: Some(text.trim().chars().take(1000).collect()),
                    });
                }
                t.notes.push(self.msg(st, "survey_thanks"));
                true
            }
        }
    }
}

/// A score from a tapped row (`ikm.3`), a template's quick-reply button ("3 Puas"), or typed
/// ("3", "puas", "sangat puas").
fn score_of(input: &Input) -> Option<u8> {
    let text = match input {
        Input::Choice { id, title } => {
            if let Some(n) = id.strip_prefix("ikm.").and_then(|n| n.parse().ok()) {
                return (1..=4).contains(&n).then_some(n);
            }
            title.as_str()
        }
        Input::Text(text) => text.as_str(),
        _ => return None,
    };
    let text = text.trim().to_lowercase();
    if let Some(first) = text.chars().next()
        && let Some(n) = first.to_digit(10)
        && (1..=4).contains(&n)
        && text.chars().nth(1).is_none_or(|c| !c.is_ascii_digit())
    {
        return Some(n as u8);
    }
    let words = [
        ("sangat puas", 4),
        ("very satisfied", 4),
        ("kurang puas", 2),
        ("tidak puas", 1),
        ("not satisfied", 1),
        ("puas", 3),
        ("satisfied", 3),
    ];
    words.iter().find(|(w, _)| text == *w).map(|(_, n)| *n)
}
