//! A message loket sends to a parent, independent of the wire format, and WhatsApp's limits on
//! it. Content is fitted to the documented limits (3 buttons of 20 characters, 10 list rows,
//! 4096 characters of text) before it leaves: Meta would reject it otherwise, and a rejected
//! reply is a parent left without an answer.

use serde::{Deserialize, Serialize};

pub const MAX_TEXT: usize = 4096;
pub const MAX_INTERACTIVE_BODY: usize = 1024;
pub const MAX_BUTTONS: usize = 3;
pub const MAX_BUTTON_TITLE: usize = 20;
pub const MAX_LIST_ROWS: usize = 10;
pub const MAX_ROW_TITLE: usize = 24;
pub const MAX_ROW_DESCRIPTION: usize = 72;
pub const MAX_LIST_BUTTON: usize = 20;
pub const MAX_HEADER_FOOTER: usize = 60;
pub const MAX_ID: usize = 200;
pub const MAX_CAPTION: usize = 1024;

/// One reply button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "ButtonRecord")]
pub struct Button {
    pub id: String,
    pub title: String,
}

/// One row of a list message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "ListRowRecord")]
pub struct ListRow {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
}

/// How a button is stored; outbox items queued before buttons were records hold `[id, title]`.
#[derive(Deserialize)]
#[serde(untagged)]
enum ButtonRecord {
    Fields { id: String, title: String },
    Pair(String, String),
}

impl From<ButtonRecord> for Button {
    fn from(record: ButtonRecord) -> Button {
        match record {
            ButtonRecord::Fields { id, title } | ButtonRecord::Pair(id, title) => {
                Button { id, title }
            }
        }
    }
}

/// How a list row is stored (older outbox items: `[id, title, description]`).
#[derive(Deserialize)]
#[serde(untagged)]
enum ListRowRecord {
    Fields {
        id: String,
        title: String,
        #[serde(default)]
        description: Option<String>,
    },
    Triple(String, String, Option<String>),
}

impl From<ListRowRecord> for ListRow {
    fn from(record: ListRowRecord) -> ListRow {
        match record {
            ListRowRecord::Fields {
                id,
                title,
                description,
            }
            | ListRowRecord::Triple(id, title, description) => ListRow {
                id,
                title,
                description,
            },
        }
    }
}

/// A message loket sends, independent of the wire format. The conversation engine says text,
/// buttons and lists; templates, read receipts and media are the channel's and the desk's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outgoing {
    Text {
        body: String,
    },
    /// Up to three reply buttons.
    Buttons {
        body: String,
        buttons: Vec<Button>,
    },
    /// A list menu.
    List {
        body: String,
        button: String,
        rows: Vec<ListRow>,
    },
    /// An approved template, the only thing allowed outside the 24-hour window.
    Template {
        name: String,
        language: String,
        params: Vec<String>,
    },
    /// Blue ticks for an inbound message (and all before it).
    MarkRead {
        message_id: String,
    },
    /// A photo or document uploaded to the Graph API before, sent by its media id.
    Media {
        media_kind: MediaKind,
        media_id: String,
        caption: Option<String>,
        /// Shown for documents.
        filename: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Document,
}

impl Outgoing {
    /// The same kind of message without what it said (texts, choices, parameters, captions),
    /// for records kept after their content's purpose ended. A template keeps its name.
    pub fn without_content(&self) -> Outgoing {
        match self {
            Outgoing::Text { .. } => Outgoing::Text {
                body: String::new(),
            },
            Outgoing::Buttons { .. } => Outgoing::Buttons {
                body: String::new(),
                buttons: Vec::new(),
            },
            Outgoing::List { button, .. } => Outgoing::List {
                body: String::new(),
                button: button.clone(),
                rows: Vec::new(),
            },
            Outgoing::Template { name, language, .. } => Outgoing::Template {
                name: name.clone(),
                language: language.clone(),
                params: Vec::new(),
            },
            Outgoing::MarkRead { message_id } => Outgoing::MarkRead {
                message_id: message_id.clone(),
            },
            Outgoing::Media { media_kind, .. } => Outgoing::Media {
                media_kind: *media_kind,
                media_id: String::new(),
                caption: None,
                filename: None,
            },
        }
    }

    /// The text a parent reads (empty for receipts; a template's name).
    pub fn body(&self) -> &str {
        match self {
            Outgoing::Text { body }
            | Outgoing::Buttons { body, .. }
            | Outgoing::List { body, .. } => body,
            Outgoing::Template { name, .. } => name,
            Outgoing::Media { caption, .. } => caption.as_deref().unwrap_or_default(),
            Outgoing::MarkRead { .. } => "",
        }
    }

    /// Free-form messages need an open customer-service window; templates and receipts do not.
    pub fn needs_window(&self) -> bool {
        matches!(
            self,
            Outgoing::Text { .. }
                | Outgoing::Buttons { .. }
                | Outgoing::List { .. }
                | Outgoing::Media { .. }
        )
    }

    /// Splits and trims into messages that each respect WhatsApp's limits. A long text is cut
    /// at paragraph or word boundaries into several messages; more than three buttons become a
    /// list; more than ten rows keep the first ten; titles are shortened with an ellipsis.
    pub fn fit_to_limits(self) -> Vec<Outgoing> {
        match self {
            Outgoing::Text { body } => split_text(&body, MAX_TEXT)
                .into_iter()
                .map(|body| Outgoing::Text { body })
                .collect(),
            Outgoing::Buttons { body, buttons } if buttons.len() > MAX_BUTTONS => {
                let rows = buttons
                    .into_iter()
                    .map(|b| ListRow {
                        id: b.id,
                        title: b.title,
                        description: None,
                    })
                    .collect();
                Outgoing::List {
                    body,
                    button: "Pilih".into(),
                    rows,
                }
                .fit_to_limits()
            }
            Outgoing::Buttons { body, buttons } => {
                let (mut out, body) = interactive_body(body);
                let buttons = buttons
                    .into_iter()
                    .map(|b| Button {
                        id: clip(&b.id, MAX_ID),
                        title: clip(&b.title, MAX_BUTTON_TITLE),
                    })
                    .collect();
                out.push(Outgoing::Buttons { body, buttons });
                out
            }
            Outgoing::List { body, button, rows } => {
                let (mut out, body) = interactive_body(body);
                let rows = rows
                    .into_iter()
                    .take(MAX_LIST_ROWS)
                    .map(|r| ListRow {
                        id: clip(&r.id, MAX_ID),
                        title: clip(&r.title, MAX_ROW_TITLE),
                        description: r.description.map(|d| clip(&d, MAX_ROW_DESCRIPTION)),
                    })
                    .collect();
                let button = if button.trim().is_empty() {
                    "Pilih".into()
                } else {
                    clip(&button, MAX_LIST_BUTTON)
                };
                out.push(Outgoing::List { body, button, rows });
                out
            }
            Outgoing::Media {
                media_kind: kind,
                media_id,
                caption,
                filename,
            } => vec![Outgoing::Media {
                media_kind: kind,
                media_id,
                caption: caption.map(|c| clip(&c, MAX_CAPTION)),
                filename,
            }],
            other => vec![other],
        }
    }
}

/// Shortens to `max` characters (not bytes), marking the cut with an ellipsis.
pub fn clip(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out = out.trim_end().to_string();
    out.push('…');
    out
}

/// Splits at paragraph, then line, then word boundaries into pieces of at most `max` chars.
pub fn split_text(text: &str, max: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > max {
        let limit = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        let window = &rest[..limit];
        let cut = ["\n\n", "\n", " "]
            .iter()
            .find_map(|sep| window.rfind(sep).filter(|&i| i > limit / 2))
            .unwrap_or(limit);
        pieces.push(rest[..cut].trim_end().to_string());
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() || pieces.is_empty() {
        pieces.push(rest.to_string());
    }
    pieces
}

/// An interactive body over 1024 characters: the beginning goes first as plain text.
fn interactive_body(body: String) -> (Vec<Outgoing>, String) {
    if body.chars().count() <= MAX_INTERACTIVE_BODY {
        return (Vec::new(), body);
    }
    let mut parts = split_text(&body, MAX_INTERACTIVE_BODY);
    let last = parts.pop().unwrap_or_default();
    let lead = parts.join("\n\n");
    (Outgoing::Text { body: lead }.fit_to_limits(), last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_and_rows_queued_in_the_older_pair_form_still_read() {
        let old = r#"{"kind":"buttons","body":"Setuju?","buttons":[["ya","Setuju"]]}"#;
        let Outgoing::Buttons { buttons, .. } = serde_json::from_str(old).unwrap() else {
            panic!("buttons")
        };
        assert_eq!(buttons[0].title, "Setuju");
        let old = r#"{"kind":"list","body":"Pilih","button":"Pilih","rows":[["a","A",null]]}"#;
        let Outgoing::List { rows, .. } = serde_json::from_str(old).unwrap() else {
            panic!("list")
        };
        assert_eq!(rows[0].id, "a");
        let new = Outgoing::Buttons {
            body: "Setuju?".into(),
            buttons: vec![Button {
                id: "ya".into(),
                title: "Setuju".into(),
            }],
        };
        let json = serde_json::to_string(&new).unwrap();
        assert_eq!(serde_json::from_str::<Outgoing>(&json).unwrap(), new);
    }
}

/// One line of a conversation as officers read it beside an escalation: who said it, when,
/// and what (a photo as `[foto]`, a button as its title, a template as its parameters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChatLine {
    #[schema(value_type = String, format = DateTime)]
    pub at: jiff::Timestamp,
    /// True for the parent, false for loket or an officer.
    pub from_parent: bool,
    pub text: String,
}

impl Outgoing {
    /// What the parent reads, for the officers' view of the chat (`None`: nothing to read).
    pub fn chat_text(&self) -> Option<String> {
        match self {
            Outgoing::Text { body } => Some(body.clone()),
            Outgoing::Buttons { body, buttons } => Some(format!(
                "{body} [{}]",
                buttons
                    .iter()
                    .map(|b| b.title.as_str())
                    .collect::<Vec<_>>()
                    .join(" | ")
            )),
            Outgoing::List { body, .. } => Some(body.clone()),
            Outgoing::Template { name, params, .. } => {
                Some(format!("[templat {name}] {}", params.join(" · ")))
            }
            Outgoing::Media { caption, .. } => {
                Some(format!("[lampiran] {}", caption.as_deref().unwrap_or("")))
            }
            Outgoing::MarkRead { .. } => None,
        }
    }
}
