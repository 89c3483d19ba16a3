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

/// A message loket sends, independent of the wire format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outgoing {
    Text {
        body: String,
    },
    /// Up to three reply buttons: (id, title).
    Buttons {
        body: String,
        buttons: Vec<(String, String)>,
    },
    /// A list menu: (id, title, description).
    List {
        body: String,
        button: String,
        rows: Vec<(String, String, Option<String>)>,
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
                    .map(|(id, title)| (id, title, None))
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
                    .map(|(id, title)| (clip(&id, MAX_ID), clip(&title, MAX_BUTTON_TITLE)))
                    .collect();
                out.push(Outgoing::Buttons { body, buttons });
                out
            }
            Outgoing::List { body, button, rows } => {
                let (mut out, body) = interactive_body(body);
                let rows = rows
                    .into_iter()
                    .take(MAX_LIST_ROWS)
                    .map(|(id, title, description)| {
                        (
                            clip(&id, MAX_ID),
                            clip(&title, MAX_ROW_TITLE),
                            description.map(|d| clip(&d, MAX_ROW_DESCRIPTION)),
                        )
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
