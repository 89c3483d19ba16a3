//! Calls out: replies through the outbox, retries, permanent failures, media downloads.

use std::time::Duration;

use loket::store::OutboxOutcome;
use serde_json::{Value, json};

use crate::helpers::*;

fn finished_failures(app: &TestApp) -> Vec<(Option<i64>, String)> {
    app.store
        .outbox_history(100)
        .unwrap()
        .into_iter()
        .filter_map(|r| match r.outcome {
            OutboxOutcome::Failed { code, .. } => Some((code, r.item.to)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn transient_graph_failures_are_retried_until_the_reply_goes_out() {
    let app = spawn_app().await;
    // An outage (503), then throttling (130429) and the pair-rate limit's cousin 131016.
    app.graph
        .fail_next_sends(&[(503, 2), (400, 130429), (400, 131016)]);
    assert_eq!(
        app.post_signed(&text_body("wamid.retry.1", "6283333333333", now(), "halo"))
            .await
            .status(),
        200
    );
    app.eventually("the greeting arrives after retries", |app| {
        !app.graph.texts_to("6283333333333").is_empty()
    })
    .await;
    assert!(
        app.graph
            .read_receipts()
            .contains(&"wamid.retry.1".to_string())
    );
    assert!(finished_failures(&app).is_empty());
    app.stop().await;
}

#[tokio::test]
async fn replies_wait_out_a_long_graph_outage_and_go_when_it_ends() {
    // Twelve failed sends in a row: more than the eight attempts a reply used to get before it
    // was given up (about four minutes of an outage at the real pace; milliseconds here).
    let app = spawn_app_with(Options {
        extra_env: vec![("WA_SEND_FIRST_RETRY_MS", "5".into())],
        ..Options::without_read_receipts()
    })
    .await;
    let mut outage = vec![(503, 2); 10];
    outage.extend([(500, 1), (400, 130429)]);
    app.graph.fail_next_sends(&outage);
    assert_eq!(
        app.post_signed(&text_body("wamid.outage.1", "6283333333334", now(), "halo"))
            .await
            .status(),
        200
    );
    app.eventually("the greeting arrives once the outage is over", |app| {
        !app.graph.texts_to("6283333333334").is_empty()
    })
    .await;
    assert!(finished_failures(&app).is_empty(), "nothing was given up");
    app.stop().await;
}

#[tokio::test]
async fn a_permanent_failure_is_recorded_with_its_code_and_not_retried() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    app.graph.fail_next_sends(&[(400, 131026)]);
    assert_eq!(
        app.post_signed(&text_body("wamid.perm.1", "6284444444444", now(), "halo"))
            .await
            .status(),
        200
    );
    app.eventually("the failure is recorded", |app| {
        !finished_failures(app).is_empty()
    })
    .await;
    assert_eq!(
        finished_failures(&app),
        vec![(Some(131026), "6284444444444".to_string())]
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        app.graph.texts_to("6284444444444").is_empty(),
        "not retried"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_timestamp_from_the_far_future_neither_mutes_the_sender_nor_holds_the_window_open() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    // i64::MAX seconds would overflow the window's end; a year ahead would keep it open.
    for (wamid, from, timestamp) in [
        ("wamid.future.1", "6285555555501", i64::MAX),
        ("wamid.future.2", "6285555555502", now() + 365 * 24 * 3600),
    ] {
        let body = text_body(wamid, from, timestamp, "halo");
        assert_eq!(app.post_signed(&body).await.status(), 200);
        app.eventually("the greeting is sent", |app| {
            !app.graph.texts_to(from).is_empty()
        })
        .await;
        let contact = app
            .store
            .contact_by_phone(Some(PHONE_NUMBER_ID), from)
            .unwrap()
            .unwrap();
        let closes = contact.window_closes_at().unwrap();
        assert!(
            closes <= now() + 24 * 3600 + 600,
            "{from}: window closes {} s from now",
            closes - now()
        );
    }
    assert!(finished_failures(&app).is_empty());
    app.stop().await;
}

#[tokio::test]
async fn media_is_fetched_with_the_token_and_an_expired_url_is_refreshed_once() {
    let app = spawn_app().await;
    let photo = b"\xff\xd8\xff\xe0 a photo of a KK".to_vec();
    app.graph.add_media("880001", photo.clone(), "image/jpeg");
    app.graph.expire_next_downloads("880001", 1);
    let body = message_body(
        "wamid.media.1",
        "6286666666666",
        now(),
        "image",
        json!({"id": "880001", "mime_type": "image/jpeg", "sha256": "x"}),
    );
    assert_eq!(app.post_signed(&body).await.status(), 200);
    app.eventually("the photo is handled", |app| {
        app.graph
            .read_receipts()
            .contains(&"wamid.media.1".to_string())
    })
    .await;
    assert_eq!(
        app.graph.media_info_calls("880001"),
        2,
        "the URL was refreshed once"
    );
    assert_eq!(app.graph.download_calls("880001"), 2);
    assert_eq!(app.graph.downloads_without_auth(), 0);
    let hash = loket::store::BlobStore::hash(&photo);
    let record: Value =
        serde_json::to_value(app.store.media_record("880001").unwrap().unwrap()).unwrap();
    assert_eq!(record["sha256"], json!(hash), "stored whole: {record}");
    // No request asked for it, so the file (with whatever EXIF it has) is not kept.
    app.eventually("the unasked-for photo is deleted", |app| {
        app.store.blobs().get(&hash).unwrap().is_none()
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn media_that_cannot_be_fetched_is_recorded_unavailable_without_endless_retries() {
    let app = spawn_app().await;
    app.graph.add_media("880002", b"x".to_vec(), "image/jpeg");
    app.graph.expire_next_downloads("880002", 100);
    let body = message_body(
        "wamid.media.2",
        "6287777777777",
        now(),
        "image",
        json!({"id": "880002", "mime_type": "image/jpeg"}),
    );
    assert_eq!(app.post_signed(&body).await.status(), 200);
    app.eventually("the message is handled anyway", |app| {
        app.graph
            .read_receipts()
            .contains(&"wamid.media.2".to_string())
    })
    .await;
    assert_eq!(
        app.graph.download_calls("880002"),
        2,
        "one refresh, then given up"
    );
    let record: serde_json::Value =
        serde_json::to_value(app.store.media_record("880002").unwrap().unwrap()).unwrap();
    assert_eq!(record["state"], "unavailable");
    app.stop().await;
}

#[tokio::test]
async fn media_larger_than_the_limit_is_refused_before_download() {
    let app = spawn_app_with(Options {
        extra_env: vec![("LOKET_MEDIA_MAX_BYTES", "1000".into())],
        ..Options::default()
    })
    .await;
    app.graph.add_media("880003", vec![0u8; 5000], "image/jpeg");
    let body = message_body(
        "wamid.media.3",
        "6288888888888",
        now(),
        "image",
        json!({"id": "880003", "mime_type": "image/jpeg"}),
    );
    assert_eq!(app.post_signed(&body).await.status(), 200);
    app.eventually("handled", |app| {
        app.graph
            .read_receipts()
            .contains(&"wamid.media.3".to_string())
    })
    .await;
    assert_eq!(app.graph.download_calls("880003"), 0);
    app.eventually("the parent is told the file is too large", |app| {
        app.graph
            .texts_to("6288888888888")
            .iter()
            .any(|t| t.contains("Maaf, berkas Anda terlalu besar"))
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn media_behind_a_redirect_loop_is_told_as_whatsapps_failure_not_the_network() {
    let app = spawn_app().await;
    app.graph.add_media("880004", b"x".to_vec(), "image/jpeg");
    app.graph.loop_downloads("880004");
    let body = message_body(
        "wamid.media.4",
        "6288888888804",
        now(),
        "image",
        json!({"id": "880004", "mime_type": "image/jpeg"}),
    );
    assert_eq!(app.post_signed(&body).await.status(), 200);
    app.eventually("the parent is told WhatsApp did not hand it over", |app| {
        app.graph
            .texts_to("6288888888804")
            .iter()
            .any(|t| t.contains("server WhatsApp tidak menyerahkan foto Anda"))
    })
    .await;
    assert!(
        !app.graph
            .texts_to("6288888888804")
            .iter()
            .any(|t| t.contains("gangguan jaringan")),
        "not a network problem"
    );
    app.stop().await;
}

#[tokio::test]
async fn acknowledged_messages_survive_a_restart_before_they_are_handled() {
    let dir = tempfile::tempdir().unwrap();
    // A Graph that is down: nothing can be sent in the first life.
    let app = spawn_app_with(Options {
        data_dir: Some(dir.path().to_path_buf()),
        ..Options::default()
    })
    .await;
    app.graph.fail_next_sends(&[(503, 2); 50]);
    assert_eq!(
        app.post_signed(&text_body(
            "wamid.restart.1",
            "6289999999999",
            now(),
            "halo"
        ))
        .await
        .status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    app.stop().await;

    let app = spawn_app_with(Options {
        data_dir: Some(dir.path().to_path_buf()),
        ..Options::default()
    })
    .await;
    app.eventually("the queued replies go out after the restart", |app| {
        app.graph
            .read_receipts()
            .contains(&"wamid.restart.1".to_string())
            && !app.graph.texts_to("6289999999999").is_empty()
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn the_graph_stand_in_refuses_a_send_meta_would_refuse() {
    let graph = loket_testkit::graph::GraphStandIn::start().await;
    let four_buttons: Vec<Value> = (0..4)
        .map(|i| json!({"type": "reply", "reply": {"id": format!("b{i}"), "title": "Pilih"}}))
        .collect();
    let answer = reqwest::Client::new()
        .post(format!(
            "{}/{}/messages",
            graph.base_url,
            loket_testkit::graph::PHONE_NUMBER_ID
        ))
        .bearer_auth(loket_testkit::graph::TOKEN)
        .json(&json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": "6281234567890",
            "type": "interactive",
            "interactive": {"type": "button", "body": {"text": "Pilih"}, "action": {"buttons": four_buttons}}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let body: Value = answer.json().await.unwrap();
    assert!(body["error"]["code"].is_i64(), "{body}");
    assert!(graph.sent().is_empty(), "a refused send is not recorded");
    graph.stop().await;
}

#[tokio::test]
async fn each_business_number_answers_from_itself_in_its_own_conversation() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let parent = "6285555555560";
    // The death-certificate number of the built-in numbers.toml: its greeting and service.
    let body = message_body_to(
        SECOND_PHONE_NUMBER_ID,
        "wamid.numbers.1",
        parent,
        now(),
        "text",
        json!({"body": "halo"}),
    );
    assert_eq!(app.post_signed(&body).await.status(), 200);
    app.eventually("the death-certificate number answers", |app| {
        !app.graph.sent_from(SECOND_PHONE_NUMBER_ID).is_empty()
    })
    .await;
    let from_second = app.graph.sent_from(SECOND_PHONE_NUMBER_ID).to_vec();
    let text = from_second[0].to_string();
    assert!(text.contains("akta kematian"), "{text}");
    assert!(!text.contains("KIA (Kartu Anak)"), "{text}");
    assert!(app.graph.sent_from(PHONE_NUMBER_ID).is_empty());

    // The same parent on the main number (not in numbers.toml): a conversation of its own,
    // answered from that number, with every service.
    let body = text_body("wamid.numbers.2", parent, now(), "halo");
    assert_eq!(app.post_signed(&body).await.status(), 200);
    app.eventually("the main number answers", |app| {
        !app.graph.sent_from(PHONE_NUMBER_ID).is_empty()
    })
    .await;
    let text = app.graph.sent_from(PHONE_NUMBER_ID)[0].to_string();
    assert!(text.contains("KIA (Kartu Anak)"), "{text}");
    assert_eq!(app.graph.sent_from(SECOND_PHONE_NUMBER_ID).len(), 1);

    let on_second = app
        .store
        .contact_by_phone(Some(SECOND_PHONE_NUMBER_ID), parent)
        .unwrap()
        .unwrap();
    let on_main = app
        .store
        .contact_by_phone(Some(PHONE_NUMBER_ID), parent)
        .unwrap()
        .unwrap();
    assert_ne!(on_second.id, on_main.id);
    assert_eq!(
        on_second.business_number.as_deref(),
        Some(SECOND_PHONE_NUMBER_ID)
    );
    assert!(finished_failures(&app).is_empty());
    app.stop().await;
}
