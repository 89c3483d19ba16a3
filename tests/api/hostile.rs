//! What a hostile-client probe found, each as a specification: stalled bodies, unusable
//! message times, huge signed bodies, and the simulator on a laptop.

use std::time::Duration;

use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::*;

/// Opens a connection that declares `declared` bytes for `/webhook` and sends only `sent`.
async fn stalled_body(app: &TestApp, declared: usize, sent: usize) -> TcpStream {
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /webhook HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         X-Hub-Signature-256: sha256=00\r\nContent-Length: {declared}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&vec![b' '; sent]).await.unwrap();
    stream.flush().await.unwrap();
    stream
}

/// The status line's code of what the server answered on `stream` (waits up to 10 s).
async fn status_of(stream: &mut TcpStream) -> u16 {
    let mut buf = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
        .await
        .expect("the server answers")
        .unwrap();
    let head = String::from_utf8_lossy(&buf[..n]);
    head.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"))
}

#[tokio::test]
async fn a_stalled_body_is_cut_off_and_unverified_bodies_cannot_take_more_than_their_budget() {
    let app = spawn_app_with(Options {
        extra_env: vec![
            ("LOKET_WEBHOOK_MAX_BYTES", "256KB".into()),
            ("LOKET_WEBHOOK_BUDGET_BYTES", "512KB".into()),
            ("LOKET_BODY_TIMEOUT_MS", "1500".into()),
        ],
        ..Options::default()
    })
    .await;
    // Two clients declare 250 KB and stop 50 KB short: 400 KB of the 512 KB budget held.
    let mut first = stalled_body(&app, 250_000, 200_000).await;
    let mut second = stalled_body(&app, 250_000, 200_000).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Meta's small webhook still fits, and is answered.
    let body = text_body("wamid.budget.1", "6281200000001", now(), "halo");
    assert_eq!(app.post_signed(&body).await.status(), 200);

    // A third large body does not fit: refused at once with 503, which Meta retries.
    let mut third = stalled_body(&app, 250_000, 200_000).await;
    assert_eq!(status_of(&mut third).await, 503);

    // The stalled ones are cut off with 408 once their time is up...
    assert_eq!(status_of(&mut first).await, 408);
    assert_eq!(status_of(&mut second).await, 408);
    // ...and the budget is whole again: a large signed body goes through.
    let mut large = text_body("wamid.budget.2", "6281200000002", now(), "halo");
    large.extend(std::iter::repeat_n(b' ', 200_000));
    assert_eq!(app.post_signed(&large).await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn a_console_form_that_stalls_is_cut_off_too() {
    let app = spawn_app_with(Options {
        extra_env: vec![("LOKET_BODY_TIMEOUT_MS", "1000".into())],
        ..Options::default()
    })
    .await;
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /console/login HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nname=a"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let status = status_of(&mut stream).await;
    assert!((400..500).contains(&status), "got {status}");
    app.stop().await;
}

#[tokio::test]
async fn a_message_without_a_usable_time_is_answered_as_if_sent_on_receipt() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let times = [
        ("6281300000001", None),
        ("6281300000002", Some(json!(""))),
        ("6281300000003", Some(json!("0"))),
        ("6281300000004", Some(json!("-5"))),
        ("6281300000005", Some(json!(1764400000.5))),
        ("6281300000006", Some(json!("soon"))),
    ];
    for (i, (from, timestamp)) in times.iter().enumerate() {
        let mut message = json!({"from": from, "id": format!("wamid.time.{i}"), "type": "text",
                                 "text": {"body": "halo"}});
        if let Some(t) = timestamp {
            message["timestamp"] = t.clone();
        }
        let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
            {"field": "messages", "value": {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "6281100002222", "phone_number_id": PHONE_NUMBER_ID},
             "contacts": [{"profile": {"name": "Warga"}, "wa_id": from}],
             "messages": [message]}}]}]});
        let body = serde_json::to_vec(&body).unwrap();
        assert_eq!(app.post_signed(&body).await.status(), 200);
    }
    for (from, _) in times {
        app.eventually(&format!("{from} is greeted"), |app| {
            !app.graph.texts_to(from).is_empty()
        })
        .await;
    }
    app.stop().await;
}

#[tokio::test]
async fn a_message_that_reached_us_after_a_day_is_answered_with_the_approved_template() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let from = "6281300000009";
    let day_and_a_half_ago = now() - 36 * 3600;
    let body = text_body("wamid.late.1", from, day_and_a_half_ago, "halo");
    assert_eq!(app.post_signed(&body).await.status(), 200);
    app.eventually("the late template goes out", |app| {
        app.graph.messages_to(from).iter().any(|m| {
            m["type"] == "template"
                && m["template"]["name"] == "loket_notice"
                && m["template"]["components"]
                    .to_string()
                    .contains("lebih dari 24 jam")
        })
    })
    .await;
    // Free text would be refused by WhatsApp (131047): none is sent.
    assert!(app.graph.texts_to(from).is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_huge_signed_body_is_acknowledged_and_only_a_bounded_part_of_it_is_queued() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    // 3,000 messages and 30,000 contacts in one value: far more than Meta ever batches.
    let contacts: Vec<_> = (0..30_000)
        .map(|i| json!({"profile": {"name": "Warga"}, "wa_id": format!("62814{i:08}")}))
        .collect();
    let messages: Vec<_> = (0..3_000)
        .map(|i| {
            json!({"from": format!("62814{i:08}"), "id": format!("wamid.huge.{i}"),
                   "timestamp": now().to_string(), "type": "text", "text": {"body": "halo"}})
        })
        .collect();
    let body = serde_json::to_vec(
        &json!({"object": "whatsapp_business_account", "entry": [{"id": "1",
        "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281100002222", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": contacts, "messages": messages}}]}]}),
    )
    .unwrap();
    assert!(body.len() < 3 * 1024 * 1024);
    assert_eq!(app.post_signed(&body).await.status(), 200);
    // Health answers while the lanes work through what was taken.
    assert_eq!(app.get("/healthz").await.status(), 200);
    let letters = app.store.dead_letters().unwrap();
    let reasons = letters
        .iter()
        .flat_map(|l| l.reasons.iter())
        .cloned()
        .collect::<Vec<_>>();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("2000 messages and statuses past the first 1000")),
        "{reasons:?}"
    );
    app.eventually("the first sender is answered", |app| {
        app.store.processed("wamid.huge.0").unwrap().is_some()
    })
    .await;
    app.stop().await;
}

/// loket in simulator mode (no access token), as on a volunteer's laptop.
async fn spawn_simulator() -> TestApp {
    spawn_app_with(Options {
        extra_env: vec![("WA_ACCESS_TOKEN", String::new())],
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn the_simulator_serves_uploads_as_downloads_never_as_its_own_pages() {
    let app = spawn_simulator().await;
    let upload = app
        .client
        .post(format!(
            "{}/sim/api/chats/6281300000077/media?kind=document&filename=surat.html",
            app.address
        ))
        .header("content-type", "text/html")
        .body("<script>alert(document.cookie)</script>")
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 200);
    let view: serde_json::Value = upload.json().await.unwrap();
    let media_id = view["message"]["content"]["media_id"]
        .as_str()
        .unwrap()
        .to_string();
    let served = app.get(&format!("/sim/api/media/{media_id}")).await;
    assert_eq!(served.status(), 200);
    let header = |name: &str| {
        served
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("content-disposition"), "attachment");
    assert_eq!(header("content-security-policy"), "sandbox");
    app.stop().await;
}

#[tokio::test]
async fn the_simulator_refuses_other_sites_other_host_names_and_sends_without_the_token() {
    let app = spawn_simulator().await;
    let send = |origin: Option<&str>, host: Option<&str>| {
        let mut request = app
            .client
            .post(format!(
                "{}/sim/api/chats/6281300000078/messages",
                app.address
            ))
            .header("content-type", "text/plain")
            .body(r#"{"type":"text","text":"halo"}"#);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(host) = host {
            request = request.header("host", host);
        }
        request.send()
    };
    // A page on another site posting "text/plain" (no preflight) is refused.
    let foreign = send(Some("http://evil.example"), None).await.unwrap();
    assert_eq!(foreign.status(), 403);
    // A DNS name rebound to this machine is refused, even for reading.
    let rebound = send(None, Some("evil.example:8080")).await.unwrap();
    assert_eq!(rebound.status(), 403);
    let page = app
        .client
        .get(format!("{}/sim", app.address))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 403);
    // The simulator's own page (same origin) and tools without an Origin are served.
    let own_origin = app.address.clone();
    assert_eq!(send(Some(&own_origin), None).await.unwrap().status(), 200);

    // The Graph routes take sends only with loket's token.
    let graph = |auth: Option<&'static str>| {
        let mut request = app
            .client
            .post(format!(
                "{}/sim/graph/v25.0/{PHONE_NUMBER_ID}/messages",
                app.address
            ))
            .json(
                &json!({"messaging_product": "whatsapp", "to": "6281300000078",
                          "type": "text", "text": {"body": "palsu"}}),
            );
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        request.send()
    };
    for auth in [None, Some("Bearer "), Some("Bearer guess")] {
        assert_eq!(graph(auth).await.unwrap().status(), 401, "{auth:?}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_sender_who_floods_is_slowed_and_told_once_while_others_are_answered() {
    let app = spawn_app_with(Options {
        extra_env: vec![
            ("WA_MARK_READ", "false".into()),
            ("LOKET_FLOOD_AFTER", "10".into()),
            ("LOKET_FLOOD_DELAY_MS", "1000".into()),
        ],
        ..Options::default()
    })
    .await;
    let flooder = "6281700000001";
    for i in 0..60 {
        let body = text_body(&format!("wamid.flood.{i}"), flooder, now(), "halo");
        assert_eq!(app.post_signed(&body).await.status(), 200);
    }
    let other = "6281700000002";
    let body = text_body("wamid.flood.other", other, now(), "halo");
    assert_eq!(app.post_signed(&body).await.status(), 200);
    app.eventually("the other parent is answered", |app| {
        !app.graph.texts_to(other).is_empty()
    })
    .await;
    assert!(
        app.store.processed("wamid.flood.59").unwrap().is_none(),
        "the other parent did not wait for the whole flood"
    );
    app.eventually("every flooded message is read, none dropped", |app| {
        (0..60).all(|i| {
            app.store
                .processed(&format!("wamid.flood.{i}"))
                .unwrap()
                .is_some()
        })
    })
    .await;
    let texts = app.graph.texts_to(flooder);
    let told = texts
        .iter()
        .filter(|t| t.contains("balasan kami datang lebih lambat"))
        .count();
    assert_eq!(told, 1, "{texts:#?}");
    assert!(
        texts.len() < 10,
        "answered in batches, not 60 times: {}",
        texts.len()
    );
    app.stop().await;
}

#[tokio::test]
async fn an_address_that_keeps_failing_to_sign_in_waits_whatever_names_it_tries() {
    let app = spawn_app().await;
    let sign_in = |name: String| {
        app.client
            .post(format!("{}/api/v1/session", app.address))
            .json(&json!({"username": name, "password": "tebakan"}))
            .send()
    };
    for i in 0..10 {
        let response = sign_in(format!("petugas{i}")).await.unwrap();
        assert_eq!(response.status(), 401);
    }
    let response = sign_in("petugas_lain".into()).await.unwrap();
    assert_eq!(response.status(), 429);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("this address")
    );
    // The console's form says so too, in Indonesian.
    let form = app
        .client
        .post(format!("{}/console/login", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=siapa&password=apa")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 429);
    let page = form.text().await.unwrap();
    assert!(page.contains("dari alamat ini"), "{page}");
    assert!(
        page.contains(r#"value="siapa""#),
        "the form keeps the name typed: {page}"
    );
    app.stop().await;
}
