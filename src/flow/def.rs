//! Loading and checking the flow files in `flows/`: office settings, message catalog, commands,
//! FAQ and one file per service. Everything wrong is reported with file, line and reason, all at
//! once, so staff can fix a file in one go (`loket check-flows`).

use crate::domain::calendar::{HolidayCalendar, ServiceHours};
use crate::domain::document::DocumentKind;
use crate::domain::region::{Kelurahan, RegionTable, kelurahan_from_csv};
use crate::domain::rupiah::Rupiah;
use crate::flow::condition::Condition;
use crate::flow::files::FlowFiles;
use crate::flow::text::{LocalText, placeholders};
use jiff::SignedDuration;
use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use regex::Regex;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;

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
    BirthDate { max_age_years: Option<i32> },
    Nik,
    NomorKk,
    Street,
    RtRw,
    Place,
    FreeText,
    Phone,
}

impl Validator {
    const NAMES: [&'static str; 9] = [
        "person_name",
        "birth_date",
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
    pub unique_open_nik: bool,
    pub steps: Vec<Step>,
    pub file: PathBuf,
}

impl Service {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }
}

/// Everything the engine needs, loaded once at start-up and shared read-only.
#[derive(Debug, Clone)]
pub struct FlowSet {
    pub settings: OfficeSettings,
    pub services: Vec<Service>,
    pub messages: BTreeMap<String, LocalText>,
    pub commands: Vec<CommandPatterns>,
    pub faq: Vec<FaqEntry>,
    pub calendar: HolidayCalendar,
    pub regions: RegionTable,
    /// Kecamatan of the office's region: (code, name).
    pub kecamatan: Vec<(String, String)>,
    pub kelurahan: Vec<Kelurahan>,
    /// A content hash of every flow file ([`FlowFiles::version`]): the lane log records which
    /// flows decided a batch, so replay can tell a flow edit from a bug.
    pub version: String,
}

/// Message keys the engine uses; each must be in `flows/messages.toml`.
pub const MESSAGE_KEYS: &[&str] = &[
    "greeting",
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
    "redo",
    "date_future",
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
    "status_next_diterima",
    "status_next_dibatalkan",
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
    "prompt",
    "language",
    "child",
    "status",
];

/// Variables a `when` condition may read besides the flow's answers.
pub const CONDITION_VARS: &[&str] = &["child_age", "birth_year", "pickup_at_kecamatan"];

use crate::flow::well_known;
pub use crate::flow::well_known::REQUIRED_FIELDS;

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
    unique_open_nik: Option<Spanned<bool>>,
    steps: Vec<Spanned<RawStep>>,
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

const RESERVED_FILES: [&str; 4] = [
    "settings.toml",
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

        let mut services = Vec::new();
        for name in files
            .top_level_toml()
            .filter(|n| !RESERVED_FILES.contains(n))
        {
            if let Some((path, text)) = read(files, name, &mut problems)
                && let Some(service) = load_service(&path, &text, &mut problems)
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

        match (settings, messages, commands, faq) {
            (
                Some((settings, calendar, regions, kelurahan)),
                Some(messages),
                Some(commands),
                Some(faq),
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
                    messages,
                    commands,
                    faq,
                    calendar,
                    regions,
                    kecamatan,
                    kelurahan,
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

    /// A catalog message; the loader guarantees every key in [`MESSAGE_KEYS`] exists.
    pub fn message(&self, key: &str) -> &LocalText {
        static MISSING: LocalText = LocalText {
            id: String::new(),
            en: None,
        };
        self.messages.get(key).unwrap_or(&MISSING)
    }

    /// The local calendar date of `now` at the office: the key of the daily request sequence.
    pub fn local_date(&self, now: jiff::Timestamp) -> jiff::civil::Date {
        now.to_zoned(self.settings.time_zone.clone()).date()
    }
}

/// What `loket check-flows` prints on success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    pub services: Vec<(String, usize)>,
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
            "faq: {} entries, messages: {}",
            self.faq_entries, self.messages
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
        faq_entries: flows.faq.len(),
        messages: flows.messages.len(),
        holiday_years: (2000..=2100)
            .filter(|y| flows.calendar.covers(*y))
            .collect(),
    })
}

// ---------- settings ----------

fn load_settings(
    files: &FlowFiles,
    path: &Path,
    text: &str,
    problems: &mut Problems,
) -> Option<(OfficeSettings, HolidayCalendar, RegionTable, Vec<Kelurahan>)> {
    let raw: RawSettings = parse(path, text, problems)?;
    let before = problems.list.len();
    let time_zone = match TimeZone::get(raw.time_zone.get_ref()) {
        Ok(tz) => Some(tz),
        Err(_) => {
            problems.at(
                path,
                text,
                raw.time_zone.span(),
                format!("unknown time zone `{}`", raw.time_zone.get_ref()),
            );
            None
        }
    };
    let background = match raw.pas_foto_background.get_ref().as_str() {
        "red_odd_blue_even" => BackgroundRule::RED_ODD_BLUE_EVEN,
        "blue_odd_red_even" => BackgroundRule::BLUE_ODD_RED_EVEN,
        other => {
            problems.at(
                path,
                text,
                raw.pas_foto_background.span(),
                format!(
                    "unknown background rule `{other}`: use red_odd_blue_even or blue_odd_red_even"
                ),
            );
            BackgroundRule::RED_ODD_BLUE_EVEN
        }
    };
    if !raw
        .number_region
        .get_ref()
        .chars()
        .all(|c| c.is_ascii_digit())
        || raw.number_region.get_ref().len() != 4
    {
        problems.at(
            path,
            text,
            raw.number_region.span(),
            "number_region must be 4 digits, e.g. 6371".into(),
        );
    }
    let hours_limit = |v: i64| (1..24).contains(&v);
    if !hours_limit(*raw.reminder_after_hours.get_ref()) {
        problems.at(
            path,
            text,
            raw.reminder_after_hours.span(),
            "reminder_after_hours must be 1 to 23 (WhatsApp's window is 24 hours)".into(),
        );
    }
    if !(1..=90).contains(raw.expire_after_days.get_ref()) {
        problems.at(
            path,
            text,
            raw.expire_after_days.span(),
            "expire_after_days must be 1 to 90".into(),
        );
    }
    for (value, name) in [
        (&raw.max_attempts, "max_attempts"),
        (&raw.max_unclear, "max_unclear"),
    ] {
        if *value.get_ref() == 0 {
            problems.at(
                path,
                text,
                value.span(),
                format!("{name} must be at least 1"),
            );
        }
    }
    if !(1..=100).contains(raw.sla_working_days.get_ref()) {
        problems.at(
            path,
            text,
            raw.sla_working_days.span(),
            "sla_working_days must be 1 to 100".into(),
        );
    }
    let mut hours = ServiceHours::closed();
    for (day, value) in &raw.hours {
        let weekday = match day.as_str() {
            "monday" => Weekday::Monday,
            "tuesday" => Weekday::Tuesday,
            "wednesday" => Weekday::Wednesday,
            "thursday" => Weekday::Thursday,
            "friday" => Weekday::Friday,
            "saturday" => Weekday::Saturday,
            "sunday" => Weekday::Sunday,
            other => {
                problems.at(
                    path,
                    text,
                    value.span(),
                    format!("unknown day `{other}` (monday … sunday)"),
                );
                continue;
            }
        };
        match parse_hours(value.get_ref()) {
            Some((open, close)) => hours = hours.with_day(weekday, open, close),
            None => problems.at(
                path,
                text,
                value.span(),
                format!(
                    "`{}` is not opening hours like \"08:00-15:00\"",
                    value.get_ref()
                ),
            ),
        }
    }
    let data = |file: &Spanned<String>, problems: &mut Problems| -> Option<(PathBuf, String)> {
        match files.get(file.get_ref()) {
            Some(t) => Some((files.path(file.get_ref()), t.to_string())),
            None => {
                problems.at(
                    path,
                    text,
                    file.span(),
                    format!(
                        "cannot read `{}`: no such file in the flow folder",
                        file.get_ref()
                    ),
                );
                None
            }
        }
    };
    let calendar =
        data(&raw.data.holidays, problems).and_then(|(p, t)| match HolidayCalendar::from_csv(&t) {
            Ok(c) => Some(c),
            Err(e) => {
                let line = match &e {
                    crate::domain::calendar::CalendarError::Csv { line, .. } => Some(*line),
                    _ => None,
                };
                problems.list.push(FlowProblem {
                    file: p,
                    line,
                    reason: e.to_string(),
                });
                None
            }
        });
    let regions = parse_table(
        data(&raw.data.regions, problems),
        RegionTable::from_csv,
        problems,
    );
    let kelurahan = parse_table(
        data(&raw.data.kelurahan, problems),
        kelurahan_from_csv,
        problems,
    );
    if problems.list.len() > before {
        return None;
    }
    let settings = OfficeSettings {
        office_name: raw.office_name,
        number_region: raw.number_region.into_inner(),
        region: raw.region.into_inner(),
        time_zone: time_zone?,
        time_zone_label: raw.time_zone_label,
        hours,
        sla_working_days: raw.sla_working_days.into_inner(),
        cod_fee: Rupiah(raw.cod_fee),
        pickup_at_kecamatan: raw.pickup_at_kecamatan,
        pas_foto_background: background,
        pas_foto_size: raw.pas_foto_size,
        reminder_after: SignedDuration::from_hours(raw.reminder_after_hours.into_inner()),
        expire_after: SignedDuration::from_hours(raw.expire_after_days.into_inner() * 24),
        max_attempts: raw.max_attempts.into_inner(),
        max_unclear: raw.max_unclear.into_inner(),
    };
    Some((settings, calendar?, regions?, kelurahan?))
}

fn parse_hours(value: &str) -> Option<(Time, Time)> {
    let (open, close) = value.split_once('-')?;
    let time = |t: &str| -> Option<Time> {
        let (h, m) = t.trim().split_once(':')?;
        Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
    };
    let (open, close) = (time(open)?, time(close)?);
    (open < close).then_some((open, close))
}

// ---------- messages, commands, faq ----------

fn check_placeholders(
    path: &Path,
    text: &str,
    value: &Spanned<LocalText>,
    extra: &BTreeSet<String>,
    problems: &mut Problems,
) {
    for variant in value.get_ref().variants() {
        for name in placeholders(variant) {
            if !TEMPLATE_VARS.contains(&name) && !extra.contains(name) {
                problems.at(
                    path,
                    text,
                    value.span(),
                    format!("unknown placeholder `{{{name}}}`"),
                );
            }
        }
    }
}

fn load_messages(
    path: &Path,
    text: &str,
    problems: &mut Problems,
) -> Option<BTreeMap<String, LocalText>> {
    let raw: BTreeMap<String, Spanned<LocalText>> = parse(path, text, problems)?;
    let before = problems.list.len();
    for key in MESSAGE_KEYS {
        if !raw.contains_key(*key) {
            problems.whole(path, format!("message `{key}` is missing"));
        }
    }
    let no_fields = BTreeSet::new();
    for (key, value) in &raw {
        if !MESSAGE_KEYS.contains(&key.as_str()) {
            problems.at(
                path,
                text,
                value.span(),
                format!("unknown message `{key}` (a typo?)"),
            );
        }
        check_placeholders(path, text, value, &no_fields, problems);
    }
    for key in [
        "consent_yes",
        "consent_no",
        "cancel_yes",
        "cancel_no",
        "summary_send",
        "summary_edit",
        "summary_cancel",
        "menu_button",
        "list_button",
        "list_more",
    ] {
        if let Some(value) = raw.get(key) {
            check_length(
                path,
                text,
                value,
                BUTTON_TITLE_MAX,
                "button title",
                problems,
            );
        }
    }
    for key in [
        "menu_continue",
        "menu_faq",
        "menu_status",
        "menu_syarat",
        "menu_petugas",
    ] {
        if let Some(value) = raw.get(key) {
            check_length(path, text, value, ROW_TITLE_MAX, "list row title", problems);
        }
    }
    (problems.list.len() == before)
        .then(|| raw.into_iter().map(|(k, v)| (k, v.into_inner())).collect())
}

fn check_length(
    path: &Path,
    text: &str,
    value: &Spanned<LocalText>,
    max: usize,
    what: &str,
    problems: &mut Problems,
) {
    for variant in value.get_ref().variants() {
        let length = variant.chars().count();
        if length > max {
            problems.at(
                path,
                text,
                value.span(),
                format!("{what} `{variant}` has {length} characters; WhatsApp allows {max}"),
            );
        }
    }
}

fn compile(
    path: &Path,
    text: &str,
    pattern: &Spanned<String>,
    problems: &mut Problems,
) -> Option<Regex> {
    match Regex::new(&format!("(?i){}", pattern.get_ref())) {
        Ok(re) => Some(re),
        Err(e) => {
            let reason = e
                .to_string()
                .lines()
                .last()
                .unwrap_or("invalid")
                .trim()
                .to_string();
            problems.at(
                path,
                text,
                pattern.span(),
                format!("invalid pattern `{}`: {reason}", pattern.get_ref()),
            );
            None
        }
    }
}

fn load_commands(path: &Path, text: &str, problems: &mut Problems) -> Option<Vec<CommandPatterns>> {
    let raw: BTreeMap<String, Spanned<RawCommand>> = parse(path, text, problems)?;
    let before = problems.list.len();
    let mut commands = Vec::new();
    for command in Command::ALL {
        if !raw.contains_key(command.id()) {
            problems.whole(path, format!("command `{}` is missing", command.id()));
        }
    }
    for (name, spanned) in &raw {
        let Some(command) = Command::ALL.into_iter().find(|c| c.id() == name) else {
            problems.at(
                path,
                text,
                spanned.span(),
                format!("unknown command `{name}`"),
            );
            continue;
        };
        let patterns = spanned
            .get_ref()
            .patterns
            .iter()
            .filter_map(|p| compile(path, text, p, problems))
            .collect();
        commands.push(CommandPatterns {
            command,
            patterns,
            words: spanned
                .get_ref()
                .words
                .iter()
                .map(|w| w.to_lowercase())
                .collect(),
        });
    }
    (problems.list.len() == before).then_some(commands)
}

fn load_faq(path: &Path, text: &str, problems: &mut Problems) -> Option<Vec<FaqEntry>> {
    let raw: RawFaqFile = parse(path, text, problems)?;
    let before = problems.list.len();
    let no_fields = BTreeSet::new();
    let mut entries = Vec::new();
    for entry in raw.faq {
        let entry = entry.into_inner();
        check_length(
            path,
            text,
            &entry.title,
            ROW_TITLE_MAX,
            "FAQ title",
            problems,
        );
        check_placeholders(path, text, &entry.answer, &no_fields, problems);
        let patterns = entry
            .patterns
            .iter()
            .filter_map(|p| compile(path, text, p, problems))
            .collect();
        entries.push(FaqEntry {
            id: entry.id,
            title: entry.title.into_inner(),
            patterns,
            answer: entry.answer.into_inner(),
        });
    }
    if entries.len() > 9 {
        problems.whole(
            path,
            format!(
                "{} FAQ entries; at most 9 fit in one WhatsApp list",
                entries.len()
            ),
        );
    }
    (problems.list.len() == before).then_some(entries)
}

// ---------- services ----------

fn load_service(path: &Path, text: &str, problems: &mut Problems) -> Option<Service> {
    let raw: RawService = parse(path, text, problems)?;
    let before = problems.list.len();
    let at = |problems: &mut Problems, span: std::ops::Range<usize>, reason: String| {
        problems.at(path, text, span, reason)
    };

    let prefix = raw.prefix.get_ref();
    if !(2..=5).contains(&prefix.len()) || !prefix.chars().all(|c| c.is_ascii_uppercase()) {
        at(
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

    // Step ids first: conditions, placeholders and `clears` may name any of them.
    let mut step_ids = BTreeSet::new();
    for step in &raw.steps {
        let id = step.get_ref().id.get_ref();
        let valid = id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            at(
                problems,
                step.get_ref().id.span(),
                format!("step id `{id}` must be lower case letters, digits and _"),
            );
        }
        if !step_ids.insert(id.clone()) {
            at(
                problems,
                step.get_ref().id.span(),
                format!("step id `{id}` is used twice"),
            );
        }
    }
    let mut fields = step_ids.clone();
    for var in CONDITION_VARS {
        fields.insert(var.to_string());
    }
    let check_condition = |problems: &mut Problems,
                           when: &Option<Spanned<String>>|
     -> Option<Condition> {
        let when = when.as_ref()?;
        match Condition::parse(when.get_ref()) {
            Ok(condition) => {
                for name in condition.names() {
                    if !fields.contains(name) {
                        problems.at(
                            path,
                            text,
                            when.span(),
                            format!("condition `{}` reads unknown name `{name}`", when.get_ref()),
                        );
                    }
                }
                Some(condition)
            }
            Err(e) => {
                problems.at(path, text, when.span(), e.to_string());
                None
            }
        }
    };

    let mut steps = Vec::new();
    let mut documents = BTreeSet::new();
    let count = raw.steps.len();
    for (index, spanned) in raw.steps.iter().enumerate() {
        let step = spanned.get_ref();
        let id = step.id.get_ref().clone();
        check_placeholders(path, text, &step.prompt, &step_ids, problems);
        let when = check_condition(problems, &step.when);
        let kind_name = step.kind.get_ref().as_str();
        let kind = match kind_name {
            "consent" => {
                if index != 0 {
                    at(
                        problems,
                        step.kind.span(),
                        "the consent step must come first: no data before agreement".into(),
                    );
                }
                Some(StepKind::Consent)
            }
            "summary" => {
                if index + 1 != count {
                    at(
                        problems,
                        step.kind.span(),
                        "the summary step must be the last step".into(),
                    );
                }
                Some(StepKind::Summary)
            }
            "text" => match &step.validator {
                None => {
                    at(
                        problems,
                        step.kind.span(),
                        format!("step `{id}` of kind text needs a validator"),
                    );
                    None
                }
                Some(v) => {
                    let validator = match v.get_ref().as_str() {
                        "person_name" => Some(Validator::PersonName),
                        "birth_date" => Some(Validator::BirthDate {
                            max_age_years: step.max_age_years,
                        }),
                        "nik" => Some(Validator::Nik),
                        "nomor_kk" => Some(Validator::NomorKk),
                        "street" => Some(Validator::Street),
                        "rt_rw" => Some(Validator::RtRw),
                        "place" => Some(Validator::Place),
                        "free_text" => Some(Validator::FreeText),
                        "phone" => Some(Validator::Phone),
                        other => {
                            at(
                                problems,
                                v.span(),
                                format!(
                                    "unknown validator `{other}` (known: {})",
                                    Validator::NAMES.join(", ")
                                ),
                            );
                            None
                        }
                    };
                    validator.map(StepKind::Text)
                }
            },
            "choice" => {
                if step.options.is_empty() {
                    at(
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
                        at(
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
                        if !step_ids.contains(cleared.get_ref()) {
                            at(
                                problems,
                                cleared.span(),
                                format!("`clears` names unknown step `{}`", cleared.get_ref()),
                            );
                        }
                    }
                    if let Some(note) = &o.note {
                        check_placeholders(path, text, note, &step_ids, problems);
                    }
                    options.push(ChoiceOption {
                        id: o.id.get_ref().clone(),
                        title: o.title.get_ref().clone(),
                        description: o.description.as_ref().map(|d| d.get_ref().clone()),
                        aliases: o.aliases.iter().map(|a| a.to_lowercase()).collect(),
                        when: check_condition(problems, &o.when),
                        clears: o.clears.iter().map(|c| c.get_ref().clone()).collect(),
                        note: o.note.as_ref().map(|n| n.get_ref().clone()),
                    });
                }
                let allowed: Option<&[&str]> = match id.as_str() {
                    well_known::CHILD_SEX => Some(well_known::SEX_CHOICES),
                    well_known::DELIVERY => Some(well_known::DELIVERY_CHOICES),
                    _ => None,
                };
                if let Some(allowed) = allowed {
                    for option in &step.options {
                        let oid = option.get_ref().id.get_ref();
                        if !allowed.contains(&oid.as_str()) && option.get_ref().clears.is_empty() {
                            at(
                                problems,
                                option.get_ref().id.span(),
                                format!("option `{oid}` of `{id}` must be one of {allowed:?}"),
                            );
                        }
                    }
                }
                Some(StepKind::Choice(options))
            }
            "kecamatan" => Some(StepKind::Kecamatan),
            "kelurahan" => Some(StepKind::Kelurahan),
            "photo" => match &step.document {
                None => {
                    at(
                        problems,
                        step.kind.span(),
                        format!("photo step `{id}` needs a document"),
                    );
                    None
                }
                Some(d) => match DocumentKind::from_id(d.get_ref()) {
                    Some(document) => {
                        if !documents.insert(document) {
                            at(
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
                    None => {
                        let known: Vec<&str> = DocumentKind::ALL.iter().map(|k| k.id()).collect();
                        at(
                            problems,
                            d.span(),
                            format!(
                                "unknown document kind `{}` (known: {})",
                                d.get_ref(),
                                known.join(", ")
                            ),
                        );
                        None
                    }
                },
            },
            other => {
                at(
                    problems,
                    step.kind.span(),
                    format!(
                        "unknown step kind `{other}` (consent, text, choice, kecamatan, kelurahan, photo, summary)"
                    ),
                );
                None
            }
        };
        let label = match &step.label {
            Some(label) => label.get_ref().clone(),
            None => LocalText::new(&id),
        };
        if let Some(kind) = kind {
            steps.push(Step {
                id,
                kind,
                prompt: step.prompt.get_ref().clone(),
                label,
                when,
            });
        }
    }
    if !matches!(steps.first().map(|s| &s.kind), Some(StepKind::Consent)) {
        problems.whole(path, "the first step must be of kind consent".into());
    }
    if !matches!(steps.last().map(|s| &s.kind), Some(StepKind::Summary)) {
        problems.whole(path, "the last step must be of kind summary".into());
    }
    for field in REQUIRED_FIELDS {
        if !step_ids.contains(*field) {
            problems.whole(path, format!("step `{field}` is required for filing"));
        }
    }
    let has_kelurahan = steps.iter().any(|s| matches!(s.kind, StepKind::Kelurahan));
    let has_kecamatan = steps
        .iter()
        .any(|s| matches!(s.kind, StepKind::Kecamatan) && s.id == well_known::KECAMATAN);
    if has_kelurahan && !has_kecamatan {
        problems.whole(
            path,
            "a kelurahan step needs a step `kecamatan` of kind kecamatan before it".into(),
        );
    }
    if let Some(unique) = &raw.unique_open_nik
        && *unique.get_ref()
        && !steps.iter().any(|s| {
            s.id == well_known::CHILD_NIK && matches!(s.kind, StepKind::Text(Validator::Nik))
        })
    {
        at(
            problems,
            unique.span(),
            "unique_open_nik needs a step `child_nik` with validator nik".into(),
        );
    }
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
        unique_open_nik: raw.unique_open_nik.is_some_and(|u| *u.get_ref()),
        steps,
        file: path.to_path_buf(),
    })
}
