//! `messages.toml`, `commands.toml` and `faq.toml`: the message catalog, the global commands and
//! the FAQ, and the checks every text goes through (placeholders, WhatsApp's lengths).

use super::*;

pub(super) fn check_placeholders(
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

pub(super) fn load_messages(
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
    let photo_fields: BTreeSet<String> = PHOTO_VARS.iter().map(|v| v.to_string()).collect();
    for (key, value) in &raw {
        if !MESSAGE_KEYS.contains(&key.as_str()) {
            problems.at(
                path,
                text,
                value.span(),
                format!("unknown message `{key}` (a typo?)"),
            );
        }
        let fields = if key.starts_with("photo_") {
            &photo_fields
        } else {
            &no_fields
        };
        check_placeholders(path, text, value, fields, problems);
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

/// `documents.toml`: every document's shape, name and short name.
pub(super) fn load_documents(
    path: &Path,
    text: &str,
    problems: &mut Problems,
) -> Option<BTreeMap<DocumentKind, Document>> {
    let raw: BTreeMap<String, Spanned<RawDocument>> = parse(path, text, problems)?;
    let before = problems.list.len();
    let no_fields = BTreeSet::new();
    let mut documents = BTreeMap::new();
    for (id, spanned) in raw {
        let raw = spanned.get_ref();
        if !DocumentKind::is_valid_id(&id) {
            problems.at(
                path,
                text,
                spanned.span(),
                format!("document id `{id}` must be lower case letters, digits and _"),
            );
        }
        let shape = DocumentShape::from_id(raw.shape.get_ref());
        if shape.is_none() {
            let known: Vec<&str> = DocumentShape::ALL.iter().map(|s| s.id()).collect();
            problems.at(
                path,
                text,
                raw.shape.span(),
                format!(
                    "unknown shape `{}` (known: {})",
                    raw.shape.get_ref(),
                    known.join(", ")
                ),
            );
        }
        check_placeholders(path, text, &raw.name, &no_fields, problems);
        check_placeholders(path, text, &raw.short, &no_fields, problems);
        check_length(
            path,
            text,
            &raw.short,
            DOCUMENT_SHORT_MAX,
            "document short name",
            problems,
        );
        if let Some(shape) = shape {
            let kind = DocumentKind::new(id);
            documents.insert(
                kind.clone(),
                Document {
                    kind,
                    shape,
                    name: raw.name.get_ref().clone(),
                    short: raw.short.get_ref().clone(),
                },
            );
        }
    }
    if documents.is_empty() && problems.list.len() == before {
        problems.whole(path, "no document is declared".into());
    }
    (problems.list.len() == before).then_some(documents)
}

pub(super) fn check_length(
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

pub(super) fn compile(
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

pub(super) fn load_commands(
    path: &Path,
    text: &str,
    problems: &mut Problems,
) -> Option<Vec<CommandPatterns>> {
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
            openers: spanned
                .get_ref()
                .openers
                .iter()
                .map(|w| w.to_lowercase())
                .collect(),
        });
    }
    (problems.list.len() == before).then_some(commands)
}

pub(super) fn load_faq(path: &Path, text: &str, problems: &mut Problems) -> Option<Vec<FaqEntry>> {
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

/// Placeholders a canned reply may use: filled for the escalation it answers.
pub const REPLY_VARS: &[&str] = &["name", "number", "document", "office"];

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReplies {
    replies: Vec<RawReply>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReply {
    id: String,
    title: String,
    text: toml::Spanned<String>,
}

/// `replies.toml`: officers' canned replies, with `{name}`, `{number}`, `{document}` and
/// `{office}` filled for the conversation they answer.
pub(super) fn load_replies(
    path: &Path,
    text: &str,
    problems: &mut Problems,
) -> Option<Vec<CannedReply>> {
    let raw: RawReplies = parse(path, text, problems)?;
    let before = problems.list.len();
    let mut seen = BTreeSet::new();
    let mut replies = Vec::new();
    for reply in raw.replies {
        for name in placeholders(reply.text.get_ref()) {
            if !REPLY_VARS.contains(&name) {
                problems.at(
                    path,
                    text,
                    reply.text.span(),
                    format!(
                        "unknown placeholder `{{{name}}}` (a reply may use {})",
                        REPLY_VARS.join(", ")
                    ),
                );
            }
        }
        if !seen.insert(reply.id.clone()) {
            problems.whole(path, format!("reply id `{}` is used twice", reply.id));
        }
        replies.push(CannedReply {
            id: reply.id,
            title: reply.title,
            text: reply.text.into_inner(),
        });
    }
    (problems.list.len() == before).then_some(replies)
}
