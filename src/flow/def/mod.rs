//! Loading and checking the flow files in `flows/`: office settings, message catalog, commands,
//! FAQ and one file per service. Everything wrong is reported with file, line and reason, all at
//! once, so staff can fix a file in one go (`loket check-flows`).

use crate::domain::calendar::{HolidayCalendar, ServiceHours};
use crate::domain::document::{DocumentKind, DocumentShape};
use crate::domain::photo::Finding;
use crate::domain::region::{Kelurahan, RegionTable, kelurahan_from_csv};
use crate::domain::rupiah::Rupiah;
use crate::flow::condition::Condition;
use crate::flow::files::FlowFiles;
use crate::flow::text::{Lang, LocalText, fill, placeholders};
use jiff::SignedDuration;
use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use regex::Regex;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;

mod catalog;
mod numbers;
mod service;
mod settings;

use catalog::{
    check_length, check_placeholders, load_commands, load_documents, load_faq, load_messages,
};
use numbers::load_numbers;
use service::load_service;
use settings::load_settings;

/// WhatsApp limits (Cloud API) the loader checks titles against (defined once, in `domain`).
pub use crate::domain::message::{
    MAX_BUTTON_TITLE as BUTTON_TITLE_MAX, MAX_ROW_DESCRIPTION as ROW_DESCRIPTION_MAX,
    MAX_ROW_TITLE as ROW_TITLE_MAX,
};

/// One thing wrong in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowProblem {
    pub file: PathBuf,
    /// 1-based; `None` when the problem is the file as a whole (missing, or a key missing).
    pub line: Option<usize>,
    pub reason: String,
}

impl fmt::Display for FlowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file.display(), line, self.reason),
            None => write!(f, "{}: {}", self.file.display(), self.reason),
        }
    }
}

/// The flow files were refused. Lists every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FlowError {
    pub problems: Vec<FlowProblem>,
}

impl fmt::Display for FlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

pub use crate::domain::photo::{BackgroundRule, Colour};

/// Per-office settings (`flows/settings.toml`).
#[derive(Debug, Clone)]
pub struct OfficeSettings {
    pub office_name: LocalText,
    /// Region code in request numbers, e.g. `6371`.
    pub number_region: String,
    /// Kemendagri code of the office's city/regency, e.g. `63.71`.
    pub region: String,
    pub time_zone: TimeZone,
    pub time_zone_label: String,
    pub hours: ServiceHours,
    pub sla_working_days: u32,
    pub cod_fee: Rupiah,
    pub pickup_at_kecamatan: bool,
    pub pas_foto_background: BackgroundRule,
    pub pas_foto_size: String,
    pub reminder_after: SignedDuration,
    pub expire_after: SignedDuration,
    pub max_attempts: u8,
    pub max_unclear: u8,
    /// The approved WhatsApp template that tells a parent of a status change when the 24-hour
    /// window has closed: `{{1}}` the request number, `{{2}}` the status, `{{3}}` what happens
    /// next (or the reason).
    pub status_template: Template,
    /// The approved template an officer answers with once the window has closed: `{{1}}` the
    /// officer's text.
    pub reply_template: Template,
    /// The approved template of a supervisor's notice to parents whose window has closed:
    /// `{{1}}` the notice.
    pub notice_template: Template,
    /// How fast officers answer escalations, and how they are shared out.
    pub escalations: EscalationPolicy,
    /// Failed attempts, holds and wrong codes of deliveries.
    pub delivery: crate::domain::delivery::DeliveryPolicy,
    /// The approved template of the satisfaction survey once the window has closed: `{{1}}`
    /// the request number, and four quick-reply buttons "1" to "4".
    pub survey_template: Template,
}

/// The escalation inbox's service levels (in office time: service hours of working days) and
/// how conversations are shared among officers (`[escalations]` in `settings.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EscalationPolicy {
    /// The parent gets an officer's first answer within this many office minutes.
    pub first_reply_minutes: u32,
    /// The conversation is back with the bot (or closed) within this many office minutes.
    pub resolution_minutes: u32,
    /// The inbox warns once this share of a limit has passed.
    pub warn_percent: u32,
    /// A claimed escalation without an answer for this many minutes goes back to the queue
    /// (0: never).
    pub claim_timeout_minutes: u32,
    /// Give new escalations to the officers signed in, in turn.
    pub auto_assign: bool,
    /// At most this many open escalations per officer by auto-assignment.
    pub max_per_officer: u32,
}

impl Default for EscalationPolicy {
    fn default() -> Self {
        EscalationPolicy {
            first_reply_minutes: 30,
            resolution_minutes: 240,
            warn_percent: 80,
            claim_timeout_minutes: 15,
            auto_assign: false,
            max_per_officer: 5,
        }
    }
}

/// A message template approved in WhatsApp Manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub name: String,
    /// Its language code as approved (`id`, `en_US`).
    pub language: String,
}

/// A global command; patterns live in `flows/commands.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Command {
    Menu,
    Syarat,
    Status,
    Batal,
    Petugas,
    Ulang,
    Bahasa,
}

impl Command {
    pub const ALL: [Command; 7] = [
        Command::Menu,
        Command::Syarat,
        Command::Status,
        Command::Batal,
        Command::Petugas,
        Command::Ulang,
        Command::Bahasa,
    ];
    pub fn id(self) -> &'static str {
        match self {
            Command::Menu => "menu",
            Command::Syarat => "syarat",
            Command::Status => "status",
            Command::Batal => "batal",
            Command::Petugas => "petugas",
            Command::Ulang => "ulang",
            Command::Bahasa => "bahasa",
        }
    }
}

#[derive(Debug, Clone)]
pub struct CommandPatterns {
    pub command: Command,
    pub patterns: Vec<Regex>,
    /// Single words that also match with one typo (`statsu`, `syarta`).
    pub words: Vec<String>,
    /// Words that, opening a message nothing else understood, mean this command
    /// ("Halo kak, selamat siang" opens the menu).
    pub openers: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct FaqEntry {
    pub id: String,
    pub title: LocalText,
    pub patterns: Vec<Regex>,
    pub answer: LocalText,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    PersonName,
    BirthDate {
        max_age_years: Option<i32>,
    },
    /// Any date that has passed (or is today): a date of death, of marriage.
    PastDate,
    /// `max_age_years`: the person must be younger (a KIA: 17).
    Nik {
        max_age_years: Option<i32>,
    },
    NomorKk,
    Street,
    RtRw,
    Place,
    FreeText,
    Phone,
}

impl Validator {
    const NAMES: [&'static str; 10] = [
        "person_name",
        "birth_date",
        "past_date",
        "nik",
        "nomor_kk",
        "street",
        "rt_rw",
        "place",
        "free_text",
        "phone",
    ];
}

#[derive(Debug, Clone)]
pub struct ChoiceOption {
    pub id: String,
    pub title: LocalText,
    pub description: Option<LocalText>,
    pub aliases: Vec<String>,
    pub when: Option<Condition>,
    /// Choosing this option does not answer the step: it clears these answers and shows `note`.
    pub clears: Vec<String>,
    pub note: Option<LocalText>,
}

#[derive(Debug, Clone)]
pub enum StepKind {
    Consent,
    Text(Validator),
    Choice(Vec<ChoiceOption>),
    Kecamatan,
    Kelurahan,
    Photo {
        document: DocumentKind,
        captions: Vec<String>,
    },
    Summary,
}

#[derive(Debug, Clone)]
pub struct Step {
    /// Also the name of the answer it collects.
    pub id: String,
    pub kind: StepKind,
    pub prompt: LocalText,
    /// Short name in summaries and the "what to change" list.
    pub label: LocalText,
    pub when: Option<Condition>,
    /// A NIK step's answer also answers these steps (the birth date and the sex it encodes),
    /// so the parent is not asked three times for one fact.
    pub fills: Vec<String>,
}

/// Whom a request is about (the child for a KIA, the deceased for an akta kematian): the steps
/// whose answers the filed request carries as its subject. Only the name is required.
#[derive(Debug, Clone)]
pub struct SubjectSteps {
    /// How officers' lists name the person: "Anak", "Almarhum/almarhumah".
    pub label: LocalText,
    /// Step ids.
    pub name: String,
    /// A step with validator `birth_date`; also read by conditions (`child_age`) and the pas
    /// foto background rule.
    pub birth_date: Option<String>,
    /// A choice with options `l` and `p`.
    pub sex: Option<String>,
    /// A step with validator `nik`, cross-checked against the birth date and sex.
    pub nik: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub id: String,
    pub prefix: String,
    pub order: i64,
    pub title: LocalText,
    pub description: Option<LocalText>,
    pub aliases: Vec<String>,
    pub requirements: LocalText,
    pub done: LocalText,
    pub subject: SubjectSteps,
    /// One open request per subject NIK (needs `subject.nik`).
    pub unique_open_nik: bool,
    pub steps: Vec<Step>,
    pub file: PathBuf,
}

impl Service {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }
}

/// A reply officers pick instead of typing (`flows/replies.toml`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CannedReply {
    pub id: String,
    pub title: String,
    /// May hold `{name}`, `{number}`, `{document}`, `{office}`.
    pub text: String,
}

/// A document parents photograph (`flows/documents.toml`).
#[derive(Debug, Clone)]
pub struct Document {
    pub kind: DocumentKind,
    /// What a photo of it should show, for the photo checks.
    pub shape: DocumentShape,
    /// How it is named to parents.
    pub name: LocalText,
    /// Its name on a button ("Itu KK").
    pub short: LocalText,
}

/// The longest short name of a document: it goes on a button after "Itu ".
pub const DOCUMENT_SHORT_MAX: usize = 16;

/// One of the office's WhatsApp business numbers (`flows/numbers.toml`): the services it
/// answers, its greeting, and its settings (the office's, with what the number sets itself).
#[derive(Debug, Clone)]
pub struct NumberProfile {
    /// Meta's phone number ID: what webhooks name and replies are sent from.
    pub phone_number_id: String,
    /// The number as parents dial it ("0811-0000-0003").
    pub display: String,
    /// How officers and the simulator name the number ("KIA & akta kelahiran").
    pub label: LocalText,
    /// Service ids, in menu order.
    pub services: Vec<String>,
    /// Replaces the catalog's `greeting` for parents writing to this number.
    pub greeting: Option<LocalText>,
    pub settings: OfficeSettings,
}

/// Everything the engine needs, loaded once at start-up and shared read-only.
#[derive(Debug, Clone)]
pub struct FlowSet {
    pub settings: OfficeSettings,
    pub services: Vec<Service>,
    pub documents: BTreeMap<DocumentKind, Document>,
    /// The office's numbers with their own services (`numbers.toml`); empty: every number
    /// offers every service.
    pub numbers: Vec<NumberProfile>,
    pub messages: BTreeMap<String, LocalText>,
    pub commands: Vec<CommandPatterns>,
    pub faq: Vec<FaqEntry>,
    pub calendar: HolidayCalendar,
    pub regions: RegionTable,
    /// Kecamatan of the office's region: (code, name).
    pub kecamatan: Vec<(String, String)>,
    pub kelurahan: Vec<Kelurahan>,
    /// Officers' canned replies (`replies.toml`, optional).
    pub replies: Vec<CannedReply>,
    /// A content hash of every flow file ([`FlowFiles::version`]): the lane log records which
    /// flows decided a batch, so replay can tell a flow edit from a bug.
    pub version: String,
}

/// Message keys the engine uses; each must be in `flows/messages.toml`.
pub const MESSAGE_KEYS: &[&str] = &[
    "greeting",
    "walk_in_required",
    "walk_in_consent",
    "walk_in_option_unknown",
    "walk_in_photo_missing",
    "walk_in_service_unknown",
    "walk_in_due",
    "service_elsewhere",
    "menu_body",
    "menu_button",
    "menu_continue",
    "menu_faq",
    "menu_status",
    "menu_syarat",
    "menu_petugas",
    "list_button",
    "list_more",
    "choose_below",
    "options_hint",
    "not_understood",
    "invalid_choice",
    "choice_ambiguous",
    "option_unavailable",
    "only_option",
    "nik_filled",
    "kelurahan_in_kecamatan",
    "kelurahan_ambiguous",
    "kelurahan_unknown",
    "draft_exists",
    "consent_declined",
    "consent_yes",
    "consent_no",
    "photo_received",
    "photo_refused",
    "photo_warning",
    "photo_duplicate",
    "photo_not_now",
    "photo_not_needed",
    "photos_done",
    "not_a_photo",
    "media_unavailable",
    "media_too_large",
    "media_refused",
    "late_message",
    "flood_notice",
    "unsupported",
    "cancel_confirm",
    "cancel_yes",
    "cancel_no",
    "cancel_done",
    "cancel_kept",
    "stale_button",
    "nothing_to_cancel",
    "escalated_open",
    "escalated_closed",
    "handed_back",
    "fault",
    "status_none",
    "status_header",
    "status_line",
    "status_draft",
    "status_sent_back",
    "lang_switched",
    "syarat_header",
    "faq_header",
    "reminder",
    "expired",
    "expired_earlier",
    "summary_header",
    "summary_fee_cod",
    "summary_fee_pickup",
    "summary_due",
    "summary_due_unknown",
    "summary_documents",
    "summary_send",
    "summary_edit",
    "summary_cancel",
    "edit_which",
    "filed_due_unknown",
    "nik_open_request",
    "nik_warning",
    "colour_red",
    "colour_blue",
    "colour_other",
    "doubt_looks_like",
    "doubt_same_as",
    "doubt_question",
    "doubt_option",
    "doubt_moved",
    "photos_swapped",
    "parity_odd",
    "parity_even",
    "shape_id_card",
    "shape_a4_landscape",
    "shape_a4_portrait",
    "shape_paper",
    "shape_pas_foto",
    "photo_file_too_large",
    "photo_not_a_photo_pdf",
    "photo_not_a_photo_office",
    "photo_not_a_photo_video",
    "photo_not_a_photo_audio",
    "photo_not_a_photo_unsupported_image",
    "photo_not_a_photo",
    "photo_damaged_file",
    "photo_image_too_large_megapixels",
    "photo_image_too_large",
    "photo_too_small",
    "photo_blurry",
    "photo_too_dark",
    "photo_glare",
    "photo_wrong_background_for_year",
    "photo_wrong_background",
    "photo_background_unchecked",
    "photo_duplicate_photo",
    "photo_unexpected_shape",
    "photo_other_document",
    "photo_not_stored",
    "photo_unreadable",
    "redo",
    "date_future",
    "date_not_yet",
    "age_too_old",
    "name_invalid",
    "street_invalid",
    "rt_rw_invalid",
    "place_invalid",
    "text_invalid",
    "date_unreadable",
    "date_no_such_day",
    "nik_length",
    "nik_digits",
    "nik_day",
    "nik_month",
    "nik_date",
    "nik_birth_date_mismatch",
    "nik_sex_mismatch",
    "nik_too_old",
    "kk_length",
    "kk_digits",
    "kk_date",
    "kk_future",
    "phone_invalid",
    "status_next_diajukan",
    "status_next_diperiksa",
    "status_next_dikembalikan",
    "status_next_disetujui",
    "status_next_dicetak",
    "status_next_dikirim",
    "status_next_siap_diambil",
    "status_next_diterima",
    "status_next_diretur",
    "status_next_dibatalkan",
    "delivery_on_its_way",
    "delivery_collect_at",
    "delivery_code",
    "delivery_new_code",
    "delivery_attempt_failed",
    "delivery_held",
    "delivery_delivered",
    "delivery_returned",
    "status_next_ditolak",
    "status_changed",
    "status_reason",
    "status_collect_at",
    "survey_question",
    "survey_button",
    "survey_low",
    "survey_comment",
    "survey_thanks",
    "survey_skip_words",
    "returned_intro",
    "returned_line",
    "returned_next",
    "resend_done",
    "no_requirements_here",
];

/// `{name}`s the engine can fill in any text, besides the answers of the flow's own steps.
pub const TEMPLATE_VARS: &[&str] = &[
    "office",
    "tz",
    "cod_fee",
    "sla",
    "due_date",
    "number",
    "background",
    "pas_foto_size",
    "child_age",
    "service",
    "document",
    "hours",
    "next_opening",
    "reason",
    "list",
    "count",
    "step",
    "days",
    "kecamatan_name",
    "kelurahan_name",
    "postal_code",
    "choices",
    "option",
    "label",
    "birth_date",
    "sex",
    "found",
    "earlier",
    "prompt",
    "language",
    "name",
    "status",
    "code",
    "place",
    "until",
    "attempt",
    "before_hold",
    "fee",
    "size",
    "limit",
];

/// Placeholders the photo texts (`photo_<code>`) may use, filled from a finding's parameters.
pub const PHOTO_VARS: &[&str] = &[
    "document",
    "looks_like",
    "earlier",
    "expected",
    "found",
    "parity",
    "shape",
    "max_mb",
    "megapixels",
    "width",
    "height",
    "min_long",
    "min_short",
    "year",
    "reason",
];

/// Variables a `when` condition may read besides the flow's answers.
pub const CONDITION_VARS: &[&str] = &["child_age", "birth_year", "pickup_at_kecamatan"];

use crate::flow::well_known;

struct Problems {
    list: Vec<FlowProblem>,
}

impl Problems {
    fn at(&mut self, file: &Path, text: &str, span: std::ops::Range<usize>, reason: String) {
        self.list.push(FlowProblem {
            file: file.to_path_buf(),
            line: Some(line_of(text, span.start)),
            reason,
        });
    }
    fn whole(&mut self, file: &Path, reason: String) {
        self.list.push(FlowProblem {
            file: file.to_path_buf(),
            line: None,
            reason,
        });
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

/// Parses a reference table; one that does not parse is a problem of its file, at the line the
/// error names.
fn parse_table<T>(
    found: Option<(PathBuf, String)>,
    parse: impl Fn(&str) -> Result<T, crate::domain::region::RegionError>,
    problems: &mut Problems,
) -> Option<T> {
    let (file, text) = found?;
    match parse(&text) {
        Ok(table) => Some(table),
        Err(e) => {
            problems.list.push(FlowProblem {
                file,
                line: Some(e.line()),
                reason: e.to_string(),
            });
            None
        }
    }
}

fn read(files: &FlowFiles, name: &str, problems: &mut Problems) -> Option<(PathBuf, String)> {
    let path = files.path(name);
    match files.get(name) {
        Some(text) => Some((path, text.to_string())),
        None => {
            problems.whole(
                &path,
                format!(
                    "missing: every flow folder needs {name} (`loket flows export DIR` writes the \
                     built-in flows to start from)"
                ),
            );
            None
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
    problems: &mut Problems,
) -> Option<T> {
    match toml::from_str::<T>(text) {
        Ok(value) => Some(value),
        Err(e) => {
            let reason = e.message().trim().to_string();
            match e.span() {
                Some(span) => problems.at(path, text, span, reason),
                None => problems.whole(path, reason),
            }
            None
        }
    }
}

// ---------- raw file shapes ----------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    office_name: LocalText,
    number_region: Spanned<String>,
    region: Spanned<String>,
    time_zone: Spanned<String>,
    time_zone_label: String,
    sla_working_days: Spanned<u32>,
    cod_fee: u64,
    pickup_at_kecamatan: bool,
    pas_foto_background: Spanned<String>,
    pas_foto_size: String,
    reminder_after_hours: Spanned<i64>,
    expire_after_days: Spanned<i64>,
    max_attempts: Spanned<u8>,
    max_unclear: Spanned<u8>,
    hours: BTreeMap<String, Spanned<String>>,
    data: RawData,
    templates: Option<RawTemplates>,
    escalations: Option<EscalationPolicy>,
    delivery: Option<crate::domain::delivery::DeliveryPolicy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplates {
    status_update: Option<RawTemplate>,
    officer_reply: Option<RawTemplate>,
    notice: Option<RawTemplate>,
    survey: Option<RawTemplate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    name: String,
    language: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawData {
    holidays: Spanned<String>,
    regions: Spanned<String>,
    kelurahan: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommand {
    patterns: Vec<Spanned<String>>,
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    openers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFaqFile {
    faq: Vec<Spanned<RawFaq>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFaq {
    id: String,
    title: Spanned<LocalText>,
    patterns: Vec<Spanned<String>>,
    answer: Spanned<LocalText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    shape: Spanned<String>,
    name: Spanned<LocalText>,
    short: Spanned<LocalText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    id: Spanned<String>,
    prefix: Spanned<String>,
    #[serde(default)]
    order: i64,
    title: Spanned<LocalText>,
    description: Option<Spanned<LocalText>>,
    #[serde(default)]
    aliases: Vec<String>,
    requirements: Spanned<LocalText>,
    done: Spanned<LocalText>,
    subject: Spanned<RawSubject>,
    unique_open_nik: Option<Spanned<bool>>,
    steps: Vec<Spanned<RawStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubject {
    label: LocalText,
    name: Spanned<String>,
    birth_date: Option<Spanned<String>>,
    sex: Option<Spanned<String>>,
    nik: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: Spanned<String>,
    kind: Spanned<String>,
    prompt: Spanned<LocalText>,
    label: Option<Spanned<LocalText>>,
    validator: Option<Spanned<String>>,
    max_age_years: Option<i32>,
    when: Option<Spanned<String>>,
    #[serde(default)]
    options: Vec<Spanned<RawOption>>,
    document: Option<Spanned<String>>,
    #[serde(default)]
    captions: Vec<String>,
    fills: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    id: Spanned<String>,
    title: Spanned<LocalText>,
    description: Option<Spanned<LocalText>>,
    #[serde(default)]
    aliases: Vec<String>,
    when: Option<Spanned<String>>,
    #[serde(default)]
    clears: Vec<Spanned<String>>,
    note: Option<Spanned<LocalText>>,
}

const RESERVED_FILES: [&str; 7] = [
    "replies.toml",
    "settings.toml",
    "documents.toml",
    "numbers.toml",
    "messages.toml",
    "commands.toml",
    "faq.toml",
];

impl FlowSet {
    /// Loads a whole flow folder (see the module docs of `flow` for the layout) from its files'
    /// text. No IO: [`crate::bundle`] reads the built-in set or the office's own folder.
    pub fn load(files: &FlowFiles) -> Result<FlowSet, FlowError> {
        let dir = files.origin();
        let mut problems = Problems { list: Vec::new() };
        let settings = read(files, "settings.toml", &mut problems)
            .and_then(|(path, text)| load_settings(files, &path, &text, &mut problems));
        let messages = read(files, "messages.toml", &mut problems)
            .and_then(|(path, text)| load_messages(&path, &text, &mut problems));
        let commands = read(files, "commands.toml", &mut problems)
            .and_then(|(path, text)| load_commands(&path, &text, &mut problems));
        let faq = read(files, "faq.toml", &mut problems)
            .and_then(|(path, text)| load_faq(&path, &text, &mut problems));
        let documents = read(files, "documents.toml", &mut problems)
            .and_then(|(path, text)| load_documents(&path, &text, &mut problems));

        let mut services = Vec::new();
        for name in files
            .top_level_toml()
            .filter(|n| !RESERVED_FILES.contains(n))
        {
            if let Some((path, text)) = read(files, name, &mut problems)
                && let Some(service) = load_service(&path, &text, documents.as_ref(), &mut problems)
            {
                services.push(service);
            }
        }
        if services.is_empty() && problems.list.is_empty() {
            problems.whole(dir, "no service file (e.g. kia.toml) found".into());
        }
        let mut seen_ids = BTreeSet::new();
        let mut seen_prefixes = BTreeSet::new();
        for service in &services {
            if !seen_ids.insert(service.id.clone()) {
                problems.whole(
                    &service.file,
                    format!("service id `{}` is used twice", service.id),
                );
            }
            if !seen_prefixes.insert(service.prefix.clone()) {
                problems.whole(
                    &service.file,
                    format!("number prefix `{}` is used twice", service.prefix),
                );
            }
        }
        services.sort_by(|a, b| a.order.cmp(&b.order).then(a.id.cmp(&b.id)));
        // Optional: officers' canned replies.
        let replies = match files.get("replies.toml") {
            Some(text) => catalog::load_replies(&files.path("replies.toml"), text, &mut problems),
            None => Some(Vec::new()),
        };
        // Optional: without it every number offers every service.
        let numbers = match (files.get("numbers.toml"), &settings) {
            (Some(text), Some((base, ..))) => load_numbers(
                &files.path("numbers.toml"),
                text,
                base,
                &services,
                &mut problems,
            ),
            _ => Some(Vec::new()),
        };

        match (
            settings, messages, commands, faq, documents, numbers, replies,
        ) {
            (
                Some((settings, calendar, regions, kelurahan)),
                Some(messages),
                Some(commands),
                Some(faq),
                Some(documents),
                Some(numbers),
                Some(replies),
            ) if problems.list.is_empty() => {
                let kecamatan = regions.kecamatan_of(&settings.region);
                if kecamatan.is_empty() {
                    return Err(FlowError {
                        problems: vec![FlowProblem {
                            file: files.path("settings.toml"),
                            line: None,
                            reason: format!(
                                "region `{}` has no kecamatan in the region table",
                                settings.region
                            ),
                        }],
                    });
                }
                Ok(FlowSet {
                    settings,
                    services,
                    documents,
                    numbers,
                    messages,
                    commands,
                    faq,
                    calendar,
                    regions,
                    kecamatan,
                    kelurahan,
                    replies,
                    version: files.version(),
                })
            }
            _ => Err(FlowError {
                problems: problems.list,
            }),
        }
    }

    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    /// The profile of the business number a parent wrote to; `None` for a number
    /// `numbers.toml` does not list (it offers every service, with the office's settings).
    pub fn number(&self, phone_number_id: Option<&str>) -> Option<&NumberProfile> {
        let id = phone_number_id?;
        self.numbers.iter().find(|n| n.phone_number_id == id)
    }

    /// A catalog message; the loader guarantees every key in [`MESSAGE_KEYS`] exists.
    pub fn message(&self, key: &str) -> &LocalText {
        static MISSING: LocalText = LocalText {
            id: String::new(),
            en: None,
        };
        self.messages.get(key).unwrap_or(&MISSING)
    }

    /// How a document is named to parents. A document no longer declared (a conversation
    /// older than a flow edit) is called just "dokumen".
    pub fn document_label(&self, kind: &DocumentKind, lang: Lang) -> &str {
        self.documents
            .get(kind)
            .map_or(unknown_document(lang), |d| d.name.get(lang))
    }

    /// The document's short name, for a button: "akta", "KK", "KTP ayah".
    pub fn document_short(&self, kind: &DocumentKind, lang: Lang) -> &str {
        self.documents
            .get(kind)
            .map_or(unknown_document(lang), |d| d.short.get(lang))
    }

    /// What a photo of the document should show. A document no longer declared is judged as
    /// any sheet of paper, the most lenient shape.
    pub fn document_shape(&self, kind: &DocumentKind) -> DocumentShape {
        self.documents
            .get(kind)
            .map_or(DocumentShape::Paper, |d| d.shape)
    }

    /// What a photo check found, as the parent reads it: the catalog's `photo_<code>_<variant>`
    /// (or `photo_<code>`), with documents, colours, parities and shapes named in `lang`.
    pub fn finding_text(&self, finding: &Finding, lang: Lang) -> String {
        let key = format!("photo_{}", finding.code);
        let template = finding
            .params
            .get("variant")
            .and_then(|v| self.messages.get(&format!("{key}_{v}")))
            .or_else(|| self.messages.get(&key))
            .unwrap_or_else(|| self.message("photo_unreadable"));
        let named = |prefix: &str, value: &str| {
            let key = format!("{prefix}_{value}");
            self.messages.get(&key).map(|t| t.get(lang).to_string())
        };
        fill(template.get(lang), &|name| {
            let Some(value) = finding.params.get(name) else {
                // A finding kept from before its parameters were recorded.
                return matches!(name, "document" | "earlier")
                    .then(|| unknown_document(lang).to_string());
            };
            match name {
                "document" | "earlier" => {
                    let kind = DocumentKind::new(value.as_str());
                    Some(self.document_label(&kind, lang).to_string())
                }
                "expected" | "found" => named("colour", value),
                "parity" => named("parity", value),
                "shape" | "looks_like" => named("shape", value),
                _ => Some(value.clone()),
            }
        })
    }

    /// The local calendar date of `now` at the office: the key of the daily request sequence.
    pub fn local_date(&self, now: jiff::Timestamp) -> jiff::civil::Date {
        now.to_zoned(self.settings.time_zone.clone()).date()
    }
}

fn unknown_document(lang: Lang) -> &'static str {
    match lang {
        Lang::Id => "dokumen",
        Lang::En => "document",
    }
}

/// What `loket check-flows` prints on success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    pub services: Vec<(String, usize)>,
    pub documents: usize,
    pub faq_entries: usize,
    pub messages: usize,
    pub holiday_years: Vec<i16>,
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (id, steps) in &self.services {
            writeln!(f, "service {id}: {steps} steps")?;
        }
        writeln!(
            f,
            "documents: {}, faq: {} entries, messages: {}",
            self.documents, self.faq_entries, self.messages
        )?;
        write!(f, "holiday data for: {:?}", self.holiday_years)
    }
}

/// The `loket check-flows [DIR]` entry: load everything and summarise, or list every problem.
pub fn check(files: &FlowFiles) -> Result<CheckReport, FlowError> {
    let flows = FlowSet::load(files)?;
    Ok(CheckReport {
        services: flows
            .services
            .iter()
            .map(|s| (s.id.clone(), s.steps.len()))
            .collect(),
        documents: flows.documents.len(),
        faq_entries: flows.faq.len(),
        messages: flows.messages.len(),
        holiday_years: (2000..=2100)
            .filter(|y| flows.calendar.covers(*y))
            .collect(),
    })
}
