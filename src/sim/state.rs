//! What the simulator remembers, all in memory: per parent phone a chat log (both ways, with
//! statuses and interactive content), uploaded media by id, and one monotonic counter that
//! numbers messages, media and every change (the page polls for "changes since N").

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};

/// Delivery state of one message, as WhatsApp shows it with ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Status {
    /// Accepted by "WhatsApp" (one grey tick).
    Sent,
    /// Reached the other side (two grey ticks): loket answered 200, or the page fetched it.
    Delivered,
    /// Seen (two blue ticks): loket marked it read, or the page showed it.
    Read,
    /// Could not be delivered; `error` says why.
    Failed,
}

impl Status {
    fn rank(self) -> u8 {
        match self {
            Status::Sent => 0,
            Status::Delivered => 1,
            Status::Read => 2,
            Status::Failed => 3,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Sent => "sent",
            Status::Delivered => "delivered",
            Status::Read => "read",
            Status::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Choice {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Row {
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Section {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub rows: Vec<Row>,
}

/// The content of one chat message; the first five are what a parent sends, the rest what
/// loket sends.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Content {
    Text {
        body: String,
    },
    Image {
        media_id: String,
        mime_type: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
        size: usize,
    },
    Document {
        media_id: String,
        mime_type: String,
        filename: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
        size: usize,
    },
    ButtonReply {
        id: String,
        title: String,
    },
    ListReply {
        id: String,
        title: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
    Buttons {
        #[serde(skip_serializing_if = "Option::is_none")]
        header: Option<String>,
        body: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        footer: Option<String>,
        buttons: Vec<Choice>,
    },
    List {
        #[serde(skip_serializing_if = "Option::is_none")]
        header: Option<String>,
        body: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        footer: Option<String>,
        button: String,
        sections: Vec<Section>,
    },
    Template {
        name: String,
        language: String,
        params: Vec<String>,
    },
}

impl Content {
    /// A one-line preview, for quoted replies.
    pub(crate) fn preview(&self) -> String {
        let text = match self {
            Content::Text { body } => body.clone(),
            Content::Image { caption, .. } => {
                format!("📷 {}", caption.as_deref().unwrap_or("Foto"))
            }
            Content::Document { filename, .. } => format!("📄 {filename}"),
            Content::ButtonReply { title, .. } | Content::ListReply { title, .. } => title.clone(),
            Content::Buttons { body, .. } | Content::List { body, .. } => body.clone(),
            Content::Template { name, .. } => format!("Template {name}"),
        };
        let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let mut short: String = line.chars().take(90).collect();
        if line.chars().count() > 90 {
            short.push('…');
        }
        short
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ChatMessage {
    pub wamid: String,
    pub from_parent: bool,
    pub timestamp: i64,
    pub status: Status,
    /// Counter value of the last change; the page asks for messages changed after N.
    pub version: u64,
    pub content: Content,
    /// The wamid this message answers (a tapped button, or loket's `context.message_id`).
    pub reply_to: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Chat {
    pub name: String,
    pub messages: Vec<ChatMessage>,
    /// Unix seconds of the parent's last message: opens WhatsApp's 24-hour window.
    pub last_inbound: Option<i64>,
    /// Unix seconds until which loket's typing indicator shows.
    pub typing_until: Option<i64>,
}

#[derive(Debug, Clone)]
pub(crate) struct Media {
    pub bytes: Arc<Vec<u8>>,
    pub mime_type: String,
    pub sha256_hex: String,
}

/// Uploaded bytes are kept up to this total; the oldest go first (Meta expires media too).
pub(crate) const MEDIA_BUDGET_BYTES: usize = 256 * 1024 * 1024;

#[derive(Debug, Default)]
pub(crate) struct State {
    counter: u64,
    pub chats: HashMap<String, Chat>,
    /// wamid → (phone, position in that chat).
    index: HashMap<String, (String, usize)>,
    media: HashMap<String, Media>,
    media_order: VecDeque<String>,
    media_bytes: usize,
}

impl State {
    /// The next value of the monotonic counter (never 0, so `since=0` sees everything).
    pub(crate) fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    pub(crate) fn cursor(&self) -> u64 {
        self.counter
    }

    /// Appends a message and returns its position.
    pub(crate) fn push(&mut self, phone: &str, mut message: ChatMessage) -> usize {
        message.version = self.next();
        let chat = self.chats.entry(phone.to_string()).or_default();
        if message.from_parent {
            chat.last_inbound = Some(message.timestamp);
        } else {
            chat.typing_until = None;
        }
        let position = chat.messages.len();
        self.index
            .insert(message.wamid.clone(), (phone.to_string(), position));
        chat.messages.push(message);
        position
    }

    pub(crate) fn locate(&self, wamid: &str) -> Option<(String, usize)> {
        self.index.get(wamid).cloned()
    }

    pub(crate) fn message(&self, phone: &str, position: usize) -> Option<&ChatMessage> {
        self.chats.get(phone)?.messages.get(position)
    }

    /// Moves a message forward (sent → delivered → read) or to failed; never backwards, so
    /// late or reordered events cannot undo a later state. Returns whether it changed.
    pub(crate) fn advance(&mut self, phone: &str, position: usize, status: Status) -> bool {
        let version = self.counter + 1;
        let Some(message) = self
            .chats
            .get_mut(phone)
            .and_then(|c| c.messages.get_mut(position))
        else {
            return false;
        };
        if message.status == Status::Failed || status.rank() <= message.status.rank() {
            return false;
        }
        message.status = status;
        message.version = version;
        self.counter = version;
        true
    }

    pub(crate) fn fail(&mut self, phone: &str, position: usize, error: String) -> bool {
        let changed = self.advance(phone, position, Status::Failed);
        if changed
            && let Some(message) = self
                .chats
                .get_mut(phone)
                .and_then(|c| c.messages.get_mut(position))
        {
            message.error = Some(error);
        }
        changed
    }

    /// Bumps the version of a chat's newest message so that a poll sees a chat-level change
    /// (the typing indicator) without a new message.
    pub(crate) fn touch(&mut self, phone: &str) {
        let version = self.counter + 1;
        if let Some(message) = self
            .chats
            .get_mut(phone)
            .and_then(|c| c.messages.last_mut())
        {
            message.version = version;
            self.counter = version;
        }
    }

    pub(crate) fn add_media(&mut self, id: String, media: Media) {
        self.media_bytes += media.bytes.len();
        self.media.insert(id.clone(), media);
        self.media_order.push_back(id);
        while self.media_bytes > MEDIA_BUDGET_BYTES && self.media_order.len() > 1 {
            if let Some(old) = self.media_order.pop_front()
                && let Some(gone) = self.media.remove(&old)
            {
                self.media_bytes -= gone.bytes.len();
            }
        }
    }

    pub(crate) fn media(&self, id: &str) -> Option<&Media> {
        self.media.get(id)
    }

    /// The page's view of messages of `phone` changed after `since`.
    pub(crate) fn changes(&self, phone: &str, since: u64) -> Vec<Value> {
        let Some(chat) = self.chats.get(phone) else {
            return Vec::new();
        };
        chat.messages
            .iter()
            .enumerate()
            .filter(|(_, m)| m.version > since)
            .map(|(seq, m)| self.view(phone, seq, m))
            .collect()
    }

    fn view(&self, phone: &str, seq: usize, message: &ChatMessage) -> Value {
        let quote = message.reply_to.as_ref().and_then(|id| {
            let (quoted_phone, position) = self.index.get(id)?;
            if quoted_phone != phone {
                return None;
            }
            let quoted = self.message(phone, *position)?;
            Some(json!({
                "id": id,
                "from": if quoted.from_parent { "parent" } else { "business" },
                "text": quoted.content.preview(),
            }))
        });
        json!({
            "id": message.wamid,
            "seq": seq,
            "from": if message.from_parent { "parent" } else { "business" },
            "timestamp": message.timestamp,
            "status": message.status,
            "content": message.content,
            "quote": quote,
            "error": message.error,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(wamid: &str, from_parent: bool) -> ChatMessage {
        ChatMessage {
            wamid: wamid.into(),
            from_parent,
            timestamp: 1,
            status: Status::Sent,
            version: 0,
            content: Content::Text { body: "x".into() },
            reply_to: None,
            error: None,
        }
    }

    #[test]
    fn statuses_only_move_forward_and_each_change_is_seen_once() {
        let mut state = State::default();
        let at = state.push("62811", text("w1", false));
        let cursor = state.cursor();
        assert!(state.advance("62811", at, Status::Read));
        assert!(
            !state.advance("62811", at, Status::Delivered),
            "no way back"
        );
        assert_eq!(state.changes("62811", cursor).len(), 1);
        assert!(state.changes("62811", state.cursor()).is_empty());
        assert!(state.fail("62811", at, "x".into()));
        assert!(!state.advance("62811", at, Status::Read), "failed is final");
    }

    #[test]
    fn old_media_goes_when_the_budget_is_spent() {
        let mut state = State::default();
        let big = Arc::new(vec![0u8; MEDIA_BUDGET_BYTES / 2 + 1]);
        for id in ["a", "b", "c"] {
            state.add_media(
                id.into(),
                Media {
                    bytes: big.clone(),
                    mime_type: "image/jpeg".into(),
                    sha256_hex: String::new(),
                },
            );
        }
        assert!(state.media("a").is_none());
        assert!(state.media("b").is_none());
        assert!(state.media("c").is_some());
    }
}
