//! The pure step function. Each input is handled in turn; a turn collects notes (things to say),
//! whether the current question should be (re)asked, and effects. At the end of the turn the notes
//! and the question (derived from the final state) become ONE message: that is how a batch of
//! photo verdicts gets one combined reply.
//!
//! The current step is never stored: it is the first step whose condition holds and whose answer
//! or document is missing. Filing re-derives it without counting photos still being checked, so
//! no input order can file a request that lacks a required document.

//!
//! | file | job |
//! |---|---|
//! | `understand.rs` | what a parent typed: words, typos, yes/no, commands, FAQ |
//! | `choose.rs` | a typed answer against the choices shown: numbers, titles, prefixes, typos |
//! | `ask.rs` | which question is next, and how it is put |
//! | `answer.rs` | answers, validation, failed attempts, escalation, commands, cancelling |
//! | `photos.rs` | photos arriving and their verdicts |
//! | `file.rs` | filing the request |
//! | `timers.rs` | reminders and expiry |
//! | `say.rs` | messages, dates, hours, the summary and the status |
//! | `walk_in.rs` | a request an officer files at the counter, through the same steps |

mod answer;
mod ask;
mod choose;
mod file;
mod photos;
mod say;
mod survey;
mod timers;
mod understand;
mod walk_in;

use crate::domain::dates::{
    age_in_years, format_date_en, format_date_id, parse_date, parse_recent_day, weekday_en,
    weekday_id,
};
use crate::domain::document::DocumentKind;
use crate::domain::kk::NomorKk;
use crate::domain::nik::{Nik, NikWarning, Sex};
use crate::domain::phone::normalize_mobile;
use crate::domain::photo::PhotoVerdict;
use crate::domain::request::{RequestNumber, RequestStatus};
use crate::domain::rupiah::Rupiah;
use crate::flow::def::{
    Colour, Command, FlowSet, NumberProfile, OfficeSettings, Service, Step, StepKind, SubjectSteps,
    Validator,
};
use crate::flow::render::{Opt, Question, render};
use crate::flow::state::{
    Answer, Conversation, DocumentEntry, Draft, Escalation, Overlay, PendingPhoto,
};
use crate::flow::text::{Lang, LocalText, fill};
use crate::flow::well_known;
use crate::flow::{
    Address, Context, Delivery, Effect, EscalationReason, FiledDocument, FiledRequest, Input,
    MediaRef,
};
use jiff::civil::{Date, Weekday};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;

use understand::*;

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
    let e = Engine {
        flows,
        ctx,
        number: flows.number(ctx.business_number),
    };
    let mut turn = Turn::default();
    for input in inputs {
        if input.is_from_citizen() {
            turn.from_citizen = true;
        }
        e.handle(&mut state, input, &mut turn);
    }
    e.finish(state, turn)
}

/// The request an officer's form would file now, or what stops it, field by field: the desk
/// checks a form with this before queueing it, and the lane files it with the same code.
pub fn check_walk_in(
    flows: &FlowSet,
    form: &crate::domain::walk_in::WalkInForm,
    ctx: &Context,
) -> Result<FiledRequest, Vec<crate::domain::walk_in::FormProblem>> {
    Engine {
        flows,
        ctx,
        number: flows.number(ctx.business_number),
    }
    .walk_in_request(form)
}

#[derive(Default)]
struct Turn {
    notes: Vec<String>,
    ask: bool,
    effects: Vec<Effect>,
    wake: Option<Timestamp>,
    from_citizen: bool,
    /// Photos accepted by their checks in this turn, taken together at its end.
    arrivals: Vec<DocumentEntry>,
    /// Photos refused for a document they do not show, placed at the end of the turn.
    rejects: Vec<photos::Reject>,
}

struct Engine<'a, 'c> {
    flows: &'a FlowSet,
    ctx: &'a Context<'c>,
    /// The business number the parent writes to, when `numbers.toml` lists it.
    number: Option<&'a NumberProfile>,
}

impl<'a, 'c> Engine<'a, 'c> {
    fn handle(&self, st: &mut Conversation, input: Input, t: &mut Turn) {
        // Beside the chat, whoever owns it: the contact's conversation is not touched.
        match input {
            Input::WalkIn(form) => return self.on_walk_in(*form, t),
            Input::Notice(text) => return self.on_notice(&text, t),
            Input::OfficerReply(message) => return t.effects.push(Effect::Send(message)),
            _ => {}
        }
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
                // The office tells its decisions, whoever owns the chat.
                Input::Decided {
                    number,
                    status,
                    reason,
                    returned,
                } => self.on_decided(st, &number, status, reason.as_deref(), returned, t),
                Input::Delivery {
                    number,
                    notice,
                    code,
                } => self.on_delivery(st, &number, &notice, code.as_deref(), t),
                // Checks that were running when the officer took over: record, say nothing.
                Input::PhotoChecked {
                    media,
                    document,
                    verdict,
                } => {
                    let mut quiet = Turn::default();
                    self.on_photo_checked(st, media, document, verdict, &mut quiet);
                    self.settle_photos(st, &mut quiet);
                    t.effects.append(&mut quiet.effects);
                }
                _ => {}
            }
            return;
        }
        if input.is_from_citizen() {
            if !st.greeted {
                st.greeted = true;
                t.notes.push(self.greeting(st));
                t.ask = true;
            }
            if st.expired_unseen {
                st.expired_unseen = false;
                t.notes.push(self.msg(st, "expired_earlier"));
            }
        }
        if st.survey.is_some() && self.on_survey(st, &input, t) {
            return;
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
            Input::MediaUnavailable(problem) => {
                use crate::domain::media::MediaProblem;
                let note = match problem {
                    MediaProblem::Network | MediaProblem::Storage => {
                        self.msg(st, "media_unavailable")
                    }
                    MediaProblem::Refused => self.msg(st, "media_refused"),
                    MediaProblem::TooLarge { size, limit } => self.msg_with(
                        st,
                        "media_too_large",
                        &[("size", megabytes(size)), ("limit", megabytes(limit))],
                    ),
                };
                t.notes.push(note);
                t.ask = true;
            }
            Input::Unsupported { .. } => self.unclear(st, "unsupported", t),
            Input::Tick => self.on_tick(st, t),
            Input::Flooding => t.notes.push(self.msg(st, "flood_notice")),
            Input::HandBack | Input::WalkIn(_) | Input::Notice(_) | Input::OfficerReply(_) => {}
            Input::Decided {
                number,
                status,
                reason,
                returned,
            } => {
                self.on_decided(st, &number, status, reason.as_deref(), returned, t);
                // A parent in the middle of another request sees where they were.
                t.ask = st.draft.is_some();
            }
            Input::Delivery {
                number,
                notice,
                code,
            } => {
                self.on_delivery(st, &number, &notice, code.as_deref(), t);
                // Asked once the card is in hand, unless the parent is busy with a request.
                if notice == crate::domain::delivery::DeliveryNotice::Delivered
                    && st.draft.is_none()
                {
                    self.ask_survey(st, &number, t);
                }
                t.ask = st.draft.is_some();
            }
        }
    }

    fn finish(&self, mut st: Conversation, mut t: Turn) -> (Conversation, Vec<Effect>) {
        self.settle_photos(&mut st, &mut t);
        if st.escalation.is_none() {
            self.resubmit_if_complete(&mut st, &mut t);
            self.start_resend(&mut st, &mut t);
        }
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
        if t.ask && st.escalation.is_none() && !waiting && st.overlay.is_none() {
            self.settle_single_options(&mut st, &mut t);
        }
        let question = (t.ask && st.escalation.is_none() && !waiting).then(|| self.question(&st));
        let mut effects = t.effects;
        if let Some(message) = render(&t.notes, question.as_ref()) {
            // A message that reached us more than 24 hours after it was sent (loket or Meta was
            // down that long) cannot be answered freely: WhatsApp allows only a template, which
            // asks the parent to write again (*ulang* repeats the question).
            if t.from_citizen && !self.window_open() {
                effects.push(Effect::Send(
                    self.notice_template(&self.msg(&st, "late_message")),
                ));
            } else {
                effects.push(Effect::Send(message));
            }
        }
        if let Some(at) = t.wake {
            effects.push(Effect::WakeAt(at));
        }
        (st, effects)
    }
}

/// A file size as parents read it: "12,5 MB" (one decimal, Indonesian comma).
fn megabytes(bytes: u64) -> String {
    let tenths = (bytes * 10).div_ceil(1024 * 1024);
    match tenths % 10 {
        0 => format!("{} MB", tenths / 10),
        d => format!("{},{d} MB", tenths / 10),
    }
}
