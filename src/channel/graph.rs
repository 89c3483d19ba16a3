//! The Graph API client: sending messages, marking them read, fetching media.
//!
//! Outgoing content is fitted to WhatsApp's documented limits before it leaves (3 buttons of
//! 20 characters, 10 list rows, 4096 characters of text): Meta would reject it otherwise, and
//! a rejected reply is a parent left without an answer.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use thiserror::Error;

pub use crate::domain::message::{
    Button, ListRow, MAX_BUTTON_TITLE, MAX_BUTTONS, MAX_CAPTION, MAX_HEADER_FOOTER, MAX_ID,
    MAX_INTERACTIVE_BODY, MAX_LIST_BUTTON, MAX_LIST_ROWS, MAX_ROW_DESCRIPTION, MAX_ROW_TITLE,
    MAX_TEXT, MediaKind, Outgoing, clip, split_text,
};

/// The Graph API request body for `message` to `to` (the wire format of WhatsApp's
/// `/{phone-number-id}/messages`).
pub fn graph_json(message: &Outgoing, to: &str, opaque: Option<&str>) -> Value {
    let mut body = match message {
        Outgoing::MarkRead { message_id } => {
            return json!({"messaging_product": "whatsapp", "status": "read", "message_id": message_id});
        }
        Outgoing::Text { body } => {
            json!({"type": "text", "text": {"body": body, "preview_url": false}})
        }
        Outgoing::Buttons { body, buttons } => json!({
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": body},
                "action": {"buttons": buttons.iter().map(|b| json!({
                    "type": "reply", "reply": {"id": b.id, "title": b.title}
                })).collect::<Vec<_>>()}
            }
        }),
        Outgoing::List { body, button, rows } => json!({
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": body},
                "action": {
                    "button": button,
                    "sections": [{"title": clip(button, MAX_ROW_TITLE), "rows": rows.iter().map(|r| {
                        let mut row = json!({"id": r.id, "title": r.title});
                        if let Some(d) = &r.description { row["description"] = json!(d); }
                        row
                    }).collect::<Vec<_>>()}]
                }
            }
        }),
        Outgoing::Media {
            media_kind: kind,
            media_id,
            caption,
            filename,
        } => {
            let key = match kind {
                MediaKind::Image => "image",
                MediaKind::Document => "document",
            };
            let mut media = json!({"id": media_id});
            if let Some(caption) = caption {
                media["caption"] = json!(caption);
            }
            if let (MediaKind::Document, Some(filename)) = (kind, filename) {
                media["filename"] = json!(filename);
            }
            json!({"type": key, key: media})
        }
        Outgoing::Template {
            name,
            language,
            params,
        } => {
            let mut template = json!({"name": name, "language": {"code": language}});
            if !params.is_empty() {
                template["components"] = json!([{"type": "body", "parameters": params.iter()
                    .map(|p| json!({"type": "text", "text": p})).collect::<Vec<_>>()}]);
            }
            json!({"type": "template", "template": template})
        }
    };
    body["messaging_product"] = json!("whatsapp");
    body["recipient_type"] = json!("individual");
    body["to"] = json!(to);
    if let Some(opaque) = opaque {
        body["biz_opaque_callback_data"] = json!(clip(opaque, 512));
    }
    body
}

// ---- errors --------------------------------------------------------------------------------

/// Graph error codes worth retrying (throttling and temporary failures).
const TRANSIENT_CODES: [i64; 8] = [1, 2, 4, 80007, 130429, 131000, 131016, 131057];
/// Too many messages to one user: retry later, for that user only.
pub const PAIR_RATE_CODE: i64 = 131056;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum GraphError {
    #[error("Graph API error {code} (HTTP {http_status}): {message}")]
    Api {
        http_status: u16,
        code: i64,
        message: String,
        details: Option<String>,
    },
    #[error("Graph API answered HTTP {http_status} without an error body")]
    Http { http_status: u16 },
    #[error("network failure talking to the Graph API: {0}")]
    Network(String),
    #[error("the response of the Graph API is unreadable: {0}")]
    BadResponse(String),
    #[error("media of {size} bytes is larger than the {limit} bytes allowed")]
    TooLarge { size: u64, limit: usize },
    #[error("the media URL redirects without end")]
    Redirects,
}

impl GraphError {
    /// Retrying may help: network trouble, 5xx, and the documented temporary codes.
    pub fn is_transient(&self) -> bool {
        match self {
            GraphError::Api {
                code, http_status, ..
            } => TRANSIENT_CODES.contains(code) || *code == PAIR_RATE_CODE || *http_status >= 500,
            GraphError::Http { http_status } => *http_status >= 500 || *http_status == 429,
            GraphError::Network(_) => true,
            GraphError::BadResponse(_) | GraphError::TooLarge { .. } | GraphError::Redirects => {
                false
            }
        }
    }

    pub fn code(&self) -> Option<i64> {
        match self {
            GraphError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
    error_data: Option<ErrorData>,
}

#[derive(Debug, Deserialize)]
struct ErrorData {
    details: Option<String>,
}

/// What `GET /{media-id}` answers.
#[derive(Debug, Clone, Deserialize)]
pub struct MediaInfo {
    pub url: String,
    pub mime_type: Option<String>,
    #[serde(default, deserialize_with = "number_or_string")]
    pub file_size: Option<u64>,
}

fn number_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    })
}

// ---- client --------------------------------------------------------------------------------

#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    base: String,
    phone_number_id: String,
    token: String,
}

const USER_AGENT: &str = concat!("loket/", env!("CARGO_PKG_VERSION"));

impl GraphClient {
    pub fn new(
        base: &str,
        phone_number_id: &str,
        token: &str,
        timeout: Duration,
    ) -> Result<GraphClient, GraphError> {
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| GraphError::Network(e.to_string()))?;
        Ok(GraphClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            phone_number_id: phone_number_id.to_string(),
            token: token.to_string(),
        })
    }

    /// The same client speaking for another of the office's business numbers (its phone number
    /// ID, as webhooks name it): replies go out from the number the parent wrote to. `None`, or
    /// an id that is not digits, keeps the configured number.
    pub fn for_number(&self, phone_number_id: Option<&str>) -> GraphClient {
        match phone_number_id {
            Some(id)
                if id != self.phone_number_id
                    && !id.is_empty()
                    && id.bytes().all(|b| b.is_ascii_digit()) =>
            {
                GraphClient {
                    phone_number_id: id.to_string(),
                    ..self.clone()
                }
            }
            _ => self.clone(),
        }
    }

    /// Sends one message; returns the wamid Meta assigned (none for mark-as-read).
    pub async fn send(
        &self,
        to: &str,
        message: &Outgoing,
        opaque: Option<&str>,
    ) -> Result<Option<String>, GraphError> {
        let url = format!("{}/{}/messages", self.base, self.phone_number_id);
        let response = self
            .http
            .post(url)
            .bearer_auth(&self.token)
            .json(&graph_json(message, to, opaque))
            .send()
            .await
            .map_err(|e| GraphError::Network(e.without_url().to_string()))?;
        let value: Value = read_json(response).await?;
        Ok(value
            .pointer("/messages/0/id")
            .and_then(Value::as_str)
            .map(str::to_string))
    }

    pub async fn media_info(&self, media_id: &str) -> Result<MediaInfo, GraphError> {
        // Media ids are digits; anything else must not reach the URL path.
        if media_id.is_empty()
            || !media_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(GraphError::BadResponse(format!(
                "not a media id: {media_id:?}"
            )));
        }
        let url = format!(
            "{}/{}?phone_number_id={}",
            self.base, media_id, self.phone_number_id
        );
        let response = self
            .http
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| GraphError::Network(e.without_url().to_string()))?;
        let value = read_json(response).await?;
        serde_json::from_value(value).map_err(|e| GraphError::BadResponse(e.to_string()))
    }

    /// Downloads a media URL with the bearer token, refusing more than `limit` bytes
    /// (checked against Content-Length first, then while streaming).
    pub async fn download(&self, url: &str, limit: usize) -> Result<Vec<u8>, GraphError> {
        let mut response = self
            .http
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| {
                if e.is_redirect() {
                    GraphError::Redirects
                } else {
                    GraphError::Network(e.without_url().to_string())
                }
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(GraphError::Http {
                http_status: status.as_u16(),
            });
        }
        if let Some(len) = response.content_length()
            && len > limit as u64
        {
            return Err(GraphError::TooLarge { size: len, limit });
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| GraphError::Network(e.without_url().to_string()))?
        {
            if bytes.len() + chunk.len() > limit {
                return Err(GraphError::TooLarge {
                    size: (bytes.len() + chunk.len()) as u64,
                    limit,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

async fn read_json(response: reqwest::Response) -> Result<Value, GraphError> {
    let status = response.status().as_u16();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| GraphError::Network(e.without_url().to_string()))?;
    if (200..300).contains(&status) {
        return serde_json::from_slice(&bytes).map_err(|e| GraphError::BadResponse(e.to_string()));
    }
    match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(body) => Err(GraphError::Api {
            http_status: status,
            code: body.error.code,
            message: body.error.message,
            details: body.error.error_data.and_then(|d| d.details),
        }),
        Err(_) => Err(GraphError::Http {
            http_status: status,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_split_at_paragraphs_into_pieces_meta_accepts() {
        let paragraph = "Kalimat panjang tentang syarat KIA. ".repeat(40);
        let text = vec![paragraph; 5].join("\n\n");
        let parts = Outgoing::Text { body: text.clone() }.fit_to_limits();
        assert!(parts.len() >= 2);
        let mut total = 0;
        for part in &parts {
            let Outgoing::Text { body } = part else {
                panic!()
            };
            assert!(body.chars().count() <= MAX_TEXT);
            total += body.split_whitespace().count();
        }
        assert_eq!(total, text.split_whitespace().count(), "no word lost");
    }

    fn button(id: &str, title: &str) -> Button {
        Button {
            id: id.into(),
            title: title.into(),
        }
    }

    #[test]
    fn button_titles_are_clipped_and_a_fourth_button_makes_a_list() {
        let buttons = vec![button("a", "Ajukan permohonan KIA baru sekarang")];
        let fitted = Outgoing::Buttons {
            body: "Pilih".into(),
            buttons,
        }
        .fit_to_limits();
        let Outgoing::Buttons { buttons, .. } = &fitted[0] else {
            panic!()
        };
        assert!(buttons[0].title.chars().count() <= MAX_BUTTON_TITLE);
        assert!(buttons[0].title.ends_with('…'));

        let four = (0..4)
            .map(|i| button(&format!("b{i}"), &format!("Pilihan {i}")))
            .collect();
        let fitted = Outgoing::Buttons {
            body: "Pilih".into(),
            buttons: four,
        }
        .fit_to_limits();
        assert!(matches!(&fitted[0], Outgoing::List { rows, .. } if rows.len() == 4));
    }

    #[test]
    fn a_list_keeps_at_most_ten_rows_and_a_long_body_goes_first_as_text() {
        let rows = (0..15)
            .map(|i| ListRow {
                id: format!("r{i}"),
                title: format!("Kelurahan nomor {i} yang panjang sekali"),
                description: None,
            })
            .collect();
        let body = "Isi ".repeat(400);
        let fitted = Outgoing::List {
            body,
            button: "Pilih kelurahan".into(),
            rows,
        }
        .fit_to_limits();
        let Some(Outgoing::List { rows, body, .. }) = fitted.last() else {
            panic!()
        };
        assert_eq!(rows.len(), MAX_LIST_ROWS);
        assert!(
            rows.iter()
                .all(|r| r.title.chars().count() <= MAX_ROW_TITLE)
        );
        assert!(body.chars().count() <= MAX_INTERACTIVE_BODY);
        assert!(matches!(fitted[0], Outgoing::Text { .. }));
    }

    #[test]
    fn graph_bodies_follow_the_contract() {
        let read = graph_json(
            &Outgoing::MarkRead {
                message_id: "wamid.1".into(),
            },
            "62811",
            None,
        );
        assert_eq!(
            read,
            json!({"messaging_product":"whatsapp","status":"read","message_id":"wamid.1"})
        );
        let text = graph_json(
            &Outgoing::Text {
                body: "Halo".into(),
            },
            "62811",
            Some("o:7"),
        );
        assert_eq!(text["to"], "62811");
        assert_eq!(text["text"]["body"], "Halo");
        assert_eq!(text["biz_opaque_callback_data"], "o:7");
        let b = graph_json(
            &Outgoing::Buttons {
                body: "Setuju?".into(),
                buttons: vec![button("ya", "Setuju")],
            },
            "62811",
            None,
        );
        assert_eq!(
            b["interactive"]["action"]["buttons"][0]["reply"]["id"],
            "ya"
        );
    }

    #[test]
    fn media_is_sent_by_id_with_a_clipped_caption() {
        let doc = Outgoing::Media {
            media_kind: MediaKind::Document,
            media_id: "123".into(),
            caption: Some("x".repeat(2000)),
            filename: Some("tanda-terima.pdf".into()),
        };
        let fitted = doc.fit_to_limits();
        let body = graph_json(&fitted[0], "62811", None);
        assert_eq!(body["type"], "document");
        assert_eq!(body["document"]["id"], "123");
        assert_eq!(body["document"]["filename"], "tanda-terima.pdf");
        assert!(
            body["document"]["caption"]
                .as_str()
                .unwrap()
                .chars()
                .count()
                <= MAX_CAPTION
        );
        assert!(fitted[0].needs_window());
    }

    #[test]
    fn errors_are_classified_for_retry() {
        let api = |code| GraphError::Api {
            http_status: 400,
            code,
            message: String::new(),
            details: None,
        };
        for code in [130429, 131056, 131000, 131016] {
            assert!(api(code).is_transient(), "{code}");
        }
        for code in [131047, 131026, 100, 190, 132000, 132001] {
            assert!(!api(code).is_transient(), "{code}");
        }
        assert!(GraphError::Http { http_status: 503 }.is_transient());
        assert!(GraphError::Network("reset".into()).is_transient());
    }
}
