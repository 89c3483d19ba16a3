//! Events the WhatsApp channel hands to the rest of loket: messages from citizens, delivery
//! statuses of what we sent, and errors Meta reports. Plain data, no IO.

use serde::{Deserialize, Serialize};

/// Who wrote to us. Either identifier may be missing (usernames, 2026), never both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ContactRef {
    /// Phone number, digits only (`6281234567890`).
    pub wa_id: Option<String>,
    /// Business-scoped user id (`ID.2048…`).
    pub user_id: Option<String>,
    /// WhatsApp display name; user-controlled.
    pub name: Option<String>,
}

impl ContactRef {
    /// The address to send to: the phone number when known (BSUID sends are not allowed for
    /// every message type, error 131062), else the BSUID.
    pub fn address(&self) -> Option<&str> {
        self.wa_id.as_deref().or(self.user_id.as_deref())
    }
}

/// A media attachment as referenced in a webhook; the bytes are fetched separately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MediaAttachment {
    pub id: String,
    pub mime_type: Option<String>,
    pub sha256: Option<String>,
    pub caption: Option<String>,
    pub filename: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MessageKind {
    Text {
        body: String,
    },
    Image {
        media: MediaAttachment,
    },
    Document {
        media: MediaAttachment,
    },
    Audio {
        media: MediaAttachment,
        voice: bool,
    },
    Video {
        media: MediaAttachment,
    },
    Sticker {
        media: MediaAttachment,
        animated: bool,
    },
    Location {
        latitude: Option<f64>,
        longitude: Option<f64>,
        name: Option<String>,
        address: Option<String>,
    },
    Contacts {
        names: Vec<String>,
    },
    ButtonReply {
        id: String,
        title: String,
    },
    ListReply {
        id: String,
        title: String,
        description: Option<String>,
    },
    FlowReply {
        response_json: String,
    },
    /// Tap on a quick-reply button of a template message.
    TemplateButton {
        payload: String,
        text: String,
    },
    Reaction {
        message_id: String,
        emoji: Option<String>,
    },
    Order,
    System {
        body: Option<String>,
        kind: Option<String>,
        new_wa_id: Option<String>,
        new_user_id: Option<String>,
    },
    RequestWelcome,
    /// A kind Cloud API cannot represent (polls, edits, view-once media, ...).
    Unsupported {
        what: Option<String>,
        error_code: Option<i64>,
    },
    /// A `type` this version of loket does not know.
    Unknown {
        type_name: String,
    },
}

impl MessageKind {
    /// What the parent sent, for the officers' view of the chat.
    pub fn chat_text(&self) -> String {
        match self {
            MessageKind::Text { body } => body.clone(),
            MessageKind::Image { .. } => "[foto]".into(),
            MessageKind::Document { .. } => "[dokumen]".into(),
            MessageKind::ButtonReply { title, .. } | MessageKind::ListReply { title, .. } => {
                format!("[{title}]")
            }
            other => format!("[{}]", other.name()),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            MessageKind::Text { .. } => "text",
            MessageKind::Image { .. } => "image",
            MessageKind::Document { .. } => "document",
            MessageKind::Audio { .. } => "audio",
            MessageKind::Video { .. } => "video",
            MessageKind::Sticker { .. } => "sticker",
            MessageKind::Location { .. } => "location",
            MessageKind::Contacts { .. } => "contacts",
            MessageKind::ButtonReply { .. } => "button_reply",
            MessageKind::ListReply { .. } => "list_reply",
            MessageKind::FlowReply { .. } => "flow_reply",
            MessageKind::TemplateButton { .. } => "template_button",
            MessageKind::Reaction { .. } => "reaction",
            MessageKind::Order => "order",
            MessageKind::System { .. } => "system",
            MessageKind::RequestWelcome => "request_welcome",
            MessageKind::Unsupported { .. } => "unsupported",
            MessageKind::Unknown { .. } => "unknown",
        }
    }

    /// Image and document media are fetched at once; other media are not needed by the desk.
    pub fn media_to_fetch(&self) -> Option<&MediaAttachment> {
        match self {
            MessageKind::Image { media } | MessageKind::Document { media } => Some(media),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// The wamid: the deduplication key.
    pub id: String,
    pub from: ContactRef,
    /// Unix seconds as sent by Meta (second granularity: ties happen).
    pub timestamp: i64,
    pub kind: MessageKind,
    /// The message this one replies to, if any.
    pub context_id: Option<String>,
    pub forwarded: bool,
    /// The business number it was sent to (routing key for several numbers).
    pub phone_number_id: Option<String>,
}

/// Delivery progress of a message we sent. Ordered: a status only ever moves forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Accepted,
    Sent,
    Delivered,
    Read,
    /// Voice notes only; treated as read.
    Played,
    Failed,
}

impl DeliveryStatus {
    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        Some(match s {
            "sent" => DeliveryStatus::Sent,
            "delivered" => DeliveryStatus::Delivered,
            "read" => DeliveryStatus::Read,
            "played" => DeliveryStatus::Played,
            "failed" => DeliveryStatus::Failed,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaError {
    pub code: i64,
    pub title: Option<String>,
    pub details: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusUpdate {
    /// wamid of the message we sent.
    pub id: String,
    pub status: DeliveryStatus,
    pub timestamp: i64,
    pub recipient_id: Option<String>,
    pub recipient_user_id: Option<String>,
    pub errors: Vec<WaError>,
    pub biz_opaque_callback_data: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    Message(InboundMessage),
    Status(StatusUpdate),
    /// An out-of-band error Meta reported for the business number.
    Error(WaError),
}

/// An input to a parent's lane that is not a WhatsApp message. It is queued durably and goes
/// through the same lane, engine and lane commit as a message, so replay sees it too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SyntheticInput {
    /// A wake-up the conversation asked for (a reminder, an expiry) fell due.
    Tick,
    /// An officer hands the conversation back to the bot.
    HandBack,
    /// An officer decided on one of the contact's requests: the lane records it and the
    /// parent is told.
    Decided {
        number: String,
        decision: crate::domain::request::Decision,
        by: String,
        at: jiff::Timestamp,
    },
    /// An officer filed a request at the counter for this contact (a citizen without a
    /// smartphone has a contact of their own, with no WhatsApp number).
    WalkIn(Box<crate::domain::walk_in::WalkInForm>),
    /// A supervisor's notice (an outage, the office closed) to this parent.
    Notice { id: u64, text: String },
    /// A step of a printed card's delivery: a dispatch, a courier's attempt, a new code. The
    /// lane applies it to the task and fills in `notice` (what the parent is told) before it
    /// logs the input; a typed code is never logged.
    Delivery {
        /// The action's own id: a repeated submit carries the same and changes nothing.
        id: String,
        number: String,
        action: crate::domain::delivery::DeliveryAction,
        by: String,
        at: jiff::Timestamp,
        #[serde(default)]
        notice: Option<crate::domain::delivery::DeliveryNotice>,
    },
    /// An officer's answer in an escalation (checked against the 24-hour window already).
    OfficerReply {
        escalation: u64,
        message: crate::domain::message::Outgoing,
    },
}

impl SyntheticInput {
    /// Inputs decided in a batch of their own: a walk-in files a request (a batch takes one
    /// request number), and a notice's messages are counted as the notice's.
    pub fn is_solo(&self) -> bool {
        matches!(
            self,
            SyntheticInput::WalkIn(_) | SyntheticInput::Notice { .. }
        )
    }
}
