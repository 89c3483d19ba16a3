//! Turning what the engine wants to say into one WhatsApp message within the Cloud API limits.
//! Interactive messages when they fit; otherwise text with numbered options, because typed answers
//! ("1", "ya", the title) always work.

use crate::flow::def::{BUTTON_TITLE_MAX, ROW_DESCRIPTION_MAX, ROW_TITLE_MAX};
use crate::flow::{Button, ListRow, Outgoing};

pub use crate::domain::message::{
    MAX_BUTTONS as BUTTONS_MAX, MAX_INTERACTIVE_BODY as INTERACTIVE_BODY_MAX,
    MAX_LIST_ROWS as LIST_ROWS_MAX, MAX_TEXT as TEXT_BODY_MAX,
};

/// A choice offered to the citizen.
#[derive(Debug, Clone, PartialEq)]
pub struct Opt {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
}

/// The question the conversation is waiting on.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Question {
    pub body: String,
    pub options: Vec<Opt>,
    /// Label of the list button.
    pub list_button: String,
    /// Lists longer than 10 rows show 9 per page plus this "more" row (id, title).
    pub more: Option<(String, String)>,
    pub page: usize,
    /// Heading of the numbered options when sent as text.
    pub options_hint: String,
}

pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn numbered(options: &[Opt]) -> String {
    options
        .iter()
        .enumerate()
        .map(|(i, o)| format!("{}. {}", i + 1, o.title))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One message: the notes first, then the question.
pub fn render(notes: &[String], question: Option<&Question>) -> Option<Outgoing> {
    let mut parts: Vec<&str> = notes
        .iter()
        .map(String::as_str)
        .filter(|n| !n.is_empty())
        .collect();
    if let Some(q) = question
        && !q.body.is_empty()
    {
        parts.push(&q.body);
    }
    let body = parts.join("\n\n");
    let Some(question) = question.filter(|q| !q.options.is_empty()) else {
        if body.is_empty() {
            return None;
        }
        return Some(Outgoing::Text {
            body: truncate(&body, TEXT_BODY_MAX),
        });
    };
    let options = &question.options;
    let long_list = options.len() > LIST_ROWS_MAX;
    // Long lists also spell the options out, so a number can be typed for any page.
    let body = if long_list {
        format!("{body}\n\n{}", numbered(options))
    } else {
        body
    };
    if body.chars().count() > INTERACTIVE_BODY_MAX {
        let text = if long_list {
            body
        } else {
            format!("{body}\n\n{}\n{}", question.options_hint, numbered(options))
        };
        return Some(Outgoing::Text {
            body: truncate(&text, TEXT_BODY_MAX),
        });
    }
    let fits_buttons = options.len() <= BUTTONS_MAX
        && options
            .iter()
            .all(|o| o.title.chars().count() <= BUTTON_TITLE_MAX && o.description.is_none());
    if fits_buttons {
        return Some(Outgoing::Buttons {
            body,
            buttons: options
                .iter()
                .map(|o| Button {
                    id: o.id.clone(),
                    title: o.title.clone(),
                })
                .collect(),
        });
    }
    let row = |index: usize, o: &Opt| ListRow {
        id: o.id.clone(),
        title: truncate(
            &if long_list {
                format!("{}. {}", index + 1, o.title)
            } else {
                o.title.clone()
            },
            ROW_TITLE_MAX,
        ),
        description: o
            .description
            .as_deref()
            .map(|d| truncate(d, ROW_DESCRIPTION_MAX)),
    };
    let rows: Vec<ListRow> = if long_list {
        let per_page = LIST_ROWS_MAX - 1;
        let pages = options.len().div_ceil(per_page);
        let page = question.page % pages.max(1);
        let mut rows: Vec<ListRow> = options
            .iter()
            .enumerate()
            .skip(page * per_page)
            .take(per_page)
            .map(|(i, o)| row(i, o))
            .collect();
        if let Some((id, title)) = &question.more {
            rows.push(ListRow {
                id: id.clone(),
                title: truncate(title, ROW_TITLE_MAX),
                description: None,
            });
        }
        rows
    } else {
        options.iter().enumerate().map(|(i, o)| row(i, o)).collect()
    };
    Some(Outgoing::List {
        body,
        button: truncate(&question.list_button, BUTTON_TITLE_MAX),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(n: usize) -> Vec<Opt> {
        (0..n)
            .map(|i| Opt {
                id: format!("s.{i}"),
                title: format!("Pilihan {i}"),
                description: None,
            })
            .collect()
    }

    fn question(n: usize) -> Question {
        Question {
            body: "Pilih:".into(),
            options: opts(n),
            list_button: "Pilih".into(),
            more: Some(("s.__more".into(), "Lainnya".into())),
            page: 0,
            options_hint: "Balas dengan angka:".into(),
        }
    }

    #[test]
    fn up_to_three_short_options_become_buttons() {
        let out = render(&["Catatan".into()], Some(&question(3))).unwrap();
        let Outgoing::Buttons { body, buttons } = out else {
            panic!("{out:?}")
        };
        assert_eq!(body, "Catatan\n\nPilih:");
        assert_eq!(buttons.len(), 3);
    }

    #[test]
    fn long_lists_are_paged_nine_rows_plus_more() {
        let mut q = question(12);
        let Some(Outgoing::List { rows, .. }) = render(&[], Some(&q)) else {
            panic!()
        };
        assert_eq!(rows.len(), 10);
        assert_eq!(rows[9].id, "s.__more");
        q.page = 1;
        let Some(Outgoing::List { rows, body, .. }) = render(&[], Some(&q)) else {
            panic!()
        };
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].title, "10. Pilihan 9");
        assert!(body.contains("12. Pilihan 11"));
    }

    #[test]
    fn a_body_too_long_for_interactive_falls_back_to_numbered_text() {
        let notes = vec!["x".repeat(1100)];
        let Some(Outgoing::Text { body }) = render(&notes, Some(&question(2))) else {
            panic!()
        };
        assert!(body.ends_with("1. Pilihan 0\n2. Pilihan 1"));
        let huge = vec!["y".repeat(5000)];
        let Some(Outgoing::Text { body }) = render(&huge, None) else {
            panic!()
        };
        assert_eq!(body.chars().count(), TEXT_BODY_MAX);
    }
}
