//! Webhook bodies exactly in Meta's envelope (docs/whatsapp-cloud-api.md §3-§5), written the
//! way Meta writes them: compact JSON with every non-ASCII character escaped as `\uXXXX`.

use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::state::Content;

/// The business side of every envelope.
#[derive(Debug, Clone)]
pub(crate) struct Business {
    pub waba_id: String,
    pub phone_number_id: String,
    pub display_phone_number: String,
}

/// A parent as `contacts[]` describes them.
#[derive(Debug, Clone)]
pub(crate) struct Parent<'a> {
    pub phone: &'a str,
    pub name: &'a str,
}

/// A business-scoped user id (BSUID, 2026) derived from the phone, so it is stable per parent
/// and across restarts, like Meta's.
pub(crate) fn user_id_for(phone: &str) -> String {
    let digest = Sha256::digest(phone.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    format!("ID.{:020}", u64::from_be_bytes(first))
}

/// Meta's `sha256` in webhooks: base64 of the SHA-256 digest (media info uses hex).
#[cfg(test)]
pub(crate) fn sha256_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

#[cfg(test)]
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// (base64, hex) of the SHA-256 of `bytes`, hashed once.
pub(crate) fn sha256_both(bytes: &[u8]) -> (String, String) {
    let digest = Sha256::digest(bytes);
    (
        base64::engine::general_purpose::STANDARD.encode(digest),
        hex::encode(digest),
    )
}

/// One message from a parent, before it is written as `messages[]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Inbound<'a> {
    pub wamid: &'a str,
    pub timestamp: i64,
    pub content: &'a Content,
    /// base64 SHA-256 of the media bytes.
    pub media_sha256: Option<&'a str>,
    pub reply_to: Option<&'a str>,
}

/// The `messages[]` item for something a parent sent; `None` for content only loket sends.
/// `media_base` is the origin the simulator's media URLs start with.
pub(crate) fn inbound_message(
    business: &Business,
    parent: &Parent<'_>,
    inbound: &Inbound<'_>,
    media_base: &str,
) -> Option<Value> {
    let Inbound {
        wamid,
        timestamp,
        content,
        media_sha256,
        reply_to,
    } = *inbound;
    let mut message = json!({
        "from": parent.phone,
        "from_user_id": user_id_for(parent.phone),
        "id": wamid,
        "timestamp": timestamp.to_string(),
    });
    let media_url = |id: &str| format!("{media_base}/sim/media/{id}");
    match content {
        Content::Text { body } => {
            message["type"] = json!("text");
            message["text"] = json!({ "body": body });
        }
        Content::Image {
            media_id,
            mime_type,
            caption,
            ..
        } => {
            message["type"] = json!("image");
            let mut image = json!({
                "id": media_id,
                "mime_type": mime_type,
                "sha256": media_sha256.unwrap_or_default(),
                "url": media_url(media_id),
            });
            if let Some(caption) = caption {
                image["caption"] = json!(caption);
            }
            message["image"] = image;
        }
        Content::Document {
            media_id,
            mime_type,
            filename,
            caption,
            ..
        } => {
            message["type"] = json!("document");
            let mut document = json!({
                "id": media_id,
                "mime_type": mime_type,
                "sha256": media_sha256.unwrap_or_default(),
                "filename": filename,
                "url": media_url(media_id),
            });
            if let Some(caption) = caption {
                document["caption"] = json!(caption);
            }
            message["document"] = document;
        }
        Content::ButtonReply { id, title } => {
            message["type"] = json!("interactive");
            message["interactive"] = json!({
                "type": "button_reply",
                "button_reply": { "id": id, "title": title },
            });
        }
        Content::ListReply {
            id,
            title,
            description,
        } => {
            message["type"] = json!("interactive");
            let mut reply = json!({ "id": id, "title": title });
            if let Some(description) = description {
                reply["description"] = json!(description);
            }
            message["interactive"] = json!({ "type": "list_reply", "list_reply": reply });
        }
        Content::Buttons { .. } | Content::List { .. } | Content::Template { .. } => return None,
    }
    if let Some(id) = reply_to {
        message["context"] = json!({ "from": business.display_phone_number, "id": id });
    }
    Some(message)
}

fn envelope(business: &Business, mut value: Value) -> Value {
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] = json!({
        "display_phone_number": business.display_phone_number,
        "phone_number_id": business.phone_number_id,
    });
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": business.waba_id,
            "changes": [{ "field": "messages", "value": value }],
        }],
    })
}

fn contact(parent: &Parent<'_>) -> Value {
    json!({
        "profile": { "name": parent.name },
        "wa_id": parent.phone,
        "user_id": user_id_for(parent.phone),
    })
}

/// A notification carrying one message from a parent.
pub(crate) fn message_envelope(business: &Business, parent: &Parent<'_>, message: Value) -> Value {
    envelope(
        business,
        json!({ "contacts": [contact(parent)], "messages": [message] }),
    )
}

/// Why an outbound message failed, as in `statuses[].errors[]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    pub code: i64,
    pub title: String,
    pub details: String,
}

/// A status callback for a message loket sent.
pub(crate) fn status_envelope(
    business: &Business,
    parent: &Parent<'_>,
    wamid: &str,
    status: &str,
    timestamp: i64,
    template: bool,
    failure: Option<&Failure>,
) -> Value {
    let mut item = json!({
        "id": wamid,
        "status": status,
        "timestamp": timestamp.to_string(),
        "recipient_id": parent.phone,
        "recipient_user_id": user_id_for(parent.phone),
    });
    let mut value = json!({});
    match failure {
        // Failed statuses carry no pricing and no contacts (§5).
        Some(failure) => {
            item["errors"] = json!([{
                "code": failure.code,
                "title": failure.title,
                "message": failure.title,
                "error_data": { "details": failure.details },
            }]);
        }
        None => {
            let (category, kind) = if template {
                ("utility", "regular")
            } else {
                ("service", "free_customer_service")
            };
            item["pricing"] = json!({
                "billable": false,
                "pricing_model": "PMP",
                "category": category,
                "type": kind,
            });
            value["contacts"] = json!([contact(parent)]);
        }
    }
    value["statuses"] = json!([item]);
    envelope(business, value)
}

/// Compact JSON with non-ASCII written as `\uXXXX` (lowercase hex, surrogate pairs), as Meta
/// sends it. serde_json emits non-ASCII only inside strings, so escaping per character is safe.
pub(crate) fn to_wire(value: &Value) -> Vec<u8> {
    crate::channel::signature::escape_non_ascii(&value.to_string()).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn business() -> Business {
        Business {
            waba_id: "100000000000002".into(),
            phone_number_id: "100000000000001".into(),
            display_phone_number: "6281100000001".into(),
        }
    }

    const PARENT: Parent<'static> = Parent {
        phone: "6281234567890",
        name: "Siti Rahmawati",
    };

    #[test]
    fn a_text_message_has_the_shape_of_the_fixture() {
        let message = inbound_message(
            &business(),
            &PARENT,
            &Inbound {
                wamid: "wamid.SIM1",
                timestamp: 1787400240,
                content: &Content::Text {
                    body: "halo".into(),
                },
                media_sha256: None,
                reply_to: None,
            },
            "http://127.0.0.1:1",
        )
        .unwrap();
        let body = message_envelope(&business(), &PARENT, message);
        let fixture: Value =
            serde_json::from_str(include_str!("../../fixtures/wa/text.json")).unwrap();
        // Same keys at every level as Meta's sample (values differ).
        fn keys(v: &Value) -> Vec<String> {
            match v {
                Value::Object(map) => map
                    .iter()
                    .flat_map(|(k, v)| {
                        std::iter::once(k.clone())
                            .chain(keys(v).into_iter().map(move |s| format!("{k}.{s}")))
                    })
                    .collect(),
                Value::Array(items) => items.iter().flat_map(keys).collect(),
                _ => vec![],
            }
        }
        let mut ours = keys(&body);
        let mut theirs = keys(&fixture);
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs);
        assert_eq!(
            body["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"],
            "1787400240"
        );
        assert_eq!(
            body["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"],
            "100000000000001"
        );
    }

    #[test]
    fn media_and_replies_carry_what_loket_needs() {
        let image = inbound_message(
            &business(),
            &PARENT,
            &Inbound {
                wamid: "wamid.SIM2",
                timestamp: 1,
                content: &Content::Image {
                    media_id: "42".into(),
                    mime_type: "image/jpeg".into(),
                    caption: Some("kk".into()),
                    size: 3,
                },
                media_sha256: Some(&sha256_base64(b"abc")),
                reply_to: None,
            },
            "http://127.0.0.1:9",
        )
        .unwrap();
        assert_eq!(image["type"], "image");
        assert_eq!(image["image"]["id"], "42");
        assert_eq!(image["image"]["caption"], "kk");
        assert_eq!(
            image["image"]["sha256"],
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
        assert_eq!(image["image"]["url"], "http://127.0.0.1:9/sim/media/42");

        let reply = inbound_message(
            &business(),
            &PARENT,
            &Inbound {
                wamid: "wamid.SIM3",
                timestamp: 1,
                content: &Content::ListReply {
                    id: "kia".into(),
                    title: "KIA (Kartu Anak)".into(),
                    description: None,
                },
                media_sha256: None,
                reply_to: Some("wamid.SIMbot"),
            },
            "",
        )
        .unwrap();
        assert_eq!(reply["interactive"]["type"], "list_reply");
        assert_eq!(reply["interactive"]["list_reply"]["id"], "kia");
        assert_eq!(reply["context"]["id"], "wamid.SIMbot");
        assert_eq!(reply["context"]["from"], "6281100000001");
    }

    #[test]
    fn statuses_follow_the_contract_and_failures_carry_the_code() {
        let read = status_envelope(&business(), &PARENT, "wamid.X", "read", 7, false, None);
        let item = &read["entry"][0]["changes"][0]["value"]["statuses"][0];
        assert_eq!(item["status"], "read");
        assert_eq!(item["recipient_id"], "6281234567890");
        assert_eq!(item["pricing"]["category"], "service");
        let failure = Failure {
            code: 131047,
            title: "Re-engagement message".into(),
            details: "24 hours".into(),
        };
        let failed = status_envelope(
            &business(),
            &PARENT,
            "wamid.X",
            "failed",
            7,
            false,
            Some(&failure),
        );
        let value = &failed["entry"][0]["changes"][0]["value"];
        assert_eq!(value["statuses"][0]["errors"][0]["code"], 131047);
        assert!(value.get("contacts").is_none());
        assert!(value["statuses"][0].get("pricing").is_none());
    }

    #[test]
    fn the_wire_form_is_ascii_and_verifies_like_metas() {
        let value = json!({"text": "Terima kasih 👍 café"});
        let wire = to_wire(&value);
        assert!(wire.is_ascii());
        assert_eq!(
            String::from_utf8(wire.clone()).unwrap(),
            r#"{"text":"Terima kasih \ud83d\udc4d caf\u00e9"}"#
        );
        let back: Value = serde_json::from_slice(&wire).unwrap();
        assert_eq!(back, value);
        let header = crate::channel::signature::sign(b"s", &wire);
        assert_eq!(
            crate::channel::signature::verify(b"s", &wire, Some(&header)),
            Ok(())
        );
    }

    #[test]
    fn user_ids_look_like_bsuids_and_are_stable() {
        let id = user_id_for("6281234567890");
        assert!(id.starts_with("ID."));
        assert_eq!(id.len(), 23);
        assert_eq!(id, user_id_for("6281234567890"));
        assert_ne!(id, user_id_for("6281234567891"));
    }
}
