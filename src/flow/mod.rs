//! The conversation engine: a pure function from (conversation state, input, context) to
//! (new state, effects). No IO, no clock, no randomness: replaying the same inputs with the same
//! contexts through [`step`] rebuilds the same state, byte for byte.
//!
//! # Files (`flows/`, built into the binary or the office's own folder, given as [`FlowFiles`] to
//! [`FlowSet::load`]; `loket check-flows` calls [`check`])
//!
//! | file | what |
//! |---|---|
//! | `settings.toml` | per-office settings: region, time zone, hours, SLA, COD fee, pas foto rule, reminder/expiry, data files |
//! | `messages.toml` | every text the engine says outside a service flow (Indonesian, `en` where given) |
//! | `commands.toml` | regex patterns (and one-typo words) of the global commands |
//! | `faq.toml` | common questions: patterns and answers |
//! | any other `*.toml` | one service (e.g. `kia.toml`, `akta_kelahiran.toml`): steps, prompts, options, validators, conditions |
//! | `data/*.csv` | reference data named in `settings.toml` (holidays, Kemendagri regions, kelurahan); see `data/README.md` |
//!
//! A broken file is refused with file, line and reason; all problems are listed at once.
//!
//! # Protocol (what the runtime does)
//!
//! 1. Load the conversation of the contact (or `Conversation::default()`), build a [`Context`]
//!    (`now`, the end of WhatsApp's 24-hour window, the next request sequence, the contact's
//!    [`RequestSummary`]s and an [`OpenRequests`] index), call [`step`] (one input) or
//!    [`step_batch`] (several inputs that arrived together).
//! 2. Persist the new state **and** every effect durably, then carry the effects out in order:
//!    - [`Effect::Send`]: one reply, already within WhatsApp's limits (at most one per call; a batch
//!      gives one combined reply).
//!    - [`Effect::CheckPhoto`]: run the photo checks on `media` as `document`, then feed the result
//!      back as [`Input::PhotoChecked`] with the same `media` and `document`. Every `CheckPhoto`
//!      must be answered, even when the check itself fails (send a verdict with a `Refusal`
//!      finding then), or the conversation waits for it.
//!    - [`Effect::FileRequest`]: store the request; index the child's NIK as open before the next
//!      step of any conversation runs (see [`OpenRequests`]); consume the sequence number.
//!    - [`Effect::Escalate`]: put the conversation on the officers' queue. The engine stays silent
//!      for that contact until the desk sends [`Input::HandBack`].
//!    - [`Effect::WakeAt`]: (re)schedule one wake-up per contact at that time (a later `WakeAt`
//!      replaces the earlier one); when it fires, call [`step`] with [`Input::Tick`]. Early or
//!      stale ticks are harmless.
//!    - [`Effect::ForgetMedia`]: delete those photos (draft cancelled, expired, or replaced).
//!    - [`Effect::DiscardUpload`]: delete a received file nothing uses.
//! 3. Photos sent together: call `step_batch` with all the `Input::Photo`s; it answers with the
//!    `CheckPhoto` effects (and a reply only when something needs saying at once, e.g. a duplicate).
//!    Run the checks, then call `step_batch` with all the `Input::PhotoChecked`s: one combined reply
//!    ("KK diterima, KTP ayah buram…") followed by the next question. Verdicts may also be fed one
//!    by one with `step`; the next question is asked once no check is outstanding.
//!
//! # Request numbers and the daily sequence
//!
//! `KIA-6371-260412-0042` = service prefix, `settings.number_region`, the office-local date of
//! `ctx.now` (YYMMDD, see [`FlowSet::local_date`]), `ctx.next_sequence` (4 digits, more if needed).
//! The store keeps one counter per local date (shared by all services) and passes
//! `last + 1`. It advances the counter only when the effects contain a `FileRequest`, in the same
//! transaction that stores the request (compare-and-swap on the counter). If two contacts raced
//! for the same number, the loser's transaction fails: re-run `step` for it with the next number
//! (the engine is pure, so re-running is safe).
//!
//! # Open requests per child
//!
//! A child's NIK may have one open KIA request. The engine asks [`Context::open_requests`] at the
//! NIK step and again when filing; the store answers from its NIK index (open = status not
//! `diterima`/`dibatalkan`). The engine keeps no list itself, so a request filed by an officer for
//! a walk-in parent blocks a WhatsApp request too.

mod condition;
mod def;
mod engine;
mod files;
mod render;
mod state;
pub mod text;
pub mod well_known;

pub use condition::{Condition, ConditionError, Value};
pub use def::{
    BUTTON_TITLE_MAX, BackgroundRule, CheckReport, ChoiceOption, Colour, Command, EscalationPolicy,
    FlowError, FlowProblem, FlowSet, NumberProfile, OfficeSettings, ROW_DESCRIPTION_MAX,
    ROW_TITLE_MAX, Service, Step, StepKind, Validator, check,
};
pub use engine::{check_walk_in, step, step_batch};
pub use files::FlowFiles;
pub use state::{
    Answer, Conversation, DocumentEntry, Draft, Escalation, Overlay, PendingPhoto, Resend, Survey,
};
// The shared vocabulary the engine speaks in; it lives in `domain` because the desk and
// delivery use it too.
pub use crate::domain::escalation::EscalationReason;
pub use crate::domain::media::MediaRef;
pub use crate::domain::request::{Address, Delivery, FiledDocument, FiledRequest, Subject};
pub use text::{Lang, LocalText};

use crate::domain::document::DocumentKind;
use crate::domain::nik::Nik;
use crate::domain::photo::PhotoVerdict;
use crate::domain::request::{RequestNumber, RequestSummary};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What happened in the conversation, as the runtime saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Input {
    Text(String),
    /// A request an officer filed at the counter: filed whole or not at all, beside whatever
    /// the contact is doing in the chat; the parent is told when they have WhatsApp.
    WalkIn(Box<crate::domain::walk_in::WalkInForm>),
    /// A supervisor's notice: said as it is, whatever the chat is doing.
    Notice(String),
    /// An officer's answer: relayed as it is.
    OfficerReply(crate::domain::message::Outgoing),
    /// A tapped reply button or list row: the `id` the engine gave it, and its title.
    Choice {
        id: String,
        title: String,
    },
    /// An image, or a document whose bytes sniff as an image.
    Photo {
        media: MediaRef,
        caption: Option<String>,
    },
    /// The runtime's answer to [`Effect::CheckPhoto`].
    PhotoChecked {
        media: MediaRef,
        document: DocumentKind,
        verdict: PhotoVerdict,
    },
    /// A PDF, docx, ...: we need photos.
    NotAPhoto {
        mime: String,
        filename: Option<String>,
    },
    /// The media could not be downloaded: say why and ask to resend.
    MediaUnavailable(crate::domain::media::MediaProblem),
    /// Audio, video, sticker, location, poll, ...
    Unsupported {
        what: String,
    },
    /// A wake-up scheduled by [`Effect::WakeAt`] fired.
    Tick,
    /// The parent sends far more than a person types: they are answered more slowly, and told.
    Flooding,
    /// An officer hands the conversation back to the bot.
    HandBack,
    /// An officer decided on one of the parent's requests (the lane has recorded it): tell the
    /// parent.
    Decided {
        number: String,
        status: crate::domain::request::RequestStatus,
        reason: Option<String>,
        /// The documents sent back (a `Dikembalikan`), each with why.
        #[serde(default)]
        returned: Vec<crate::domain::request::ReturnedDocument>,
    },
    /// A step of a printed card's delivery (the lane has recorded it): tell the parent. The
    /// hand-over code is here only live, never in a log.
    Delivery {
        number: String,
        notice: crate::domain::delivery::DeliveryNotice,
        code: Option<String>,
    },
}

impl Input {
    /// Inputs that come from the citizen (they open WhatsApp's 24-hour window and reset reminders).
    pub fn is_from_citizen(&self) -> bool {
        !matches!(
            self,
            Input::PhotoChecked { .. }
                | Input::Tick
                | Input::HandBack
                | Input::Decided { .. }
                | Input::Delivery { .. }
                | Input::WalkIn(_)
                | Input::Notice(_)
                | Input::OfficerReply(_)
        )
    }
}

/// Lookup of open requests by child NIK, answered by the store's index.
pub trait OpenRequests {
    /// The number of an open request of `service` (e.g. `kia`) for this child, if any.
    fn open_request(&self, service: &str, nik: &Nik) -> Option<RequestNumber>;
}

/// For contexts where nothing is open (tests, replays of a fresh store).
pub struct NoOpenRequests;

impl OpenRequests for NoOpenRequests {
    fn open_request(&self, _service: &str, _nik: &Nik) -> Option<RequestNumber> {
        None
    }
}

/// `(service, full NIK) → number`: a ready-made index for tests and small stores.
impl OpenRequests for BTreeMap<(String, String), RequestNumber> {
    fn open_request(&self, service: &str, nik: &Nik) -> Option<RequestNumber> {
        self.get(&(service.to_string(), nik.as_str().to_string()))
            .cloned()
    }
}

/// Everything from outside the engine that a step may depend on. Same context, same result.
pub struct Context<'a> {
    pub now: Timestamp,
    /// When WhatsApp's customer-service window closes (last citizen message + 24 h). `None`: closed.
    /// The runtime computes it *including* the inputs being stepped.
    pub window_open_until: Option<Timestamp>,
    /// The number to use if this step files a request (see module docs).
    pub next_sequence: u32,
    /// The contact's requests, newest first, for `status`.
    pub requests: &'a [RequestSummary],
    pub open_requests: &'a dyn OpenRequests,
    /// The business number the parent writes to (Meta's phone number ID): its services,
    /// greeting and settings (`flows/numbers.toml`). `None`: the office's, every service.
    pub business_number: Option<&'a str>,
}

impl Context<'static> {
    /// A context with no requests and a window open for 24 hours from `now`.
    pub fn at(now: Timestamp) -> Context<'static> {
        Context {
            now,
            window_open_until: now.checked_add(jiff::SignedDuration::from_hours(24)).ok(),
            next_sequence: 1,
            requests: &[],
            open_requests: &NoOpenRequests,
            business_number: None,
        }
    }
}

/// What the engine says: the one message type loket sends (`domain::message`), of which the
/// engine uses text, buttons and lists, already within WhatsApp's limits (≤3 buttons with titles
/// ≤20 characters; a list of ≤10 rows, title ≤24, description ≤72, button ≤20; body ≤1024 for
/// interactive messages, ≤4096 for text).
pub use crate::domain::message::{Button, ListRow, Outgoing};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Effect {
    Send(Outgoing),
    CheckPhoto {
        media: MediaRef,
        document: DocumentKind,
        /// For the pas foto background rule.
        child_birth_year: Option<i32>,
    },
    FileRequest(Box<FiledRequest>),
    Escalate {
        reason: EscalationReason,
    },
    WakeAt(Timestamp),
    /// The draft no longer uses these documents: delete the received files and checked copies.
    ForgetMedia(Vec<MediaRef>),
    /// A received file nothing uses (not asked for, or already sent): delete it. Its checked
    /// copy, if the same picture has one, belongs to whoever uses it and stays.
    DiscardUpload(MediaRef),
    /// The photos sent back for a filed request are all in again: they replace the request's
    /// ones and it goes back to the officers, with a new due date (the file is complete again).
    Resubmit {
        number: String,
        documents: Vec<FiledDocument>,
        due_date: Option<jiff::civil::Date>,
    },
    /// The parent answered the satisfaction survey (a comment comes as a second answer with
    /// the same score).
    SurveyAnswered {
        number: String,
        score: u8,
        comment: Option<String>,
    },
}
