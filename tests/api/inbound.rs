//! Webhooks in: the handshake, signatures, limits, every payload of the contract,
//! deduplication and per-sender ordering.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn the_handshake_echoes_the_challenge_only_for_the_right_token() {
    let app = spawn_app().await;
    let query = std::fs::read_to_string(format!(
        "{}/fixtures/wa/verification.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let query = query
        .lines()
        .find(|l| l.contains("hub.challenge"))
        .unwrap()
        .trim()
        .trim_start_matches("GET /webhook?")
        .trim_start_matches('?')
        .to_string();
    let ok = app.get(&format!("/webhook?{query}")).await;
    assert_eq!(ok.status(), 200);
    assert!(
        ok.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(ok.text().await.unwrap(), "1158201444");

    let wrong = app
        .get("/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1")
        .await;
    assert_eq!(wrong.status(), 403);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"]["code"], "forbidden");
    let wrong_mode = app
        .get(&format!(
            "/webhook?hub.mode=unsubscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1"
        ))
        .await;
    assert_eq!(wrong_mode.status(), 403);
    app.stop().await;
}

#[tokio::test]
async fn missing_or_forged_signatures_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let body = fixture("text.json");
    let missing = app.post_webhook(&body, None).await;
    assert_eq!(missing.status(), 401);
    let forged = loket::channel::signature::sign(b"not-the-secret", &body);
    let response = app.post_webhook(&body, Some(&forged)).await;
    assert_eq!(response.status(), 403);
    let json: Value = response.json().await.unwrap();
    assert_eq!(json["error"]["code"], "forbidden");
    let garbage = app.post_webhook(&body, Some("sha256=xyz")).await;
    assert_eq!(garbage.status(), 403);
    assert_eq!(
        app.store.journal().count(),
        0,
        "nothing stored for unsigned bodies"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_with_a_json_error() {
    let app = spawn_app().await;
    let big = vec![b' '; 3 * 1024 * 1024 + 1];
    let response = app.post_signed(&big).await;
    assert_eq!(response.status(), 413);
    let json: Value = response.json().await.unwrap();
    assert_eq!(json["error"]["code"], "payload_too_large");
    assert_eq!(app.store.journal().count(), 0);
    app.stop().await;
}

#[tokio::test]
async fn every_fixture_is_acknowledged_and_every_message_in_it_is_processed() {
    let app = spawn_app().await;
    let fixtures = [
        "text.json",
        "image.json",
        "document_pdf.json",
        "interactive_button_reply.json",
        "interactive_list_reply.json",
        "location.json",
        "audio.json",
        "sticker.json",
        "reaction.json",
        "unsupported.json",
        "status_sent.json",
        "status_delivered.json",
        "status_read.json",
        "status_failed.json",
        "batch_two_messages.json",
    ];
    app.graph.add_media(
        "1592837465019283",
        b"\xff\xd8\xff\xe0fake-jpeg".to_vec(),
        "image/jpeg",
    );
    app.graph.add_media(
        "2048573619204857",
        b"%PDF-1.4 fake".to_vec(),
        "application/pdf",
    );
    app.graph.add_media(
        "5930184726501938",
        b"\xff\xd8\xff\xe0another".to_vec(),
        "image/jpeg",
    );
    let mut wamids = Vec::new();
    for name in fixtures {
        let body = fresh(&fixture(name));
        let response = app.post_signed(&body).await;
        assert_eq!(response.status(), 200, "{name}");
        let parsed: Value = serde_json::from_slice(&body).unwrap();
        for m in parsed["entry"][0]["changes"][0]["value"]["messages"]
            .as_array()
            .into_iter()
            .flatten()
        {
            wamids.push(m["id"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(wamids.len(), 12);
    app.eventually("every message is marked read", |app| {
        let read = app.graph.read_receipts();
        wamids.iter().all(|w| read.contains(w))
    })
    .await;
    for w in &wamids {
        assert!(app.store.processed(w).unwrap().is_some(), "{w} processed");
    }
    // The greeting answers texts; the PDF gets a polite request for a photo. Read receipts
    // leave before the replies of the same batch, so the replies may still be on their way.
    app.eventually("the replies are sent", |app| {
        let texts = app.graph.texts_to("6281234567890");
        texts.iter().any(|t| t.contains("Disdukcapil"))
            && texts.iter().any(|t| t.contains("bukan foto"))
    })
    .await;
    let texts = app.graph.texts_to("6281234567890");
    assert!(texts.iter().any(|t| t.contains("Disdukcapil")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("bukan foto")), "{texts:?}");
    app.stop().await;
}

#[tokio::test]
async fn the_same_message_delivered_concurrently_is_processed_once() {
    let app = spawn_app().await;
    let body = text_body("wamid.dup.1", "6281111111111", now(), "halo");
    let responses = join_all((0..20).map(|_| app.post_signed(&body))).await;
    assert!(responses.iter().all(|r| r.status() == 200));
    app.eventually("the message is handled", |app| {
        app.graph
            .read_receipts()
            .contains(&"wamid.dup.1".to_string())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(
        app.graph
            .read_receipts()
            .iter()
            .filter(|w| *w == "wamid.dup.1")
            .count(),
        1
    );
    assert_eq!(
        app.graph.texts_to("6281111111111").len(),
        1,
        "one greeting, not twenty: {:#?}",
        app.graph.sent()
    );
    assert_eq!(
        app.store.journal().count(),
        20,
        "every delivery is journaled"
    );
    app.stop().await;
}

#[tokio::test]
async fn photos_sent_together_are_seen_in_timestamp_order() {
    let app = spawn_app().await;
    for i in 0..3 {
        app.graph.add_media(
            &format!("77{i}"),
            format!("jpeg-{i}").into_bytes(),
            "image/jpeg",
        );
    }
    // Sent at t, t+1, t+2 but POSTed at once, newest first.
    let bodies: Vec<Vec<u8>> = (0..3)
        .rev()
        .map(|i| {
            message_body(
                &format!("wamid.photo.{i}"),
                "6282222222222",
                now() + i,
                "image",
                json!({"id": format!("77{i}"), "mime_type": "image/jpeg", "sha256": "x"}),
            )
        })
        .collect();
    let responses = join_all(bodies.iter().map(|b| app.post_signed(b))).await;
    assert!(responses.iter().all(|r| r.status() == 200));
    app.eventually("all three are marked read", |app| {
        app.graph.read_receipts().len() == 3
    })
    .await;
    assert_eq!(
        app.graph.read_receipts(),
        vec!["wamid.photo.0", "wamid.photo.1", "wamid.photo.2"]
    );
    app.stop().await;
}

#[tokio::test]
async fn signed_but_unreadable_bodies_are_acknowledged_and_kept_as_dead_letters() {
    let app = spawn_app().await;
    for body in [&b"{not json"[..], br#"{"object":"page","entry":[]}"#, br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":"text"}]}}]}]}"#] {
        let response = app.post_signed(body).await;
        assert_eq!(response.status(), 200);
    }
    let letters = app.store.dead_letters().unwrap();
    assert_eq!(letters.len(), 3);
    assert!(
        letters[0].reasons[0].contains("not JSON"),
        "{:?}",
        letters[0]
    );
    app.stop().await;
}

#[tokio::test]
async fn statuses_only_move_forward_and_failures_keep_their_code() {
    let app = spawn_app().await;
    // read arrives before delivered and sent.
    for name in [
        "status_read.json",
        "status_delivered.json",
        "status_sent.json",
    ] {
        assert_eq!(app.post_signed(&fixture(name)).await.status(), 200);
    }
    let wamid = "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEkM3RTFBOUQwNTVCMjQxRjYzQQA=";
    let status = app.store.status(wamid).unwrap().unwrap();
    assert_eq!(status.status, loket::domain::event::DeliveryStatus::Read);

    assert_eq!(
        app.post_signed(&fixture("status_failed.json"))
            .await
            .status(),
        200
    );
    let failed = app
        .store
        .status("wamid.HBgNNjI4NTcxMjM0NTY3OBUCABEYEkU5QzNBMTdGMjI0QjgwRDZFMQA=")
        .unwrap()
        .unwrap();
    assert_eq!(failed.status, loket::domain::event::DeliveryStatus::Failed);
    assert_eq!(failed.errors[0].code, 131047);
    app.stop().await;
}

#[tokio::test]
async fn health_and_unknown_routes_answer_json() {
    let app = spawn_app().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    let body: Value = health.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    let missing = app.get("/no/such/page").await;
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    app.stop().await;
}
