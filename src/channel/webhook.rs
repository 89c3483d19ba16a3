//! Webhook payloads as Meta sends them, turned into channel events.
//!
//! Every field is optional and unknown fields are ignored: Meta adds fields without notice
//! (BSUIDs arrived in 2026), and a payload we cannot fully read must still be kept, not refused.

use std::collections::HashMap;

use serde::{Deserialize, Deserializer};

pub use crate::domain::event::*;
use serde_json::{Value, value::RawValue};
use thiserror::Error;

/// The most messages and statuses one body may queue; the rest are kept in the dead letter
/// (with the body in the journal), not taken. Meta sends one or a few per body; a body of
/// tens of thousands is not a notification loket can answer, only a way to fill its memory.
pub const MAX_EVENTS_PER_BODY: usize = 1000;
/// The most problems one dead letter lists; the rest are counted.
const MAX_PROBLEMS: usize = 100;

/// What one webhook body contained.
#[derive(Debug, Default)]
pub struct Notification {
    pub events: Vec<Event>,
    /// Parts that could not be understood (kept in the dead-letter record).
    pub problems: Vec<String>,
}

#[derive(Debug, Error)]
pub enum ParseError {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error("the body is not a whatsapp_business_account notification (object = {0:?})")]
    NotWhatsApp(Option<String>),
}

// ---- wire shapes -------------------------------------------------------------------------

// Arrays are kept as raw text and read item by item, so a body of many items never becomes a
// tree in memory all at once.
#[derive(Deserialize)]
struct Envelope<'a> {
    object: Option<String>,
    #[serde(default, borrow)]
    entry: Vec<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct WireEntry<'a> {
    #[serde(default, borrow)]
    changes: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct WireChange<'a> {
    field: Option<String>,
    #[serde(default, borrow)]
    value: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct WireValue<'a> {
    metadata: Option<WireMetadata>,
    #[serde(default)]
    contacts: Vec<WireContact>,
    #[serde(default, borrow)]
    messages: Vec<&'a RawValue>,
    #[serde(default, borrow)]
    statuses: Vec<&'a RawValue>,
    #[serde(default)]
    errors: Vec<Value>,
}

#[derive(Deserialize, Default)]
struct WireMetadata {
    phone_number_id: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
struct WireContact {
    wa_id: Option<String>,
    user_id: Option<String>,
    profile: Option<WireProfile>,
}

#[derive(Deserialize, Default, Clone)]
struct WireProfile {
    name: Option<String>,
}

#[derive(Deserialize, Default)]
struct WireMessage {
    id: Option<String>,
    from: Option<String>,
    from_user_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    timestamp: Option<i64>,
    #[serde(rename = "type")]
    kind: Option<String>,
    context: Option<WireContext>,
    text: Option<WireText>,
    image: Option<WireMedia>,
    document: Option<WireMedia>,
    audio: Option<WireMedia>,
    video: Option<WireMedia>,
    sticker: Option<WireMedia>,
    location: Option<WireLocation>,
    contacts: Option<Vec<Value>>,
    interactive: Option<WireInteractive>,
    button: Option<WireButton>,
    reaction: Option<WireReaction>,
    system: Option<WireSystem>,
    unsupported: Option<WireUnsupported>,
    #[serde(default)]
    errors: Vec<Value>,
}

#[derive(Deserialize, Default)]
struct WireContext {
    id: Option<String>,
    #[serde(default)]
    forwarded: bool,
    #[serde(default)]
    frequently_forwarded: bool,
}

#[derive(Deserialize, Default)]
struct WireText {
    body: Option<String>,
}

#[derive(Deserialize, Default)]
struct WireMedia {
    id: Option<String>,
    mime_type: Option<String>,
    sha256: Option<String>,
    caption: Option<String>,
    filename: Option<String>,
    #[serde(default)]
    voice: bool,
    #[serde(default)]
    animated: bool,
}

#[derive(Deserialize, Default)]
struct WireLocation {
    #[serde(default, deserialize_with = "lenient_f64")]
    latitude: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    longitude: Option<f64>,
    name: Option<String>,
    address: Option<String>,
}

#[derive(Deserialize, Default)]
struct WireInteractive {
    #[serde(rename = "type")]
    kind: Option<String>,
    button_reply: Option<WireReply>,
    list_reply: Option<WireReply>,
    nfm_reply: Option<WireFlowReply>,
}

#[derive(Deserialize, Default)]
struct WireReply {
    id: Option<String>,
    title: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize, Default)]
struct WireFlowReply {
    response_json: Option<String>,
}

#[derive(Deserialize, Default)]
struct WireButton {
    payload: Option<String>,
    text: Option<String>,
}

#[derive(Deserialize, Default)]
struct WireReaction {
    message_id: Option<String>,
    emoji: Option<String>,
}

#[derive(Deserialize, Default)]
struct WireSystem {
    body: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    wa_id: Option<String>,
    user_id: Option<String>,
}

#[derive(Deserialize, Default)]
struct WireUnsupported {
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize, Default)]
struct WireStatus {
    id: Option<String>,
    status: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    timestamp: Option<i64>,
    recipient_id: Option<String>,
    recipient_user_id: Option<String>,
    biz_opaque_callback_data: Option<String>,
    #[serde(default)]
    errors: Vec<Value>,
}

#[derive(Deserialize, Default)]
struct WireError {
    #[serde(default, deserialize_with = "lenient_i64")]
    code: Option<i64>,
    title: Option<String>,
    message: Option<String>,
    error_data: Option<WireErrorData>,
}

#[derive(Deserialize, Default)]
struct WireErrorData {
    details: Option<String>,
}

/// Accepts a number or a string holding one (Meta sends timestamps as strings).
fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

// ---- parsing -----------------------------------------------------------------------------

/// Reads a webhook body. Only a body that is not a WhatsApp notification at all is an error;
/// parts of a notification that cannot be read are listed in `problems`.
pub fn parse(body: &[u8]) -> Result<Notification, ParseError> {
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| ParseError::NotJson(without_values(e)))?;
    if envelope.object.as_deref() != Some("whatsapp_business_account") {
        return Err(ParseError::NotWhatsApp(envelope.object));
    }
    let mut out = Reading::default();
    for (e, entry) in envelope.entry.into_iter().enumerate() {
        let entry: WireEntry = match serde_json::from_str(entry.get()) {
            Ok(entry) => entry,
            Err(err) => {
                out.problem(format!("entry[{e}]: {}", without_values(err)));
                continue;
            }
        };
        for (c, change) in entry.changes.into_iter().enumerate() {
            let at = format!("entry[{e}].changes[{c}]");
            match serde_json::from_str::<WireChange>(change.get()) {
                Ok(change) if change.field.as_deref() == Some("messages") => {
                    read_value(change.value, &at, &mut out)
                }
                // Other subscribed fields (account updates, template reviews) are not ours.
                Ok(change) => out.problem(without_values(format!(
                    "{at}: field {:?} is not handled",
                    change.field.unwrap_or_default()
                ))),
                Err(err) => out.problem(format!("{at}: {}", without_values(err))),
            }
        }
    }
    Ok(out.finish())
}

/// A notification being read, with its bounds.
#[derive(Default)]
struct Reading {
    out: Notification,
    /// Messages and statuses past [`MAX_EVENTS_PER_BODY`].
    left: usize,
    /// Problems past [`MAX_PROBLEMS`].
    unlisted: usize,
}

impl Reading {
    fn problem(&mut self, problem: String) {
        if self.out.problems.len() < MAX_PROBLEMS {
            self.out.problems.push(problem);
        } else {
            self.unlisted += 1;
        }
    }

    /// Room for one more message or status; counts it as left when there is none.
    fn room(&mut self) -> bool {
        let taken = self.out.events.len() < MAX_EVENTS_PER_BODY;
        if !taken {
            self.left += 1;
        }
        taken
    }

    fn finish(mut self) -> Notification {
        if self.unlisted > 0 {
            let more = format!("{} more problems", self.unlisted);
            self.out.problems.push(more);
        }
        if self.left > 0 {
            let left = format!(
                "{} messages and statuses past the first {MAX_EVENTS_PER_BODY} of this body were not taken",
                self.left
            );
            self.out.problems.push(left);
        }
        self.out
    }
}

/// A parse error as the dead-letter record and the log keep it: serde quotes the offending
/// value ("invalid type: string \"6371051203190001\""), and a value may be a NIK, a name or a
/// phone number, so quoted text and long digit runs are masked.
/// What a body holds of one party, `wa_id`: its messages, its contact entry and the statuses
/// of messages sent to it, at `entry[].changes[].value`.
fn parts_of_party(value: &mut Value, wa_id: &str, mut found: impl FnMut(&str, Value)) {
    let Some(entries) = value.get_mut("entry").and_then(Value::as_array_mut) else {
        return;
    };
    for entry in entries {
        let Some(changes) = entry.get_mut("changes").and_then(Value::as_array_mut) else {
            continue;
        };
        for change in changes {
            let Some(value) = change.get_mut("value").and_then(Value::as_object_mut) else {
                continue;
            };
            for (list, field) in [
                ("messages", "from"),
                ("contacts", "wa_id"),
                ("statuses", "recipient_id"),
            ] {
                if let Some(items) = value.get_mut(list).and_then(Value::as_array_mut) {
                    let (theirs, others): (Vec<Value>, Vec<Value>) = std::mem::take(items)
                        .into_iter()
                        .partition(|item| item.get(field).and_then(Value::as_str) == Some(wa_id));
                    *items = others;
                    for item in theirs {
                        found(list, item);
                    }
                }
            }
        }
    }
}

/// The messages `wa_id` sent in a journal body, as Meta sent them (for a data export).
pub fn messages_from(body: &[u8], wa_id: &str) -> Vec<Value> {
    let Ok(mut value) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    parts_of_party(&mut value, wa_id, |list, item| {
        if list == "messages" {
            out.push(item);
        }
    });
    out
}

/// A journal body without anything of `wa_id` (for an erasure): `Ok(None)` when it held
/// nothing of theirs, `Ok(Some(rest))` otherwise (`rest` may hold nothing at all). A body
/// that is not JSON is an error: it cannot be told whose it is.
pub fn without_party(body: &[u8], wa_id: &str) -> Result<Option<Vec<u8>>, serde_json::Error> {
    let mut value: Value = serde_json::from_slice(body)?;
    let mut theirs = 0;
    parts_of_party(&mut value, wa_id, |_, _| theirs += 1);
    if theirs == 0 {
        return Ok(None);
    }
    serde_json::to_vec(&value).map(Some)
}

fn without_values(error: impl std::fmt::Display) -> String {
    let text = error.to_string();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                // Skip to the closing quote (escapes included).
                let mut escaped = false;
                for d in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == '"' {
                        break;
                    }
                }
                out.push_str("\"…\"");
            }
            d if d.is_ascii_digit() => {
                let mut run = String::from(d);
                while let Some(n) = chars.next_if(char::is_ascii_digit) {
                    run.push(n);
                }
                // Line and column numbers stay; a NIK, a KK or a phone number does not.
                if run.len() >= 6 {
                    out.push('#');
                } else {
                    out.push_str(&run);
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn read_value(value: Option<&RawValue>, at: &str, out: &mut Reading) {
    let Some(value) = value else {
        return out.problem(format!("{at}.value is missing"));
    };
    let value: WireValue = match serde_json::from_str(value.get()) {
        Ok(v) => v,
        Err(err) => {
            return out.problem(format!("{at}.value: {}", without_values(err)));
        }
    };
    let phone_number_id = value.metadata.and_then(|m| m.phone_number_id);
    // Senders by identifier (the first listing wins), so many messages and many contacts in
    // one value cost one pass each, not one pass per message.
    let mut senders: HashMap<(bool, &str), &WireContact> = HashMap::new();
    for c in &value.contacts {
        if let Some(wa_id) = c.wa_id.as_deref() {
            senders.entry((true, wa_id)).or_insert(c);
        }
        if let Some(user_id) = c.user_id.as_deref() {
            senders.entry((false, user_id)).or_insert(c);
        }
    }
    for (i, raw) in value.messages.into_iter().enumerate() {
        if !out.room() {
            continue;
        }
        let at = format!("{at}.value.messages[{i}]");
        match serde_json::from_str::<WireMessage>(raw.get()) {
            Ok(wire) => match message(wire, &senders, phone_number_id.clone()) {
                Ok(m) => out.out.events.push(Event::Message(m)),
                Err(why) => out.problem(format!("{at}: {}", without_values(why))),
            },
            Err(err) => out.problem(format!("{at}: {}", without_values(err))),
        }
    }
    for (i, raw) in value.statuses.into_iter().enumerate() {
        if !out.room() {
            continue;
        }
        let at = format!("{at}.value.statuses[{i}]");
        match serde_json::from_str::<WireStatus>(raw.get()) {
            Ok(wire) => match status(wire) {
                Ok(s) => out.out.events.push(Event::Status(s)),
                Err(why) => out.problem(format!("{at}: {}", without_values(why))),
            },
            Err(err) => out.problem(format!("{at}: {}", without_values(err))),
        }
    }
    for raw in value.errors.into_iter().take(MAX_PROBLEMS) {
        out.out.events.push(Event::Error(wa_error(raw)));
    }
}

fn wa_error(raw: Value) -> WaError {
    let wire: WireError = serde_json::from_value(raw).unwrap_or_default();
    WaError {
        code: wire.code.unwrap_or(0),
        title: wire.title.or(wire.message),
        details: wire.error_data.and_then(|d| d.details),
    }
}

fn message(
    wire: WireMessage,
    senders: &HashMap<(bool, &str), &WireContact>,
    phone_number_id: Option<String>,
) -> Result<InboundMessage, String> {
    let id = wire
        .id
        .filter(|s| !s.is_empty())
        .ok_or("message without id")?;
    if wire.from.is_none() && wire.from_user_id.is_none() {
        return Err(format!("message {id} has neither from nor from_user_id"));
    }
    // Match the contact by identifier, never by index: one value may carry several senders.
    let contact = wire
        .from
        .as_deref()
        .and_then(|wa_id| senders.get(&(true, wa_id)))
        .or_else(|| {
            wire.from_user_id
                .as_deref()
                .and_then(|user_id| senders.get(&(false, user_id)))
        })
        .copied();
    let from = ContactRef {
        wa_id: wire
            .from
            .clone()
            .or_else(|| contact.and_then(|c| c.wa_id.clone())),
        user_id: wire
            .from_user_id
            .clone()
            .or_else(|| contact.and_then(|c| c.user_id.clone())),
        name: contact
            .and_then(|c| c.profile.as_ref())
            .and_then(|p| p.name.clone()),
    };
    let type_name = wire.kind.clone().unwrap_or_default();
    let media = |m: Option<WireMedia>| -> Option<(MediaAttachment, bool, bool)> {
        let m = m?;
        Some((
            MediaAttachment {
                id: m.id?,
                mime_type: m.mime_type,
                sha256: m.sha256,
                caption: m.caption,
                filename: m.filename,
            },
            m.voice,
            m.animated,
        ))
    };
    let unknown = || MessageKind::Unknown {
        type_name: type_name.clone(),
    };
    let kind = match type_name.as_str() {
        "text" => match wire.text.and_then(|t| t.body) {
            Some(body) => MessageKind::Text { body },
            None => unknown(),
        },
        "image" => {
            media(wire.image).map_or_else(unknown, |(media, _, _)| MessageKind::Image { media })
        }
        "document" => media(wire.document)
            .map_or_else(unknown, |(media, _, _)| MessageKind::Document { media }),
        "audio" => media(wire.audio).map_or_else(unknown, |(media, voice, _)| MessageKind::Audio {
            media,
            voice,
        }),
        "video" => {
            media(wire.video).map_or_else(unknown, |(media, _, _)| MessageKind::Video { media })
        }
        "sticker" => media(wire.sticker).map_or_else(unknown, |(media, _, animated)| {
            MessageKind::Sticker { media, animated }
        }),
        "location" => {
            let l = wire.location.unwrap_or_default();
            MessageKind::Location {
                latitude: l.latitude,
                longitude: l.longitude,
                name: l.name,
                address: l.address,
            }
        }
        "contacts" => MessageKind::Contacts {
            names: wire
                .contacts
                .unwrap_or_default()
                .iter()
                .filter_map(|c| c.pointer("/name/formatted_name").and_then(Value::as_str))
                .map(str::to_string)
                .collect(),
        },
        "interactive" => {
            let i = wire.interactive.unwrap_or_default();
            match (i.kind.as_deref(), i.button_reply, i.list_reply, i.nfm_reply) {
                (Some("button_reply"), Some(r), _, _) => MessageKind::ButtonReply {
                    id: r.id.unwrap_or_default(),
                    title: r.title.unwrap_or_default(),
                },
                (Some("list_reply"), _, Some(r), _) => MessageKind::ListReply {
                    id: r.id.unwrap_or_default(),
                    title: r.title.unwrap_or_default(),
                    description: r.description,
                },
                (Some("nfm_reply"), _, _, Some(r)) => MessageKind::FlowReply {
                    response_json: r.response_json.unwrap_or_default(),
                },
                (other, ..) => MessageKind::Unknown {
                    type_name: format!("interactive/{}", other.unwrap_or("?")),
                },
            }
        }
        "button" => {
            let b = wire.button.unwrap_or_default();
            MessageKind::TemplateButton {
                payload: b.payload.unwrap_or_default(),
                text: b.text.unwrap_or_default(),
            }
        }
        "reaction" => {
            let r = wire.reaction.unwrap_or_default();
            MessageKind::Reaction {
                message_id: r.message_id.unwrap_or_default(),
                emoji: r.emoji.filter(|e| !e.is_empty()),
            }
        }
        "order" => MessageKind::Order,
        "system" => {
            let s = wire.system.unwrap_or_default();
            MessageKind::System {
                body: s.body,
                kind: s.kind,
                new_wa_id: s.wa_id,
                new_user_id: s.user_id,
            }
        }
        "request_welcome" => MessageKind::RequestWelcome,
        "unsupported" => MessageKind::Unsupported {
            what: wire.unsupported.and_then(|u| u.kind),
            error_code: wire.errors.into_iter().next().map(|e| wa_error(e).code),
        },
        _ => unknown(),
    };
    let context = wire.context.unwrap_or_default();
    Ok(InboundMessage {
        id,
        from,
        timestamp: wire.timestamp.unwrap_or(0),
        kind,
        context_id: context.id,
        forwarded: context.forwarded || context.frequently_forwarded,
        phone_number_id,
    })
}

fn status(wire: WireStatus) -> Result<StatusUpdate, String> {
    let id = wire.id.ok_or("status without id")?;
    let raw = wire.status.unwrap_or_default();
    let status = DeliveryStatus::parse(&raw).ok_or(format!("unknown status {raw:?}"))?;
    Ok(StatusUpdate {
        id,
        status,
        timestamp: wire.timestamp.unwrap_or(0),
        recipient_id: wire.recipient_id,
        recipient_user_id: wire.recipient_user_id,
        errors: wire.errors.into_iter().map(wa_error).collect(),
        biz_opaque_callback_data: wire.biz_opaque_callback_data,
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn one_body_queues_at_most_a_thousand_events_and_lists_at_most_a_hundred_problems() {
        // 300 messages without an id, then 1,500 good ones.
        let messages: Vec<String> = (0..300)
            .map(|i| format!(r#"{{"from":"62811","timestamp":"1","type":"text","text":{{"body":"no id {i}"}}}}"#))
            .chain((0..1500).map(|i| {
                format!(r#"{{"from":"62811{i:07}","id":"wamid.{i}","timestamp":"1","type":"text","text":{{"body":"x"}}}}"#)
            }))
            .collect();
        let body = format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"changes":[{{"field":"messages","value":{{"messages":[{}]}}}}]}}]}}"#,
            messages.join(",")
        );
        let n = parse(body.as_bytes()).unwrap();
        assert_eq!(n.events.len(), MAX_EVENTS_PER_BODY);
        assert_eq!(n.problems.len(), MAX_PROBLEMS + 2);
        assert_eq!(n.problems[MAX_PROBLEMS], "200 more problems");
        assert_eq!(
            n.problems[MAX_PROBLEMS + 1],
            "500 messages and statuses past the first 1000 of this body were not taken"
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_is_not_repeated_in_the_dead_letter() {
        let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
            "messaging_product":"whatsapp","metadata":{"phone_number_id":"1"},
            "messages":[{"from":"6281234567890","id":"wamid.T","timestamp":"1","type":"text","text":"6371051203190001"},
                        {"from":"6281234567890","id":"wamid.U","timestamp":"1","type":"text","text":{"body":["Ahmad Fauzi"]}}]}}]}]}"#;
        let n = parse(body).unwrap();
        assert_eq!(n.problems.len(), 2, "{:?}", n.problems);
        for problem in &n.problems {
            for value in ["6371051203190001", "Ahmad Fauzi", "6281234567890"] {
                assert!(!problem.contains(value), "{value} in {problem}");
            }
            assert!(problem.contains("messages["), "still says where: {problem}");
        }
    }

    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/fixtures/wa/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(path).unwrap()
    }

    fn only_message(name: &str) -> InboundMessage {
        let n = parse(&fixture(name)).unwrap();
        assert!(n.problems.is_empty(), "{:?}", n.problems);
        match n.events.as_slice() {
            [Event::Message(m)] => m.clone(),
            other => panic!("expected one message, got {other:?}"),
        }
    }

    #[test]
    fn a_text_message_names_its_sender_by_phone_and_bsuid() {
        let m = only_message("text.json");
        assert!(matches!(m.kind, MessageKind::Text { .. }));
        assert_eq!(m.from.wa_id.as_deref(), Some("6281234567890"));
        assert_eq!(m.from.user_id.as_deref(), Some("ID.20481937465501928374"));
        assert_eq!(m.from.name.as_deref(), Some("Siti Rahmawati"));
        assert!(m.timestamp > 1_700_000_000);
    }

    #[test]
    fn every_message_fixture_becomes_its_own_kind() {
        for (file, kind) in [
            ("image.json", "image"),
            ("document_pdf.json", "document"),
            ("audio.json", "audio"),
            ("sticker.json", "sticker"),
            ("location.json", "location"),
            ("interactive_button_reply.json", "button_reply"),
            ("interactive_list_reply.json", "list_reply"),
            ("reaction.json", "reaction"),
            ("unsupported.json", "unsupported"),
        ] {
            assert_eq!(only_message(file).kind.name(), kind, "{file}");
        }
        let m = only_message("unsupported.json");
        assert_eq!(
            m.kind,
            MessageKind::Unsupported {
                what: Some("poll_creation".into()),
                error_code: Some(131051)
            }
        );
    }

    #[test]
    fn a_batch_yields_every_message_with_its_own_contact() {
        let n = parse(&fixture("batch_two_messages.json")).unwrap();
        let senders: Vec<_> = n
            .events
            .iter()
            .map(|e| match e {
                Event::Message(m) => (m.from.wa_id.clone().unwrap(), m.from.name.clone().unwrap()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            senders,
            vec![
                ("6281234567890".to_string(), "Siti Rahmawati".to_string()),
                ("6285712345678".to_string(), "Agus Santoso".to_string())
            ]
        );
    }

    #[test]
    fn statuses_keep_their_error_codes() {
        let n = parse(&fixture("status_failed.json")).unwrap();
        match n.events.as_slice() {
            [Event::Status(s)] => {
                assert_eq!(s.status, DeliveryStatus::Failed);
                assert_eq!(s.errors[0].code, 131047);
            }
            other => panic!("{other:?}"),
        }
        assert!(DeliveryStatus::Sent < DeliveryStatus::Delivered);
        assert!(DeliveryStatus::Delivered < DeliveryStatus::Read);
    }

    #[test]
    fn a_sender_known_only_by_bsuid_is_accepted() {
        let body = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{
            "contacts":[{"user_id":"ID.1","profile":{"name":"A"}}],
            "messages":[{"from_user_id":"ID.1","id":"wamid.X","timestamp":"5","type":"text","text":{"body":"hi"}}]}}]}]}"#;
        let m = match parse(body).unwrap().events.remove(0) {
            Event::Message(m) => m,
            other => panic!("{other:?}"),
        };
        assert_eq!(m.from.wa_id, None);
        assert_eq!(m.from.address(), Some("ID.1"));
    }

    #[test]
    fn unknown_types_and_broken_parts_do_not_fail_the_whole_body() {
        let body = br#"{"object":"whatsapp_business_account","entry":[{"changes":[
            {"field":"messages","value":{"messages":[
                {"from":"62811","id":"wamid.A","timestamp":"1","type":"hologram"},
                {"from":"62811","timestamp":"1","type":"text","text":{"body":"no id"}},
                {"from":"62811","id":"wamid.B","timestamp":"2","type":"text","text":{"body":"ok"}}]}},
            {"field":"account_update","value":{}}]}, 42]}"#;
        let n = parse(body).unwrap();
        assert_eq!(n.events.len(), 2);
        assert!(
            matches!(&n.events[0], Event::Message(m) if m.kind == MessageKind::Unknown { type_name: "hologram".into() })
        );
        assert_eq!(n.problems.len(), 3, "{:?}", n.problems);
    }

    #[test]
    fn non_whatsapp_bodies_are_errors() {
        assert!(matches!(parse(b"not json"), Err(ParseError::NotJson(_))));
        assert!(matches!(
            parse(br#"{"object":"page"}"#),
            Err(ParseError::NotWhatsApp(_))
        ));
    }
}
