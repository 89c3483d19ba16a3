//! Webhook bodies as Meta sends them (`whatsapp_business_account` notifications), built in one
//! place for every test and benchmark. The simulator builds its own (`loket::sim`), because it
//! plays Meta's side in the product.

use serde_json::{Value, json};

use crate::graph::PHONE_NUMBER_ID;

/// The WhatsApp Business Account id in the bodies.
pub const WABA_ID: &str = "104729385612345";
/// The business number shown in the bodies.
pub const DISPLAY_PHONE_NUMBER: &str = "6281100002222";

/// A webhook body with one message from `from` (phone) of the given type and payload.
pub fn message_body(id: &str, from: &str, timestamp: i64, kind: &str, payload: Value) -> Vec<u8> {
    message_body_to(PHONE_NUMBER_ID, id, from, timestamp, kind, payload)
}

/// The same, sent to another of the business's numbers (its phone number ID).
pub fn message_body_to(
    phone_number_id: &str,
    id: &str,
    from: &str,
    timestamp: i64,
    kind: &str,
    payload: Value,
) -> Vec<u8> {
    let mut message =
        json!({"from": from, "id": id, "timestamp": timestamp.to_string(), "type": kind});
    message[kind] = payload;
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": DISPLAY_PHONE_NUMBER, "phone_number_id": phone_number_id},
            "contacts": [{"profile": {"name": "Warga"}, "wa_id": from}],
            "messages": [message]
        }}]}]
    }))
    .unwrap_or_default()
}

/// A webhook body with one text message. Written without building a JSON tree, so a load
/// generator can make tens of thousands a second without taking the cores from loket.
pub fn text_body(id: &str, from: &str, timestamp: i64, text: &str) -> Vec<u8> {
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"{WABA_ID}","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"{DISPLAY_PHONE_NUMBER}","phone_number_id":"{PHONE_NUMBER_ID}"}},"contacts":[{{"profile":{{"name":"Warga"}},"wa_id":{from}}}],"messages":[{{"from":{from},"id":{id},"timestamp":"{timestamp}","type":"text","text":{{"body":{text}}}}}]}}}}]}}]}}"#,
        from = quote(from),
        id = quote(id),
        text = quote(text),
    )
    .into_bytes()
}

/// A webhook body with one status callback: message `wamid` (one we sent to `recipient`)
/// reached `status` (`sent`, `delivered`, `read`, `failed`).
pub fn status_body(wamid: &str, recipient: &str, status: &str, timestamp: i64) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": DISPLAY_PHONE_NUMBER, "phone_number_id": PHONE_NUMBER_ID},
            "statuses": [{"id": wamid, "status": status, "timestamp": timestamp.to_string(),
                          "recipient_id": recipient}]
        }}]}]
    }))
    .unwrap_or_default()
}

/// Now, in Unix seconds (a message's `timestamp`).
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// A webhook body with its message timestamps moved to now, so the 24-hour window is open.
pub fn fresh(body: &[u8]) -> Vec<u8> {
    let Ok(mut value) = serde_json::from_slice::<Value>(body) else {
        return body.to_vec();
    };
    for entry in value["entry"].as_array_mut().into_iter().flatten() {
        for change in entry["changes"].as_array_mut().into_iter().flatten() {
            for m in change["value"]["messages"]
                .as_array_mut()
                .into_iter()
                .flatten()
            {
                m["timestamp"] = json!(now().to_string());
            }
        }
    }
    serde_json::to_vec(&value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_body_is_the_same_notification_as_a_built_one() {
        let fast: Value =
            serde_json::from_slice(&text_body("wamid.1", "62811", 1700000000, "halo \"KIA\"\n"))
                .unwrap();
        let built: Value = serde_json::from_slice(&message_body(
            "wamid.1",
            "62811",
            1700000000,
            "text",
            json!({"body": "halo \"KIA\"\n"}),
        ))
        .unwrap();
        assert_eq!(fast, built);
    }
}
